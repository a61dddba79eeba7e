/**
 * The IPFS Trustless Gateway protocol (https://specs.ipfs.tech/http-gateways/trustless-gateway/)
 * as fastify routes, so a hospital serves its encrypted records to other hospitals over plain
 * HTTP and any IPFS client can verify what it gets. There is no DHT: the requester learns the
 * holder's URL from the on-chain index (BEdgeHealth §V-B) and asks it directly.
 *
 *   GET|HEAD {prefix}/ipfs/{cid}   Accept: application/vnd.ipld.raw  (or ?format=raw)  one block
 *   GET|HEAD {prefix}/ipfs/{cid}   Accept: application/vnd.ipld.car  (or ?format=car)  CARv1 of
 *            the DAG, ?dag-scope=all|entity|block (default all), order=dfs, dups=n unless dups=y
 *
 * Every block is re-verified as it is read; a tampered block is never sent (raw: 500
 * OFFCHAIN_HASH_MISMATCH; mid-CAR: the response is aborted, never ended cleanly).
 */
import { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import * as dagPb from "@ipld/dag-pb";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { UnixFS } from "ipfs-unixfs";
import { ConsortiaError, errorCodeInfo, isConsortiaError } from "../errors.js";
import type { BlockStore } from "./blockstore.js";
import { carStream, encodeCarHeader } from "./car.js";
import { type CID, checkVerifiable, DAG_PB_CODE, parseCid } from "./cid.js";
import { OffchainErrors } from "./errors.js";

export const RAW_MEDIA_TYPE = "application/vnd.ipld.raw";
export const CAR_MEDIA_TYPE = "application/vnd.ipld.car";
export const DEFAULT_MAX_CAR_BYTES = 64 * 1024 * 1024 + 64 * 1024;

export type DagScope = "all" | "entity" | "block";

export interface ServedEvent {
  readonly cid: string;
  readonly format: "raw" | "car";
  readonly blocks: number;
  readonly bytes: number;
  /** False when a CAR stream was aborted (a bad or missing block, a size limit, a disconnect). */
  readonly complete: boolean;
  readonly remoteAddress: string;
}

export interface GatewayOptions {
  /** Mount point, e.g. "/offchain" gives /offchain/ipfs/{cid}. Default "" (the root). */
  readonly prefix?: string;
  /** Largest CAR response in bytes (checked up front from the root's link sizes, and while streaming). */
  readonly maxCarBytes?: number;
  /**
   * Access control hook for the retrieval protocol: throw a ConsortiaError (e.g. OFFCHAIN_FORBIDDEN)
   * to refuse. Runs after the request is parsed and before any block is read.
   */
  readonly authorize?: (req: FastifyRequest, cid: CID) => void | Promise<void>;
  /** Called once per answered GET, e.g. to write the access log (BEdgeHealth eq. 28/31). */
  readonly onServed?: (event: ServedEvent) => void;
  /**
   * Called with every error answered as 5xx or that cut a CAR stream — notably
   * OFFCHAIN_HASH_MISMATCH, i.e. this holder's own copy is corrupt and needs repair.
   */
  readonly onError?: (err: ConsortiaError) => void;
}

interface CarParams {
  readonly scope: DagScope;
  readonly dups: boolean;
}

type Negotiated = { readonly format: "raw" } | ({ readonly format: "car" } & CarParams);

const JSON_TYPE = "application/json; charset=utf-8";
const IMMUTABLE = "public, max-age=29030400, immutable";

function badRequest(message: string, details: Record<string, unknown> = {}): ConsortiaError {
  return new ConsortiaError(OffchainErrors.OFFCHAIN_BAD_REQUEST, message, details);
}

interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === "") return [];
  const out: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [type, ...rest] = part.split(";").map((s) => s.trim());
    if (type === undefined || type === "") continue;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rest) {
      const eq = p.indexOf("=");
      if (eq <= 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, "");
      if (k === "q") q = Number.isFinite(Number(v)) ? Number(v) : 0;
      else params.set(k, v.toLowerCase());
    }
    if (q > 0) out.push({ type: type.toLowerCase(), params, q });
  }
  // Stable sort: equal q keeps the client's order.
  return out.sort((a, b) => b.q - a.q);
}

/** Variant parameters we can produce: CARv1, DFS order (unk accepted), dups y or n. */
function carVariant(params: ReadonlyMap<string, string>): { dups: boolean } | undefined {
  const version = params.get("version");
  const order = params.get("order");
  const dups = params.get("dups");
  if (version !== undefined && version !== "1") return undefined;
  if (order !== undefined && order !== "dfs" && order !== "unk") return undefined;
  if (dups !== undefined && dups !== "y" && dups !== "n") return undefined;
  return { dups: dups === "y" };
}

function queryString(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badRequest(`query parameter ${name} must appear once`, { field: name });
  return v;
}

