/**
 * The requester side of the trustless gateway: download a DAG from the hospital that holds it
 * (its URL comes from the on-chain index — no DHT), verify every block against its CID, and
 * reassemble the file. Nothing a holder sends is used before it is verified; blocks that are not
 * part of the requested DAG are dropped, never stored.
 */
import { Buffer } from "node:buffer";
import { ConsortiaError, isConsortiaError } from "../errors.js";
import { type BlockStore, DEFAULT_MAX_BLOCK_BYTES } from "./blockstore.js";
import { byteBudget, readVerifiedCar } from "./car.js";
import {
  blockKeyHex,
  blockLinks,
  type CID,
  checkVerifiable,
  isIdentity,
  parseCid,
  verifyBlock,
} from "./cid.js";
import { type DagBlock, walkDag } from "./dag.js";
import { OffchainErrors } from "./errors.js";
import { CAR_MEDIA_TYPE, RAW_MEDIA_TYPE } from "./gateway.js";
import { type CidInput, DEFAULT_MAX_CAT_BYTES } from "./store.js";
import { exportFile } from "./unixfs.js";

export type FetchImpl = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<Response>;

export interface FetchFromHolderOptions {
  /** Where the verified blocks of the DAG are kept (e.g. the requester's own store). Default: memory only. */
  readonly blockstore?: BlockStore;
  /** Largest file accepted (the transfer budget adds DAG and CAR framing overhead). Default 64 MiB. */
  readonly maxBytes?: number;
  /** One CAR request (default) or one raw-block request per block. */
  readonly mode?: "car" | "blocks";
  /** Parallel block requests in "blocks" mode. Default 8. */
  readonly concurrency?: number;
  /** Deadline for the whole download. Default 30 s. */
  readonly timeoutMs?: number;
  /** Extra request headers, e.g. a signed retrieval request for the holder's authorize hook. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Injectable for tests; defaults to the global fetch. */
  readonly fetch?: FetchImpl;
}

export interface FetchResult {
  readonly cid: CID;
  readonly bytes: Uint8Array;
  /** Blocks of the DAG that were received and verified. */
  readonly blocks: number;
  /** Response body bytes read from the holder. */
  readonly transferredBytes: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function toCid(cid: CidInput): CID {
  const c = typeof cid === "string" ? parseCid(cid) : cid;
  checkVerifiable(c);
  return c;
}

function positive(field: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new ConsortiaError(OffchainErrors.OFFCHAIN_BAD_ARGUMENT, `${field} must be a positive integer`, {
      field,
    });
  }
  return v;
}

