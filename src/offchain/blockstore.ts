/**
 * Verified block storage. The interface is what every other off-chain part (content store,
 * gateway, fetch client) works against; `openBlockstore` is the LevelDB implementation.
 *
 * Invariants, for both implementations:
 * - key = the CID's multihash bytes, so CIDv0/CIDv1 (and raw/dag-pb) names of one block dedupe;
 * - `put` re-hashes before storing, `get` re-hashes before returning: a block whose bytes changed
 *   on disk is reported as OFFCHAIN_HASH_MISMATCH and never handed out;
 * - stored bytes and block counts are tracked exactly, and a quota refuses writes beyond it.
 */
import { existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { ClassicLevel } from "classic-level";
import { bytesEqual } from "../crypto/hash.js";
import { ConsortiaError } from "../errors.js";
import { blockKey, type CID, checkVerifiable, isIdentity, verifyBlock } from "./cid.js";
import { OffchainErrors } from "./errors.js";

export interface BlockStoreStats {
  readonly blocks: number;
  /** Sum of stored block lengths (what the quota counts; LevelDB overhead excluded). */
  readonly bytes: number;
  readonly quotaBytes: number | undefined;
}

export interface BlockStore {
  /** Verifies and stores; true if the block was newly written. Identity CIDs store nothing. */
  put(cid: CID, bytes: Uint8Array): Promise<boolean>;
  /** Verified bytes; OFFCHAIN_BLOCK_NOT_FOUND or OFFCHAIN_HASH_MISMATCH otherwise. */
  get(cid: CID): Promise<Uint8Array>;
  has(cid: CID): Promise<boolean>;
  /** True if a block was removed. */
  delete(cid: CID): Promise<boolean>;
  stats(): BlockStoreStats;
  /** Makes every earlier write durable (one fsync'd write). */
  flush(): Promise<void>;
  /**
   * Makes deleted blocks leave every storage file (erasure). For LevelDB this rewrites the live
   * blocks into a fresh database and deletes the old files: O(stored bytes), so batch removals.
   */
  compact(): Promise<void>;
  close(): Promise<void>;
}

export interface BlockStoreOptions {
  /** Refuse puts that would take stored block bytes above this. Default: unlimited. */
  readonly quotaBytes?: number;
  /** Largest single block accepted. Default 2 MiB (the common IPFS block limit). */
  readonly maxBlockBytes?: number;
}

export const DEFAULT_MAX_BLOCK_BYTES = 2 * 1024 * 1024;

const utf8 = new TextEncoder();
// Reserved keys start with 0x00 (the identity multihash code), which is never stored as a block.
const FORMAT_KEY = Uint8Array.of(0, ...utf8.encode("consortia/offchain/format"));
const STATS_KEY = Uint8Array.of(0, ...utf8.encode("consortia/offchain/stats"));
const FORMAT_VALUE = utf8.encode("blockstore/v1");
const FIRST_BLOCK_KEY = Uint8Array.of(1);
const AFTER_LAST_KEY = Uint8Array.of(0xff, 0xff);

export function checkBlockStoreOptions(
  opts: BlockStoreOptions,
): Required<Pick<BlockStoreOptions, "maxBlockBytes">> {
  const maxBlockBytes = opts.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES;
  for (const [field, v] of [
    ["quotaBytes", opts.quotaBytes],
    ["maxBlockBytes", maxBlockBytes],
  ] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v <= 0)) {
      throw new ConsortiaError(OffchainErrors.OFFCHAIN_BAD_ARGUMENT, `${field} must be a positive integer`, {
        field,
      });
    }
  }
  return { maxBlockBytes };
}

/** Argument and size checks shared by every BlockStore implementation; verifies the hash. */
export function checkPut(cid: CID, bytes: Uint8Array, maxBlockBytes: number): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new ConsortiaError(OffchainErrors.OFFCHAIN_BAD_ARGUMENT, "block bytes must be a Uint8Array", {
      field: "bytes",
    });
  }
  checkVerifiable(cid);
  if (bytes.length > maxBlockBytes) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_TOO_LARGE,
      `block ${cid.toString()} of ${bytes.length} bytes exceeds the ${maxBlockBytes}-byte block limit`,
      { cid: cid.toString(), length: bytes.length, max: maxBlockBytes },
    );
  }
  verifyBlock(cid, bytes, "put");
}

export function quotaError(cid: CID, stats: BlockStoreStats, adding: number): ConsortiaError {
  return new ConsortiaError(
    OffchainErrors.OFFCHAIN_QUOTA_EXCEEDED,
    `storing block ${cid.toString()} (${adding} bytes) would exceed the quota of ${stats.quotaBytes} bytes (${stats.bytes} used)`,
    { cid: cid.toString(), used: stats.bytes, adding, quota: stats.quotaBytes },
  );
}

