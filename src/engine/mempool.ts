import { ConsortiaError } from "../errors.js";
import { EngineErrors } from "./errors.js";

export interface MempoolOptions {
  /** Transactions held at most; beyond it submissions get MEMPOOL_FULL (back-pressure). */
  readonly maxTxs: number;
  /** Bytes held at most. */
  readonly maxBytes: number;
}

export const defaultMempoolOptions: MempoolOptions = { maxTxs: 200_000, maxBytes: 256 * 1024 * 1024 };

interface Entry {
  readonly raw: Uint8Array;
  readonly hashHex: string;
}

/**
 * Admitted transactions in arrival order. CheckTx only admits a sender's next nonce, so arrival
 * order is per-sender nonce order and reaping a prefix keeps it. Deduplicated by hash.
 */
export class Mempool {
  private entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly opts: MempoolOptions = defaultMempoolOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  has(hashHex: string): boolean {
    return this.entries.has(hashHex);
  }

  /** Throws MEMPOOL_DUPLICATE or MEMPOOL_FULL; call before CheckTx to avoid wasted work. */
  assertRoom(hashHex: string, size: number): void {
    if (this.entries.has(hashHex)) {
      throw new ConsortiaError(EngineErrors.MEMPOOL_DUPLICATE, `transaction ${hashHex} is already pending`);
    }
    if (this.entries.size >= this.opts.maxTxs || this.bytes + size > this.opts.maxBytes) {
      throw new ConsortiaError(EngineErrors.MEMPOOL_FULL, "mempool is full, retry later", {
        txs: this.entries.size,
        bytes: this.bytes,
      });
    }
  }

  add(raw: Uint8Array, hashHex: string): void {
    this.assertRoom(hashHex, raw.length);
    this.entries.set(hashHex, { raw, hashHex });
    this.bytes += raw.length;
  }

  /** The oldest transactions up to the limits, without removing them. */
  reap(maxTxs: number, maxBytes: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let bytes = 0;
    for (const e of this.entries.values()) {
      if (out.length >= maxTxs) break;
      if (bytes + e.raw.length > maxBytes) break;
      out.push(e.raw);
      bytes += e.raw.length;
    }
    return out;
  }

  remove(hashHex: string): void {
    const e = this.entries.get(hashHex);
    if (!e) return;
    this.entries.delete(hashHex);
    this.bytes -= e.raw.length;
  }

  /** After a commit: drop what committed, then keep only what still passes `recheck`. */
  update(committed: Iterable<string>, recheck: (raw: Uint8Array) => boolean): number {
    for (const h of committed) this.remove(h);
    let dropped = 0;
    const kept = new Map<string, Entry>();
    let bytes = 0;
    for (const e of this.entries.values()) {
      if (recheck(e.raw)) {
        kept.set(e.hashHex, e);
        bytes += e.raw.length;
      } else dropped++;
    }
    this.entries = kept;
    this.bytes = bytes;
    return dropped;
  }
}
