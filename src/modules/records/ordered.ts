import type { KvReader, KvStore } from "../../app/state.js";
import { encodeUvarintBig, Reader } from "../../codec/binary.js";
import { decode, encode, fixedBytes, struct, u64 } from "../../codec/schema.js";
import { toHex } from "../../crypto/hash.js";

/**
 * An append-mostly list of record ids ordered by (height, id), stored one entry per key
 * (`<prefix><pos:010d>`) plus a count key. The store has no range scans, so a list is walked by
 * position; keeping it sorted makes paging a binary search instead of a scan.
 */
export interface IndexEntry {
  readonly height: bigint;
  readonly id: Uint8Array;
}

export interface OrderedIndex {
  /** Entry keys are `${prefix}${pos padded to 10 digits}`. */
  readonly prefix: string;
  readonly countKey: string;
}

const entryCodec = struct({ height: u64, id: fixedBytes(32) });

function posKey(ix: OrderedIndex, pos: number): string {
  return ix.prefix + pos.toString().padStart(10, "0");
}

export function indexCount(state: KvReader, ix: OrderedIndex): number {
  const v = state.get(ix.countKey);
  return v === undefined ? 0 : Number(new Reader(v).ubigvarint(BigInt(Number.MAX_SAFE_INTEGER)));
}

export function indexAt(state: KvReader, ix: OrderedIndex, pos: number): IndexEntry | undefined {
  const v = state.get(posKey(ix, pos));
  return v === undefined ? undefined : decode(entryCodec, v);
}

/** (height, id) order; ids compare bytewise, which is lowercase-hex string order. */
export function compareEntries(a: IndexEntry, b: IndexEntry): number {
  if (a.height !== b.height) return a.height < b.height ? -1 : 1;
  const x = toHex(a.id);
  const y = toHex(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Inserts `entry` at its sorted place. Heights only grow, so only entries of the same height (same
 * block) can sort after it; each one moved costs `work(1)`, which bounds a block's worth of
 * out-of-order inserts for one list by the transaction work limit.
 */
export function indexInsert(
  state: KvStore,
  ix: OrderedIndex,
  entry: IndexEntry,
  work: (units: number) => void,
): void {
  const n = indexCount(state, ix);
  let pos = n;
  while (pos > 0) {
    const prev = indexAt(state, ix, pos - 1);
    if (prev === undefined || compareEntries(prev, entry) <= 0) break;
    work(1);
    state.set(posKey(ix, pos), encode(entryCodec, { height: prev.height, id: prev.id }, 48));
    pos--;
  }
  state.set(posKey(ix, pos), encode(entryCodec, { height: entry.height, id: entry.id }, 48));
  state.set(ix.countKey, encodeUvarintBig(BigInt(n + 1)));
}

/** Position of the first entry strictly after `after` (binary search; O(log n) reads). */
export function indexPositionAfter(state: KvReader, ix: OrderedIndex, after: IndexEntry): number {
  let lo = 0;
  let hi = indexCount(state, ix);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = indexAt(state, ix, mid);
    if (e !== undefined && compareEntries(e, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Up to `limit` entries from position `start` on. */
export function indexPage(state: KvReader, ix: OrderedIndex, start: number, limit: number): IndexEntry[] {
  const n = indexCount(state, ix);
  const out: IndexEntry[] = [];
  for (let pos = start; pos < n && out.length < limit; pos++) {
    const e = indexAt(state, ix, pos);
    if (e !== undefined) out.push(e);
  }
  return out;
}