export function notFound(cid: CID): ConsortiaError {
  return new ConsortiaError(
    OffchainErrors.OFFCHAIN_BLOCK_NOT_FOUND,
    `block ${cid.toString()} is not in this store`,
    {
      cid: cid.toString(),
    },
  );
}

/** A mutex as a promise chain: size accounting is read-modify-write. */
export function createSerializer(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

function encodeStats(blocks: number, bytes: number): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(blocks));
  view.setBigUint64(8, BigInt(bytes));
  return out;
}

function decodeStats(v: Uint8Array): { blocks: number; bytes: number } {
  if (v.length !== 16) {
    throw new ConsortiaError(OffchainErrors.OFFCHAIN_IO, "blockstore stats record is corrupt", {
      length: v.length,
    });
  }
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  return { blocks: Number(view.getBigUint64(0)), bytes: Number(view.getBigUint64(8)) };
}

function ioError(op: string, path: string, err: unknown): ConsortiaError {
  if (err instanceof ConsortiaError) return err;
  return new ConsortiaError(
    OffchainErrors.OFFCHAIN_IO,
    `blockstore ${op} failed at ${path}: ${(err as Error).message}`,
    {
      op,
      path,
    },
    { cause: err },
  );
}

/**
 * Opens (creating if needed) a LevelDB blockstore in `path`. One process may hold it at a time.
 * Refuses a directory that holds a non-empty LevelDB without the blockstore format marker, so a
 * misconfigured path cannot mix blocks into, say, the chain database.
 */
export async function openBlockstore(path: string, opts: BlockStoreOptions = {}): Promise<BlockStore> {
  const { maxBlockBytes } = checkBlockStoreOptions(opts);
  await recoverCompaction(path);
  let db = await openLevel(path);
  let counts: { blocks: number; bytes: number };
  try {
    counts = await initialize(db, path);
  } catch (err) {
    await db.close();
    throw ioError("open", path, err);
  }

  const exclusive = createSerializer();
  let closed = false;
  // Reads wait while compaction swaps the database underneath.
  let swapping: Promise<unknown> = Promise.resolve();
  const assertOpen = () => {
    if (closed)
      throw new ConsortiaError(OffchainErrors.OFFCHAIN_CLOSED, `blockstore ${path} is closed`, { path });
  };
  const stats = (): BlockStoreStats => ({ ...counts, quotaBytes: opts.quotaBytes });

  return {
    async put(cid, bytes) {
      assertOpen();
      checkPut(cid, bytes, maxBlockBytes);
      if (isIdentity(cid)) return false;
      const key = blockKey(cid);
      return exclusive(async () => {
        assertOpen();
        try {
          const existing = await db.get(key);
          if (existing !== undefined && bytesEqual(existing, bytes)) return false;
          // A differing existing value is a corrupted copy: overwriting with verified bytes repairs it.
          const next = {
            blocks: counts.blocks + (existing === undefined ? 1 : 0),
            bytes: counts.bytes - (existing?.length ?? 0) + bytes.length,
          };
          if (opts.quotaBytes !== undefined && next.bytes > opts.quotaBytes) {
            throw quotaError(cid, stats(), bytes.length);
          }
          await db.batch([
            { type: "put", key, value: bytes },
            { type: "put", key: STATS_KEY, value: encodeStats(next.blocks, next.bytes) },
          ]);
          counts = next;
          return existing === undefined;
        } catch (err) {
          throw ioError("put", path, err);
        }
      });
    },

    async get(cid) {
      assertOpen();
      checkVerifiable(cid);
      if (isIdentity(cid)) return cid.multihash.digest.slice();
      await swapping;
      let value: Uint8Array | undefined;
      try {
        value = await db.get(blockKey(cid));
      } catch (err) {
        throw ioError("get", path, err);
      }
      if (value === undefined) throw notFound(cid);
      verifyBlock(cid, value, "disk");
      // LevelDB hands out Buffers; callers get a plain Uint8Array view, like everywhere else.
      return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    },

    async has(cid) {
      assertOpen();
      checkVerifiable(cid);
      if (isIdentity(cid)) return true;
      await swapping;
      try {
        return await db.has(blockKey(cid));
      } catch (err) {
        throw ioError("has", path, err);
      }
    },

    async delete(cid) {
      assertOpen();
      checkVerifiable(cid);
      if (isIdentity(cid)) return false;
      const key = blockKey(cid);
      return exclusive(async () => {
        assertOpen();
        try {
          const existing = await db.get(key);
          if (existing === undefined) return false;
          const next = { blocks: counts.blocks - 1, bytes: counts.bytes - existing.length };
          await db.batch([
            { type: "del", key },
            { type: "put", key: STATS_KEY, value: encodeStats(next.blocks, next.bytes) },
          ]);
          counts = next;
          return true;
        } catch (err) {
          throw ioError("delete", path, err);
        }
      });
    },

    stats,

    async flush() {
      assertOpen();
      await exclusive(async () => {
        try {
          await db.put(STATS_KEY, encodeStats(counts.blocks, counts.bytes), { sync: true });
        } catch (err) {
          throw ioError("flush", path, err);
        }
      });
    },

    async compact() {
      assertOpen();
      await exclusive(async () => {
        const run = (async () => {
          // LevelDB's compactRange keeps a flushed table at its bottom level untouched, put and
          // tombstone included, so only a rewrite reliably removes deleted bytes from the files.
          db = await rewriteLevel(db, path);
        })();
        swapping = run.catch(() => undefined);
        try {
          await run;
        } catch (err) {
          throw ioError("compact", path, err);
        }
      });
    },

    async close() {
      if (closed) return;
      await exclusive(async () => {
        closed = true;
        await db.close();
      });
    },
  };
}

