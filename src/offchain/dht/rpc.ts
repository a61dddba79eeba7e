/**
 * The asking side of the four RPCs: JSON over HTTP POST to `{peer url}/{rpc}`. Every answer is
 * size-capped while it is read and validated before use; failures are typed so the lookup can
 * tell an unreachable peer (drop it from the table) from a peer that answered nonsense.
 */
import { Buffer } from "node:buffer";
import { toHex } from "../../crypto/hash.js";
import { ConsortiaError, isConsortiaError } from "../../errors.js";
import { DhtErrors } from "./errors.js";
import type { Contact, NodeId } from "./id.js";
import type { Provider } from "./providers.js";
import {
  contactFromWire,
  contactToWire,
  MAX_RESPONSE_BYTES,
  parseWire,
  providerFromWire,
  zAddProviderResponse,
  zFindNodeResponse,
  zGetProvidersResponse,
  zPingResponse,
} from "./wire.js";

export type DhtFetch = (
  url: string,
  init: { method: "POST"; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<Response>;

export interface ProvidersAnswer {
  readonly providers: Provider[];
  readonly closer: Contact[];
}

export interface DhtRpc {
  ping(url: string, signal?: AbortSignal): Promise<Contact>;
  findNode(url: string, target: NodeId, signal?: AbortSignal): Promise<Contact[]>;
  getProviders(url: string, key: NodeId, signal?: AbortSignal): Promise<ProvidersAnswer>;
  addProvider(url: string, key: NodeId, provider: Provider, signal?: AbortSignal): Promise<boolean>;
}

export interface DhtRpcOptions {
  readonly fetch: DhtFetch;
  /** Our contact, sent as `from` so the peer can add us; absent in client mode. */
  readonly from: Contact | undefined;
  readonly timeoutMs: number;
}

async function readCapped(res: Response, peer: string): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      total += r.value.length;
      if (total > MAX_RESPONSE_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw new ConsortiaError(
          DhtErrors.DHT_TOO_LARGE,
          `peer ${peer} answered over ${MAX_RESPONSE_BYTES} bytes`,
          {
            peer,
          },
        );
      }
      parts.push(r.value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(parts).toString("utf8");
}

function transportError(err: unknown, peer: string, rpc: string): ConsortiaError {
  if (isConsortiaError(err)) return err;
  const name = (err as { name?: string }).name;
  if (name === "TimeoutError") {
    return new ConsortiaError(DhtErrors.DHT_TIMEOUT, `peer ${peer} did not answer ${rpc} in time`, {
      peer,
      rpc,
    });
  }
  const cause = (err as { cause?: { code?: string } }).cause;
  return new ConsortiaError(
    DhtErrors.DHT_RPC_FAILED,
    `${rpc} to ${peer} failed: ${cause?.code ?? (err as Error).message}`,
    { peer, rpc },
    { cause: err },
  );
}

export function createDhtRpc(opts: DhtRpcOptions): DhtRpc {
  const from = opts.from === undefined ? {} : { from: contactToWire(opts.from) };

  async function call(peer: string, rpc: string, body: object, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
    let res: Response;
    let text: string;
    try {
      res = await opts.fetch(`${peer}/${rpc}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ ...from, ...body }),
        signal: combined,
      });
      text = await readCapped(res, peer);
    } catch (err) {
      throw transportError(err, peer, rpc);
    }
    if (res.status !== 200) {
      let remote: string | undefined;
      try {
        const parsed = JSON.parse(text) as { code?: unknown };
        if (typeof parsed.code === "string") remote = parsed.code.slice(0, 64);
      } catch {
        // A non-JSON error page: the status says enough.
      }
      throw new ConsortiaError(DhtErrors.DHT_RPC_FAILED, `${rpc} to ${peer} answered ${res.status}`, {
        peer,
        rpc,
        status: res.status,
        remoteCode: remote ?? null,
      });
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new ConsortiaError(DhtErrors.DHT_BAD_RESPONSE, `${rpc} to ${peer}: answer is not JSON`, {
        peer,
        rpc,
      });
    }
  }

  // A peer that sends an invalid contact or provider has sent an invalid answer.
  const asResponse = <T>(peer: string, rpc: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (isConsortiaError(err, DhtErrors.DHT_BAD_RESPONSE)) throw err;
      throw new ConsortiaError(
        DhtErrors.DHT_BAD_RESPONSE,
        `${rpc} to ${peer}: ${(err as Error).message}`,
        { peer, rpc },
        { cause: err },
      );
    }
  };

  return {
    async ping(url, signal) {
      const raw = await call(url, "ping", {}, signal);
      return asResponse(url, "ping", () =>
        contactFromWire(parseWire(zPingResponse, raw, DhtErrors.DHT_BAD_RESPONSE, "ping")),
      );
    },
    async findNode(url, target, signal) {
      const raw = await call(url, "find-node", { target: toHex(target) }, signal);
      return asResponse(url, "find-node", () =>
        parseWire(zFindNodeResponse, raw, DhtErrors.DHT_BAD_RESPONSE, "find-node").closer.map(
          contactFromWire,
        ),
      );
    },
    async getProviders(url, key, signal) {
      const raw = await call(url, "get-providers", { key: toHex(key) }, signal);
      return asResponse(url, "get-providers", () => {
        const r = parseWire(zGetProvidersResponse, raw, DhtErrors.DHT_BAD_RESPONSE, "get-providers");
        return { providers: r.providers.map(providerFromWire), closer: r.closer.map(contactFromWire) };
      });
    },
    async addProvider(url, key, provider, signal) {
      const raw = await call(
        url,
        "add-provider",
        { key: toHex(key), provider: { url: provider.url } },
        signal,
      );
      return asResponse(
        url,
        "add-provider",
        () => parseWire(zAddProviderResponse, raw, DhtErrors.DHT_BAD_RESPONSE, "add-provider").stored,
      );
    },
  };
}