function negotiate(req: FastifyRequest): Negotiated {
  const query = (req.query ?? {}) as Record<string, unknown>;
  const format = queryString(query, "format");
  const accept = parseAccept(req.headers.accept);
  let chosen: "raw" | "car" | undefined;
  let acceptDups: boolean | undefined;
  if (format !== undefined) {
    if (format !== "raw" && format !== "car") {
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_NOT_ACCEPTABLE,
        `format=${format.slice(0, 40)} is not served here; use raw or car`,
        { field: "format" },
      );
    }
    chosen = format;
    // The Accept header may still carry CAR variant parameters.
    const car = accept.find((m) => m.type === CAR_MEDIA_TYPE);
    if (chosen === "car" && car !== undefined) acceptDups = carVariant(car.params)?.dups;
  } else {
    for (const m of accept) {
      if (m.type === RAW_MEDIA_TYPE) {
        chosen = "raw";
        break;
      }
      if (m.type === CAR_MEDIA_TYPE) {
        const variant = carVariant(m.params);
        if (variant === undefined) continue;
        chosen = "car";
        acceptDups = variant.dups;
        break;
      }
    }
    if (chosen === undefined) {
      const explicit = accept.some((m) => !m.type.includes("*"));
      if (!explicit) {
        // Strict trustless mode (spec §Accept): no deserialized responses, so the type must be asked for.
        throw badRequest(
          `send Accept: ${RAW_MEDIA_TYPE} or ${CAR_MEDIA_TYPE} (or ?format=raw|car); this gateway only serves verifiable responses`,
          { field: "accept" },
        );
      }
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_NOT_ACCEPTABLE,
        `none of the accepted media types can be served; this gateway serves ${RAW_MEDIA_TYPE} and ${CAR_MEDIA_TYPE};version=1;order=dfs`,
        { field: "accept" },
      );
    }
  }
  if (chosen === "raw") {
    for (const p of ["dag-scope", "entity-bytes", "car-version", "car-order", "car-dups"]) {
      if (query[p] !== undefined) throw badRequest(`${p} is only valid for CAR responses`, { field: p });
    }
    return { format: "raw" };
  }
  const scope = queryString(query, "dag-scope") ?? "all";
  if (scope !== "all" && scope !== "entity" && scope !== "block") {
    throw badRequest("dag-scope must be block, entity or all", { field: "dag-scope" });
  }
  if (query["entity-bytes"] !== undefined) {
    throw badRequest("entity-bytes is not supported by this gateway; request the whole entity", {
      field: "entity-bytes",
    });
  }
  const version = queryString(query, "car-version");
  if (version !== undefined && version !== "1")
    throw badRequest("only car-version=1 is served", { field: "car-version" });
  const order = queryString(query, "car-order");
  if (order !== undefined && order !== "dfs" && order !== "unk") {
    throw badRequest("car-order must be dfs or unk", { field: "car-order" });
  }
  const dupsParam = queryString(query, "car-dups");
  if (dupsParam !== undefined && dupsParam !== "y" && dupsParam !== "n") {
    throw badRequest("car-dups must be y or n", { field: "car-dups" });
  }
  const dups = dupsParam !== undefined ? dupsParam === "y" : (acceptDups ?? false);
  return { format: "car", scope, dups };
}

/** For dag-scope=entity: a UnixFS file is its whole DAG; anything else is its root block. */
function entityIsWholeDag(root: CID, bytes: Uint8Array): boolean {
  if (root.code !== DAG_PB_CODE) return false;
  try {
    const node = dagPb.decode(bytes);
    return node.Data !== undefined && ["file", "raw"].includes(UnixFS.unmarshal(node.Data).type);
  } catch {
    return false;
  }
}

/** Upper bound of the CAR size from the root's link Tsizes (cumulative DAG sizes, as kubo writes). */
function estimateCarBytes(root: CID, bytes: Uint8Array, scope: "all" | "block"): number {
  let total = encodeCarHeader(root).length + root.bytes.length + bytes.length + 10;
  if (scope === "block" || root.code !== DAG_PB_CODE) return total;
  try {
    for (const link of dagPb.decode(bytes).Links) total += (link.Tsize ?? 0) + link.Hash.bytes.length + 10;
  } catch {
    // Undecodable roots fail later with a typed error during the walk.
  }
  return total;
}

function toConsortiaError(err: unknown): ConsortiaError {
  return isConsortiaError(err)
    ? err
    : new ConsortiaError(OffchainErrors.OFFCHAIN_IO, "internal gateway error", {}, { cause: err });
}

function sendError(
  reply: FastifyReply,
  req: FastifyRequest,
  err: unknown,
  onError?: (err: ConsortiaError) => void,
): FastifyReply {
  const e = toConsortiaError(err);
  const status = errorCodeInfo(e.code).http;
  if (status >= 500) onError?.(e);
  reply.code(status).header("cache-control", "no-store").type(JSON_TYPE);
  return req.method === "HEAD" ? reply.send() : reply.send(JSON.stringify(e.toJSON()));
}

/**
 * Registers the gateway routes on `app` (our API server's fastify instance or a dedicated one).
 * Routes declare HEAD explicitly, so they work with `exposeHeadRoutes: false` as well.
 * Note: fastify's default maxParamLength (100) fits every sha2-256 CID.
 */
