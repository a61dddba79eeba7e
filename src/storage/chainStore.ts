import { ClassicLevel } from "classic-level";
import type { CommitBatch, CommittedState } from "../app/store.js";
import { Reader, Writer } from "../codec/binary.js";
import { type StoredBlock, storedBlockCodec } from "../codec/block.js";
import { decode, encode, fixedBytes, struct, u64 } from "../codec/schema.js";
import { sha256, toHex } from "../crypto/hash.js";
import { ConsortiaError } from "../errors.js";
import { StorageErrors } from "./errors.js";
import { BLOCK_HASH_PREFIX, blockKey, LAST_COMMIT_KEY, STATE_PREFIX, TX_PREFIX } from "./keys.js";

const lastCommitCodec = struct({ height: u64, appHash: fixedBytes(32), timeMs: u64 });

export interface ChainStoreOptions {
  /** Committed state values kept in memory (write-through); bounds memory. */
  readonly cacheEntries: number;
}

export const defaultChainStoreOptions: ChainStoreOptions = { cacheEntries: 1_000_000 };

export interface TxLocation {
  readonly height: bigint;
  readonly index: number;
}

/** Marks "known absent" in the read cache. */
const ABSENT = new Uint8Array(0);

/**
 * The node's embedded database: committed state (synchronous reads for the state machine, with a
 * write-through cache) and the block/tx index. One LevelDB batch, written with fsync, per block:
 * a crash leaves either the whole block or none of it.
 */
export class ChainStore implements CommittedState {
  private readonly cache = new Map<string, Uint8Array>();
  private last: { height: bigint; appHash: Uint8Array; timeMs: bigint } | undefined;
  private closed = false;

  private constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    private readonly opts: ChainStoreOptions,
  ) {}

  static async open(path: string, opts: Partial<ChainStoreOptions> = {}): Promise<ChainStore> {
    const db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: "utf8", valueEncoding: "view" });
    try {
      await db.open();
    } catch (err) {
      const locked = String((err as { cause?: unknown }).cause ?? err).includes("lock");
      throw new ConsortiaError(
        locked ? StorageErrors.STORAGE_LOCKED : StorageErrors.STORAGE_CORRUPT,
        locked ? `database ${path} is in use by another process` : `cannot open database ${path}`,
        { path },
        { cause: err },
      );
    }
    const store = new ChainStore(db, { ...defaultChainStoreOptions, ...opts });
    const raw = await db.get(LAST_COMMIT_KEY);
    if (raw !== undefined) store.last = decode(lastCommitCodec, raw);
    return store;
  }

  lastCommitted(): { height: bigint; appHash: Uint8Array; timeMs: bigint } | undefined {
    return this.last;
  }

  get(key: string): Uint8Array | undefined {
    const c = this.cache.get(key);
    if (c !== undefined) return c === ABSENT ? undefined : c;
    this.assertOpen();
    const v = this.db.getSync(STATE_PREFIX + key);
    this.remember(key, v ?? ABSENT);
    return v;
  }

  async commit(batch: CommitBatch): Promise<void> {
    this.assertOpen();
    const expected = (this.last?.height ?? batch.height - 1n) + 1n;
    if (batch.height !== expected) {
      throw new ConsortiaError(
        StorageErrors.STORAGE_HEIGHT_GAP,
        `commit of ${batch.height}, expected ${expected}`,
      );
    }
    const ops: Array<{ type: "put"; key: string; value: Uint8Array } | { type: "del"; key: string }> = [];
    for (const [k, v] of batch.writes) {
      if (v === null) ops.push({ type: "del", key: STATE_PREFIX + k });
      else ops.push({ type: "put", key: STATE_PREFIX + k, value: v });
    }
    const b = batch.block;
    ops.push({ type: "put", key: blockKey(b.height), value: encode(storedBlockCodec, b, 4096) });
    ops.push({ type: "put", key: BLOCK_HASH_PREFIX + toHex(b.hash), value: encodeU64(b.height) });
    for (let i = 0; i < b.txs.length; i++) {
      const w = new Writer(12);
      w.ubigvarint(b.height);
      w.uvarint(i);
      ops.push({
        type: "put",
        key: TX_PREFIX + toHex(batch.txHashes[i] ?? sha256(b.txs[i]!)),
        value: w.finish(),
      });
    }
    const last = { height: batch.height, appHash: batch.appHash, timeMs: b.timeMs };
    ops.push({ type: "put", key: LAST_COMMIT_KEY, value: encode(lastCommitCodec, last) });
    await this.db.batch(ops, { sync: true });
    for (const [k, v] of batch.writes) this.remember(k, v ?? ABSENT);
    this.last = last;
  }

  async getBlock(height: bigint): Promise<StoredBlock | undefined> {
    this.assertOpen();
    const v = await this.db.get(blockKey(height));
    return v === undefined ? undefined : decode(storedBlockCodec, v);
  }

  async getBlockHeightByHash(hashHex: string): Promise<bigint | undefined> {
    this.assertOpen();
    const v = await this.db.get(BLOCK_HASH_PREFIX + hashHex.toLowerCase());
    return v === undefined ? undefined : new Reader(v).ubigvarint((1n << 64n) - 1n);
  }

  async getTxLocation(txHashHex: string): Promise<TxLocation | undefined> {
    this.assertOpen();
    const v = await this.db.get(TX_PREFIX + txHashHex.toLowerCase());
    if (v === undefined) return undefined;
    const r = new Reader(v);
    return { height: r.ubigvarint((1n << 64n) - 1n), index: r.uvarint() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  private remember(key: string, v: Uint8Array): void {
    if (this.cache.size >= this.opts.cacheEntries) {
      // Drop the oldest eighth at once so eviction cost is amortised.
      let n = this.opts.cacheEntries >> 3;
      for (const k of this.cache.keys()) {
        this.cache.delete(k);
        if (--n <= 0) break;
      }
    }
    this.cache.set(key, v);
  }

  private assertOpen(): void {
    if (this.closed) throw new ConsortiaError(StorageErrors.STORAGE_CLOSED, "database is closed");
  }
}

function encodeU64(v: bigint): Uint8Array {
  const w = new Writer(10);
  w.ubigvarint(v);
  return w.finish();
}