async function initialize(
  db: ClassicLevel<Uint8Array, Uint8Array>,
  path: string,
): Promise<{ blocks: number; bytes: number }> {
  const format = await db.get(FORMAT_KEY);
  if (format === undefined) {
    for await (const _ of db.keys({ limit: 1 })) {
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_IO,
        `${path} holds a LevelDB database that is not a Consortia blockstore`,
        { path },
      );
    }
    await db.batch(
      [
        { type: "put", key: FORMAT_KEY, value: FORMAT_VALUE },
        { type: "put", key: STATS_KEY, value: encodeStats(0, 0) },
      ],
      { sync: true },
    );
    return { blocks: 0, bytes: 0 };
  }
  if (!bytesEqual(format, FORMAT_VALUE)) {
    throw new ConsortiaError(OffchainErrors.OFFCHAIN_IO, `${path} has an unknown blockstore format`, {
      path,
    });
  }
  const stats = await db.get(STATS_KEY);
  if (stats !== undefined) return decodeStats(stats);
  // Stats lost (should not happen: they are written in the same batch as every block): recount.
  let blocks = 0;
  let bytes = 0;
  for await (const v of db.values({ gte: FIRST_BLOCK_KEY, lt: AFTER_LAST_KEY })) {
    blocks++;
    bytes += v.length;
  }
  return { blocks, bytes };
}

async function openLevel(path: string): Promise<ClassicLevel<Uint8Array, Uint8Array>> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: "view", valueEncoding: "view" });
  try {
    await db.open();
  } catch (err) {
    const locked = String((err as { cause?: unknown }).cause ?? err).includes("lock");
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_IO,
      locked ? `blockstore ${path} is in use by another process` : `cannot open blockstore ${path}`,
      { path, locked },
      { cause: err },
    );
  }
  return db;
}

const compactingDir = (path: string) => `${path}.compacting`;
const replacedDir = (path: string) => `${path}.replaced`;

/**
 * Finishes or discards an interrupted rewrite. The fresh copy is renamed into place only after it
 * is complete and closed, so: no `path` + a `.compacting` copy → the copy is complete, use it;
 * otherwise a `.compacting` copy is partial and a `.replaced` one is the old data: delete both.
 */
async function recoverCompaction(path: string): Promise<void> {
  if (!existsSync(path) && existsSync(compactingDir(path))) await rename(compactingDir(path), path);
  if (!existsSync(path) && existsSync(replacedDir(path))) await rename(replacedDir(path), path);
  await rm(compactingDir(path), { recursive: true, force: true });
  await rm(replacedDir(path), { recursive: true, force: true });
}

async function rewriteLevel(
  db: ClassicLevel<Uint8Array, Uint8Array>,
  path: string,
): Promise<ClassicLevel<Uint8Array, Uint8Array>> {
  const fresh = compactingDir(path);
  await rm(fresh, { recursive: true, force: true });
  const next = await openLevel(fresh);
  try {
    let ops: Array<{ type: "put"; key: Uint8Array; value: Uint8Array }> = [];
    for await (const [key, value] of db.iterator()) {
      ops.push({ type: "put", key, value });
      if (ops.length >= 64) {
        await next.batch(ops);
        ops = [];
      }
    }
    ops.push({ type: "put", key: FORMAT_KEY, value: FORMAT_VALUE });
    await next.batch(ops, { sync: true });
  } finally {
    await next.close();
  }
  await db.close();
  await rename(path, replacedDir(path));
  await rename(fresh, path);
  await rm(replacedDir(path), { recursive: true, force: true });
  return openLevel(path);
}
