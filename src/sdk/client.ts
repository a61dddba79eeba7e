/**
 * Typed client of the node's HTTP API (docs/api.md), over the global fetch. Server errors come
 * back as ConsortiaError with the server's code, message and details; a server that cannot be
 * reached gives API_UNREACHABLE, an answer that is not the API's JSON gives API_BAD_RESPONSE.
 */
import { ApiErrors } from "../api/errors.js";
import type {
  AccountJson,
  BatchResult,
  BlockEventJson,
  BlockJson,
  ChainInfo,
  Health,
  IdentityJson,
  QueryResultJson,
  SubmitAccepted,
  SubmitCommitted,
  TxEventJson,
  TxStatus,
} from "../api/schemas.js";
import { toHex } from "../crypto/hash.js";
import { CommonErrors, ConsortiaError } from "../errors.js";
import type { Receipt } from "../ledger/receipt.js";
import { createSseParser } from "./sse.js";

export type ApiEvent =
  | { readonly type: "block"; readonly data: BlockEventJson }
  | { readonly type: "tx"; readonly data: TxEventJson };

export interface ClientOptions {
  /** Replaces the global fetch (tests, proxies). */
  readonly fetch?: typeof fetch;
  /** Per-request timeout for everything but `events` (default 120 s: wait=commit can take 30 s). */
  readonly timeoutMs?: number;
}

export interface EventsOptions {
  readonly types?: ReadonlyArray<"block" | "tx">;
}

type HashLike = string | Uint8Array;

export interface ConsortiaClient {
  readonly baseUrl: string;
  health(): Promise<Health>;
  chain(): Promise<ChainInfo>;
  submitTx(raw: Uint8Array, opts?: { wait?: "none" }): Promise<SubmitAccepted>;
  submitTx(raw: Uint8Array, opts: { wait: "commit" }): Promise<SubmitCommitted>;
  submitTx(raw: Uint8Array, opts?: { wait?: "none" | "commit" }): Promise<SubmitAccepted | SubmitCommitted>;
  submitBatch(raws: readonly Uint8Array[]): Promise<BatchResult>;
  getTx(hash: HashLike): Promise<TxStatus>;
  getReceipt(hash: HashLike): Promise<Receipt>;
  getBlock(heightOrLatest: bigint | number | string): Promise<BlockJson>;
  getBlockByHash(hash: HashLike): Promise<BlockJson>;
  getAccount(address: HashLike): Promise<AccountJson>;
  getIdentity(address: HashLike): Promise<IdentityJson>;
  query(path: string, params?: Readonly<Record<string, string>>): Promise<QueryResultJson>;
  metrics(): Promise<string>;
  openapi(): Promise<Record<string, unknown>>;
  /** Any other JSON route (node services such as /ehr/...); API errors become ConsortiaErrors. */
  request(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown>;
  /**
   * Reads the event stream until the server ends it (resolves) or `signal` aborts (resolves).
   * Throws when the stream cannot be opened or breaks, and rethrows what `onEvent` throws.
   */
  events(onEvent: (e: ApiEvent) => void, signal?: AbortSignal, opts?: EventsOptions): Promise<void>;
}

export function createClient(baseUrl: string, opts: ClientOptions = {}): ConsortiaClient {
  let base: string;
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new TypeError("protocol");
    base = u.toString().replace(/\/+$/, "");
  } catch {
    throw new ConsortiaError(
      CommonErrors.INVALID_ARGUMENT,
      `baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`,
      {
        field: "baseUrl",
      },
    );
  }
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 120_000;

  const unreachable = (url: string, err: unknown, what = "cannot reach"): ConsortiaError => {
    const reason =
      err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    return new ConsortiaError(
      ApiErrors.API_UNREACHABLE,
      `${what} ${url}: ${reason}`,
      { url },
      { cause: err },
    );
  };

  async function send(method: "GET" | "POST", path: string, body?: unknown): Promise<Response> {
    const url = base + path;
    try {
      return await doFetch(url, {
        method,
        headers:
          body === undefined
            ? { accept: "application/json" }
            : { accept: "application/json", "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw unreachable(url, err);
    }
  }

  async function failure(res: Response, url: string): Promise<ConsortiaError> {
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      return unreachable(url, err, "connection lost reading");
    }
    const parsed = parseJson(text);
    if (isErrorBody(parsed)) return new ConsortiaError(parsed.code, parsed.message, parsed.details ?? {});
    return badResponse(url, `HTTP ${res.status} without an API error body`, res.status);
  }

  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const res = await send(method, path, body);
    const url = base + path;
    if (!res.ok) throw await failure(res, url);
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw unreachable(url, err, "connection lost reading");
    }
    const parsed = parseJson(text);
    if (parsed === NOT_JSON) throw badResponse(url, "answer is not JSON", res.status);
    return parsed as T;
  }