function gatewayUrl(baseUrl: string, cid: CID, query: Record<string, string>): string {
  let url: URL;
  try {
    url = new URL(`ipfs/${cid.toString()}`, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  } catch (err) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_BAD_ARGUMENT,
      `baseUrl ${JSON.stringify(baseUrl)} is not a URL`,
      {
        field: "baseUrl",
      },
      { cause: err },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConsortiaError(OffchainErrors.OFFCHAIN_BAD_ARGUMENT, "baseUrl must be http: or https:", {
      field: "baseUrl",
    });
  }
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

interface Session {
  readonly signal: AbortSignal;
  readonly holder: string;
  readonly fetch: FetchImpl;
  readonly headers: Readonly<Record<string, string>>;
  transferred: number;
  close(): void;
}

function openSession(baseUrl: string, opts: FetchFromHolderOptions): Session {
  const timeoutMs = positive("timeoutMs", opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const own = new AbortController();
  const signals = [own.signal, AbortSignal.timeout(timeoutMs)];
  if (opts.signal !== undefined) signals.push(opts.signal);
  return {
    signal: AbortSignal.any(signals),
    holder: baseUrl,
    fetch: opts.fetch ?? ((url, init) => fetch(url, init)),
    headers: opts.headers ?? {},
    transferred: 0,
    // Aborting releases the connection when we stop reading a body early (error paths).
    close: () => own.abort(),
  };
}

function networkError(err: unknown, s: Session): ConsortiaError {
  if (isConsortiaError(err)) return err;
  const name = (err as { name?: string }).name;
  if (name === "TimeoutError" || (name === "AbortError" && s.signal.reason?.name === "TimeoutError")) {
    return new ConsortiaError(
      OffchainErrors.OFFCHAIN_TIMEOUT,
      `holder ${s.holder} did not answer in time`,
      {
        holder: s.holder,
      },
      { cause: err },
    );
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return new ConsortiaError(
    OffchainErrors.OFFCHAIN_REMOTE_ERROR,
    `request to holder ${s.holder} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    { holder: s.holder },
    { cause: err },
  );
}

async function readErrorBody(res: Response): Promise<{ code?: string; message?: string }> {
  try {
    const text = (await res.text()).slice(0, 4096);
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    return {
      ...(typeof body.code === "string" ? { code: body.code } : {}),
      ...(typeof body.message === "string" ? { message: body.message.slice(0, 300) } : {}),
    };
  } catch {
    return {};
  }
}

async function request(s: Session, url: string, accept: string, cid: CID): Promise<Response> {
  let res: Response;
  try {
    res = await s.fetch(url, { headers: { ...s.headers, accept }, signal: s.signal });
  } catch (err) {
    throw networkError(err, s);
  }
  if (res.status === 200) return res;
  const remote = await readErrorBody(res);
  const details = {
    holder: s.holder,
    cid: cid.toString(),
    status: res.status,
    remoteCode: remote.code ?? null,
  };
  const said = remote.message !== undefined ? `: ${remote.message}` : "";
  switch (res.status) {
    case 404:
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_BLOCK_NOT_FOUND,
        `holder ${s.holder} does not have ${cid.toString()}${said}`,
        details,
      );
    case 401:
    case 403:
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_FORBIDDEN,
        `holder ${s.holder} refused ${cid.toString()}${said}`,
        details,
      );
    case 413:
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_TOO_LARGE,
        `holder ${s.holder}: ${cid.toString()} is over its limit${said}`,
        details,
      );
    default:
      if (remote.code === OffchainErrors.OFFCHAIN_HASH_MISMATCH) {
        // The holder's own copy failed verification (it refuses to serve it): same failure class.
        throw new ConsortiaError(
          OffchainErrors.OFFCHAIN_HASH_MISMATCH,
          `holder ${s.holder} reports its copy of ${cid.toString()} is corrupt${said}`,
          { ...details, source: `holder ${s.holder}` },
        );
      }
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_REMOTE_ERROR,
        `holder ${s.holder} answered ${res.status} for ${cid.toString()}${said}`,
        details,
      );
  }
}

function expectType(res: Response, s: Session, type: string): void {
  const got = (res.headers.get("content-type") ?? "").toLowerCase();
  const [media, ...params] = got.split(";").map((p) => p.trim());
  const badVersion =
    type === CAR_MEDIA_TYPE && params.some((p) => p.startsWith("version=") && p !== "version=1");
  if (media !== type || badVersion) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_REMOTE_ERROR,
      `holder ${s.holder} answered with content-type ${JSON.stringify(got)}, expected ${type}`,
      { holder: s.holder, contentType: got },
    );
  }
}

async function* bodyChunks(res: Response, s: Session): AsyncGenerator<Uint8Array> {
  if (res.body === null) return;
  const reader = res.body.getReader();
  const read = async () => {
    try {
      return await reader.read();
    } catch (err) {
      const e = networkError(err, s);
      if (e.code === OffchainErrors.OFFCHAIN_TIMEOUT) throw e;
      // The status line was fine and the body broke off: the holder aborted (e.g. a block failed
      // its own verification) or the connection dropped. Either way the DAG is incomplete.
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_INCOMPLETE_DAG,
        `response from holder ${s.holder} ended early: ${e.message}`,
        { holder: s.holder },
        { cause: err },
      );
    }
  };
  try {
    for (let r = await read(); !r.done; r = await read()) {
      s.transferred += r.value.length;
      yield r.value;
    }
  } finally {
    reader.releaseLock();
  }
}

function checkLength(res: Response, s: Session, budget: number): void {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > budget) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_TOO_LARGE,
      `holder ${s.holder} announces ${declared} bytes, over the ${budget}-byte limit`,
      { holder: s.holder, length: declared, max: budget },
    );
  }
}

async function fetchRaw(s: Session, baseUrl: string, cid: CID, maxBlockBytes: number): Promise<Uint8Array> {
  const res = await request(s, gatewayUrl(baseUrl, cid, { format: "raw" }), RAW_MEDIA_TYPE, cid);
  expectType(res, s, RAW_MEDIA_TYPE);
  checkLength(res, s, maxBlockBytes);
  const parts: Uint8Array[] = [];
  for await (const chunk of byteBudget(bodyChunks(res, s), maxBlockBytes, `block ${cid.toString()}`))
    parts.push(chunk);
  const bytes = new Uint8Array(Buffer.concat(parts));
  verifyBlock(cid, bytes, `holder ${s.holder}`);
  return bytes;
}

/** One verified block by raw-block request (`application/vnd.ipld.raw`). */
export async function fetchBlock(
  baseUrl: string,
  cid: CidInput,
  opts: Omit<FetchFromHolderOptions, "mode" | "concurrency" | "blockstore"> & { maxBlockBytes?: number } = {},
): Promise<Uint8Array> {
  const root = toCid(cid);
  const s = openSession(baseUrl, opts);
  try {
    return await fetchRaw(
      s,
      baseUrl,
      root,
      positive("maxBlockBytes", opts.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES),
    );
  } finally {
    s.close();
  }
}

async function viaCar(
  s: Session,
  baseUrl: string,
  root: CID,
  budget: number,
): Promise<Map<string, DagBlock>> {
  const url = gatewayUrl(baseUrl, root, { format: "car", "dag-scope": "all" });
  const res = await request(s, url, `${CAR_MEDIA_TYPE}; version=1; order=dfs; dups=n`, root);
  expectType(res, s, CAR_MEDIA_TYPE);
  checkLength(res, s, budget);
  const { blocks } = await readVerifiedCar(
    byteBudget(bodyChunks(res, s), budget, `CAR for ${root.toString()}`),
    s.holder,
  );
  return blocks;
}

async function viaBlocks(
  s: Session,
  baseUrl: string,
  root: CID,
  budget: number,
  concurrency: number,
): Promise<Map<string, DagBlock>> {
  const blocks = new Map<string, DagBlock>();
  const seen = new Set<string>([blockKeyHex(root)]);
  let total = 0;
  // Level by level: file DAGs are shallow (three levels cover 7 GiB), so this keeps `concurrency` busy.
  let frontier: CID[] = isIdentity(root) ? [] : [root];
  while (frontier.length > 0) {
    const next: CID[] = [];
    for (let i = 0; i < frontier.length; i += concurrency) {
      const batch = frontier.slice(i, i + concurrency);
      const got = await Promise.all(batch.map((c) => fetchRaw(s, baseUrl, c, DEFAULT_MAX_BLOCK_BYTES)));
      got.forEach((bytes, j) => {
        const cid = batch[j] as CID;
        total += bytes.length;
        if (total > budget) {
          throw new ConsortiaError(
            OffchainErrors.OFFCHAIN_TOO_LARGE,
            `DAG ${root.toString()} exceeds the ${budget}-byte limit`,
            {
              cid: root.toString(),
              max: budget,
            },
          );
        }
        blocks.set(blockKeyHex(cid), { cid, bytes });
        for (const link of blockLinks(cid, bytes)) {
          const key = blockKeyHex(link);
          if (isIdentity(link) || seen.has(key)) continue;
          seen.add(key);
          next.push(link);
        }
      });
    }
    frontier = next;
  }
  return blocks;
}

/**
 * Downloads the DAG `cid` from the holder at `baseUrl` (the gateway mount point, e.g.
 * "http://10.0.0.7:26657/offchain"), verifies it and returns the file bytes.
 *
 * Typed failures: OFFCHAIN_HASH_MISMATCH (a block does not match its CID), OFFCHAIN_INCOMPLETE_DAG
 * (blocks missing or the stream cut short), OFFCHAIN_TOO_LARGE, OFFCHAIN_BLOCK_NOT_FOUND (404),
 * OFFCHAIN_FORBIDDEN, OFFCHAIN_REMOTE_ERROR, OFFCHAIN_MALFORMED_CAR, OFFCHAIN_TIMEOUT.
 */
export async function fetchFromHolder(
  baseUrl: string,
  cid: CidInput,
  opts: FetchFromHolderOptions = {},
): Promise<FetchResult> {
  const root = toCid(cid);
  const maxBytes = positive("maxBytes", opts.maxBytes ?? DEFAULT_MAX_CAT_BYTES);
  // DAG nodes and CAR framing add well under 1% for 256 KiB chunks; allow 1/64 plus a fixed slack.
  const budget = maxBytes + Math.ceil(maxBytes / 64) + 64 * 1024;
  const s = openSession(baseUrl, opts);
  try {
    const received =
      (opts.mode ?? "car") === "car"
        ? await viaCar(s, baseUrl, root, budget)
        : await viaBlocks(s, baseUrl, root, budget, positive("concurrency", opts.concurrency ?? 8));
    // Keep only what the DAG reaches from the root; a missing link means the holder left it out.
    const dag = new Map<string, DagBlock>();
    const source = {
      async get(c: CID): Promise<Uint8Array> {
        const b = received.get(blockKeyHex(c));
        if (b === undefined) {
          throw new ConsortiaError(
            OffchainErrors.OFFCHAIN_INCOMPLETE_DAG,
            `holder ${s.holder} did not send block ${c.toString()} of ${root.toString()}`,
            { holder: s.holder, cid: c.toString(), root: root.toString() },
          );
        }
        return b.bytes;
      },
    };
    for await (const b of walkDag(source, root)) dag.set(blockKeyHex(b.cid), b);
    // Every block was verified against its CID as it arrived; reassembling from a blockstore
    // would hash it twice more (put and get), which is most of a fetch's CPU for large files.
    let target: Pick<BlockStore, "get">;
    if (opts.blockstore) {
      for (const b of dag.values()) await opts.blockstore.put(b.cid, b.bytes);
      target = opts.blockstore;
    } else {
      target = { get: async (c: CID) => source.get(c) };
    }
    const bytes = await exportFile(root, target, maxBytes);
    return { cid: root, bytes, blocks: dag.size, transferredBytes: s.transferred };
  } catch (err) {
    throw networkError(err, s);
  } finally {
    s.close();
  }
}