export function registerGatewayRoutes(
  app: FastifyInstance,
  deps: { blockstore: Pick<BlockStore, "get" | "has"> },
  opts: GatewayOptions = {},
): void {
  const { blockstore } = deps;
  const prefix = (opts.prefix ?? "").replace(/\/+$/, "");
  const maxCarBytes = opts.maxCarBytes ?? DEFAULT_MAX_CAR_BYTES;
  if (!Number.isSafeInteger(maxCarBytes) || maxCarBytes <= 0) {
    throw new ConsortiaError(OffchainErrors.OFFCHAIN_BAD_ARGUMENT, "maxCarBytes must be a positive integer", {
      field: "maxCarBytes",
    });
  }

  app.route({
    method: ["GET", "HEAD"],
    url: `${prefix}/ipfs/:cid/*`,
    exposeHeadRoute: false,
    handler: async (req, reply) =>
      sendError(
        reply,
        req,
        badRequest("content paths are not supported: request /ipfs/{cid} of the file itself"),
      ),
  });

  app.route({
    method: ["GET", "HEAD"],
    url: `${prefix}/ipfs/:cid`,
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      const head = req.method === "HEAD";
      let cid: CID;
      let want: Negotiated;
      let rootBytes: Uint8Array;
      try {
        cid = parseCid((req.params as { cid: string }).cid);
        checkVerifiable(cid);
        want = negotiate(req);
        await opts.authorize?.(req, cid);
        if (/only-if-cached/i.test(req.headers["cache-control"] ?? "") && !(await blockstore.has(cid))) {
          throw new ConsortiaError(OffchainErrors.OFFCHAIN_NOT_CACHED, `${cid.toString()} is not held here`, {
            cid: cid.toString(),
          });
        }
        // Reading (and so verifying) the root first turns "missing" into a clean 404 and
        // "tampered" into a clean 500 before any byte of the body is committed.
        rootBytes = await blockstore.get(cid);
      } catch (err) {
        return sendError(reply, req, err, opts.onError);
      }
      const text = cid.toString();
      const query = (req.query ?? {}) as Record<string, unknown>;
      reply.header("x-content-type-options", "nosniff").header("vary", "Accept").header("x-ipfs-roots", text);

      if (want.format === "raw") {
        const etag = `"${text}.raw"`;
        reply
          .header("etag", etag)
          .header("cache-control", IMMUTABLE)
          .header("content-disposition", `attachment; filename="${text}.bin"`)
          .type(RAW_MEDIA_TYPE);
        if (query.format === undefined) reply.header("content-location", `${prefix}/ipfs/${text}?format=raw`);
        if (req.headers["if-none-match"] === etag) return reply.code(304).send();
        reply.header("content-length", String(rootBytes.length));
        if (head) return reply.code(200).send();
        opts.onServed?.({
          cid: text,
          format: "raw",
          blocks: 1,
          bytes: rootBytes.length,
          complete: true,
          remoteAddress: req.ip,
        });
        return reply
          .code(200)
          .send(Buffer.from(rootBytes.buffer, rootBytes.byteOffset, rootBytes.byteLength));
      }

      const scope: "all" | "block" =
        want.scope === "entity" ? (entityIsWholeDag(cid, rootBytes) ? "all" : "block") : want.scope;
      const estimate = estimateCarBytes(cid, rootBytes, scope);
      if (estimate > maxCarBytes) {
        return sendError(
          reply,
          req,
          new ConsortiaError(
            OffchainErrors.OFFCHAIN_TOO_LARGE,
            `CAR for ${text} is about ${estimate} bytes, over the ${maxCarBytes}-byte response limit`,
            { cid: text, estimate, max: maxCarBytes },
          ),
        );
      }
      const dups = want.dups ? "y" : "n";
      const etag = `"${text}.car.${want.scope}.dfs.${dups}"`;
      reply
        .header("etag", etag)
        .header("cache-control", IMMUTABLE)
        .header("content-disposition", `attachment; filename="${text}.car"`)
        .type(`${CAR_MEDIA_TYPE}; version=1; order=dfs; dups=${dups}`);
      if (query.format === undefined) {
        reply.header("content-location", `${prefix}/ipfs/${text}?format=car&dag-scope=${want.scope}`);
      }
      if (req.headers["if-none-match"] === etag) return reply.code(304).send();
      if (head) return reply.code(200).send();

      let blocks = 0;
      let bytes = 0;
      const stream = carStream(blockstore, cid, {
        maxBytes: maxCarBytes,
        dedupe: !want.dups,
        rootOnly: scope === "block",
        onBlock: (b) => {
          blocks++;
          bytes += b.bytes.length;
        },
      });
      const body = Readable.from(stream, { objectMode: false });
      let reported = false;
      const report = (complete: boolean) => {
        if (reported) return;
        reported = true;
        opts.onServed?.({ cid: text, format: "car", blocks, bytes, complete, remoteAddress: req.ip });
      };
      body.on("end", () => report(true));
      body.on("error", (err) => {
        opts.onError?.(toConsortiaError(err));
        report(false);
      });
      reply.raw.on("close", () => report(false));
      return reply.code(200).send(body);
    },
  });
}