  const client = {
    baseUrl: base,
    request: (method: "GET" | "POST", path: string, body?: unknown) => call<unknown>(method, path, body),
    health: () => call<Health>("GET", "/health"),
    chain: () => call<ChainInfo>("GET", "/chain"),
    submitTx(raw: Uint8Array, o: { wait?: "none" | "commit" } = {}) {
      const q = o.wait === "commit" ? "?wait=commit" : "";
      return call<SubmitAccepted | SubmitCommitted>("POST", `/txs${q}`, { tx: toHex(raw) });
    },
    submitBatch: (raws: readonly Uint8Array[]) =>
      call<BatchResult>("POST", "/txs/batch", { txs: raws.map((r) => toHex(r)) }),
    getTx: (hash: HashLike) => call<TxStatus>("GET", `/txs/${seg(hash)}`),
    getReceipt: (hash: HashLike) => call<Receipt>("GET", `/txs/${seg(hash)}/receipt`),
    async getBlock(h: bigint | number | string) {
      if (h === "latest") return call<BlockJson>("GET", "/blocks/latest");
      if (typeof h === "number" && !Number.isSafeInteger(h)) {
        throw new ConsortiaError(CommonErrors.INVALID_ARGUMENT, `height must be a safe integer, got ${h}`, {
          field: "height",
        });
      }
      return call<BlockJson>("GET", `/blocks/${encodeURIComponent(String(h))}`);
    },
    getBlockByHash: (hash: HashLike) => call<BlockJson>("GET", `/blocks/hash/${seg(hash)}`),
    getAccount: (a: HashLike) => call<AccountJson>("GET", `/accounts/${seg(a)}`),
    getIdentity: (a: HashLike) => call<IdentityJson>("GET", `/identities/${seg(a)}`),
    query(path: string, params: Readonly<Record<string, string>> = {}) {
      const p = path
        .split("/")
        .filter((s) => s.length > 0)
        .map(encodeURIComponent)
        .join("/");
      const qs = new URLSearchParams(Object.entries(params)).toString();
      return call<QueryResultJson>("GET", `/query/${p}${qs ? `?${qs}` : ""}`);
    },
    async metrics() {
      const res = await send("GET", "/metrics");
      if (!res.ok) throw await failure(res, `${base}/metrics`);
      try {
        return await res.text();
      } catch (err) {
        throw unreachable(`${base}/metrics`, err, "connection lost reading");
      }
    },
    openapi: () => call<Record<string, unknown>>("GET", "/openapi.json"),
    async events(onEvent: (e: ApiEvent) => void, signal?: AbortSignal, o: EventsOptions = {}) {
      const url = `${base}/events${o.types ? `?types=${o.types.join(",")}` : ""}`;
      let res: Response;
      try {
        res = await doFetch(url, { headers: { accept: "text/event-stream" }, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (signal?.aborted) return;
        throw unreachable(url, err);
      }
      if (!res.ok) throw await failure(res, url);
      if (!res.body) throw badResponse(url, "event stream has no body", res.status);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let failed: unknown;
      const parser = createSseParser((m) => {
        if (failed !== undefined || (m.event !== "block" && m.event !== "tx")) return;
        const data = parseJson(m.data);
        if (data === NOT_JSON || typeof data !== "object" || data === null) {
          failed = badResponse(url, `event ${m.event} data is not a JSON object`, res.status);
          return;
        }
        try {
          onEvent({ type: m.event, data } as ApiEvent);
        } catch (err) {
          failed = err;
        }
      });
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.push(decoder.decode(value, { stream: true }));
          if (failed !== undefined) break;
        }
      } catch (err) {
        if (signal?.aborted) return;
        throw unreachable(url, err, "event stream broke from");
      }
      if (failed !== undefined) {
        await reader.cancel().catch(() => undefined);
        throw failed;
      }
    },
  };
  return client as ConsortiaClient;
}

const NOT_JSON: unique symbol = Symbol("not-json");

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function isErrorBody(v: unknown): v is { code: string; message: string; details?: Record<string, unknown> } {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.code === "string" &&
    o.code.length > 0 &&
    typeof o.message === "string" &&
    (o.details === undefined || (typeof o.details === "object" && o.details !== null))
  );
}

function badResponse(url: string, why: string, status: number): ConsortiaError {
  return new ConsortiaError(ApiErrors.API_BAD_RESPONSE, `${url}: ${why}`, { url, status });
}

function seg(v: HashLike): string {
  return encodeURIComponent(typeof v === "string" ? v : toHex(v));
}
