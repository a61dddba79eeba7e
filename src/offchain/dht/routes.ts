/**
 * The serving side over HTTP: one POST route per RPC under `{prefix}` (default "/dht"), JSON in
 * and out. Bodies are size-limited before parsing and validated with zod; every failure, including
 * fastify's own (bad JSON, wrong content type, body too large), is answered as a typed
 * `{code, message, details?}` so the asking node can tell why.
 *
 *   POST {prefix}/ping           {from?}                          → {id, url}
 *   POST {prefix}/find-node      {from?, target}                  → {closer: Contact[≤k]}
 *   POST {prefix}/get-providers  {from?, key}                     → {providers: [{url}], closer: Contact[]}
 *   POST {prefix}/add-provider   {from?, key, provider: {url}}    → {stored: true}
 */
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { CommonErrors, ConsortiaError, errorCodeInfo, isConsortiaError } from "../../errors.js";
import { DhtErrors } from "./errors.js";
import type { Contact } from "./id.js";
import type { DhtNode } from "./node.js";
import {
  contactFromWire,
  contactToWire,
  idFromWire,
  MAX_REQUEST_BYTES,
  parseWire,
  providerFromWire,
  type WireContact,
  zAddProviderRequest,
  zFindNodeRequest,
  zGetProvidersRequest,
  zPingRequest,
} from "./wire.js";

export interface DhtRoutesOptions {
  /** Mount point; the node's selfUrl must end with it. Default "/dht". */
  readonly prefix?: string;
}

const JSON_TYPE = "application/json; charset=utf-8";

function toTyped(err: unknown): ConsortiaError {
  if (isConsortiaError(err)) return err;
  const status = (err as FastifyError).statusCode;
  if (status === 413) {
    return new ConsortiaError(DhtErrors.DHT_TOO_LARGE, `request body over ${MAX_REQUEST_BYTES} bytes`, {
      max: MAX_REQUEST_BYTES,
    });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ConsortiaError(DhtErrors.DHT_BAD_REQUEST, (err as Error).message.slice(0, 200));
  }
  return new ConsortiaError(CommonErrors.INTERNAL, "internal DHT error", {}, { cause: err });
}

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const e = toTyped(err);
  return reply.code(errorCodeInfo(e.code).http).type(JSON_TYPE).send(JSON.stringify(e.toJSON()));
}

const sender = (from: WireContact | undefined): Contact | undefined =>
  from === undefined ? undefined : contactFromWire(from);

/**
 * `node.handle` is read on every request, not at registration, so a server can listen first and
 * create its node afterwards (the node's URL, hence its id, contains the port it got).
 */
export function registerDhtRoutes(
  app: FastifyInstance,
  node: Pick<DhtNode, "handle">,
  opts: DhtRoutesOptions = {},
): void {
  const prefix = (opts.prefix ?? "/dht").replace(/\/+$/, "");
  const post = (rpc: string, answer: (body: unknown) => unknown) => {
    app.route({
      method: "POST",
      url: `${prefix}/${rpc}`,
      bodyLimit: MAX_REQUEST_BYTES,
      errorHandler: (err, _req, reply) => sendError(reply, err),
      handler: async (req, reply) => {
        const out = answer(req.body);
        return reply.code(200).type(JSON_TYPE).send(JSON.stringify(out));
      },
    });
  };
  const bad = DhtErrors.DHT_BAD_REQUEST;

  post("ping", (raw) => {
    const body = parseWire(zPingRequest, raw ?? {}, bad, "body");
    return contactToWire(node.handle.ping(sender(body.from)));
  });
  post("find-node", (raw) => {
    const body = parseWire(zFindNodeRequest, raw, bad, "body");
    return { closer: node.handle.findNode(sender(body.from), idFromWire(body.target)).map(contactToWire) };
  });
  post("get-providers", (raw) => {
    const body = parseWire(zGetProvidersRequest, raw, bad, "body");
    const r = node.handle.getProviders(sender(body.from), idFromWire(body.key));
    return { providers: r.providers.map((p) => ({ url: p.url })), closer: r.closer.map(contactToWire) };
  });
  post("add-provider", (raw) => {
    const body = parseWire(zAddProviderRequest, raw, bad, "body");
    return {
      stored: node.handle.addProvider(
        sender(body.from),
        idFromWire(body.key),
        providerFromWire(body.provider),
      ),
    };
  });
}
