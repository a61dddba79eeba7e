import type { KvReader, KvStore } from "../../app/state.js";
import { encodeUvarintBig, Reader } from "../../codec/binary.js";
import { array, decode, encode, u64 } from "../../codec/schema.js";
import { toHex } from "../../crypto/hash.js";

/**
 * Replay protection for retrieval requests. A (requester key, nonce) pair is remembered while a
 * request carrying it could still be accepted, i.e. until block time passes timestamp + window;
 * after that the timestamp check alone refuses it, and the pair is pruned.
 *
 * Pairs are grouped in time buckets of one window width, bucket = ⌊(timestamp + window) / window⌋,
 * and a bucket b is deleted in BeginBlock once block time ≥ (b + 1) · window: every request in it
 * has timestamp + window < block time. Accepted timestamps lie within one window of block time, so
 * only about three buckets are ever open; `access/nq` lists them, so pruning never walks empty ones.
 */
export const NONCE_PREFIX = "access/n/";
export const NONCE_BUCKET_PREFIX = "access/nb/";
export const NONCE_BUCKET_COUNT_PREFIX = "access/nbn/";
export const NONCE_QUEUE_KEY = "access/nq";

const ONE = new Uint8Array([1]);
const bucketList = array(u64, 1024);

export const nonceKey = (requester: Uint8Array, nonce: Uint8Array): string =>
  `${NONCE_PREFIX}${toHex(requester)}/${toHex(nonce)}`;
const bucketId = (b: bigint): string => b.toString().padStart(20, "0");
const bucketCountKey = (b: bigint): string => NONCE_BUCKET_COUNT_PREFIX + bucketId(b);
const bucketItemKey = (b: bigint, i: number): string =>
  `${NONCE_BUCKET_PREFIX}${bucketId(b)}/${i.toString().padStart(10, "0")}`;

export function bucketOf(timestampMs: bigint, windowMs: bigint): bigint {
  return (timestampMs + windowMs) / windowMs;
}

export function isNonceUsed(state: KvReader, requester: Uint8Array, nonce: Uint8Array): boolean {
  return state.get(nonceKey(requester, nonce)) !== undefined;
}

function readCount(state: KvReader, key: string): number {
  const v = state.get(key);
  return v === undefined ? 0 : Number(new Reader(v).ubigvarint(BigInt(Number.MAX_SAFE_INTEGER)));
}

function openBuckets(state: KvReader): bigint[] {
  const v = state.get(NONCE_QUEUE_KEY);
  return v === undefined ? [] : decode(bucketList, v);
}

function setOpenBuckets(state: KvStore, list: readonly bigint[]): void {
  if (list.length === 0) state.delete(NONCE_QUEUE_KEY);
  else state.set(NONCE_QUEUE_KEY, encode(bucketList, [...list], 11 * list.length + 2));
}

/** Marks the pair used (the caller checked isNonceUsed first). */
export function recordNonce(
  state: KvStore,
  requester: Uint8Array,
  nonce: Uint8Array,
  timestampMs: bigint,
  windowMs: bigint,
): void {
  const b = bucketOf(timestampMs, windowMs);
  state.set(nonceKey(requester, nonce), ONE);
  const n = readCount(state, bucketCountKey(b));
  const item = new Uint8Array(requester.length + nonce.length);
  item.set(requester, 0);
  item.set(nonce, requester.length);
  state.set(bucketItemKey(b, n), item);
  state.set(bucketCountKey(b), encodeUvarintBig(BigInt(n + 1)));
  if (n === 0) {
    const open = openBuckets(state);
    if (!open.includes(b))
      setOpenBuckets(
        state,
        [...open, b].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
      );
  }
}

/** Deletes every bucket whose requests have all expired at `timeMs`; returns the pairs dropped. */
export function pruneNonces(state: KvStore, timeMs: bigint, windowMs: bigint): number {
  const open = openBuckets(state);
  if (open.length === 0) return 0;
  const keep: bigint[] = [];
  let dropped = 0;
  for (const b of open) {
    if ((b + 1n) * windowMs > timeMs) {
      keep.push(b);
      continue;
    }
    const n = readCount(state, bucketCountKey(b));
    for (let i = 0; i < n; i++) {
      const item = state.get(bucketItemKey(b, i));
      if (item !== undefined) {
        state.delete(nonceKey(item.subarray(0, 32), item.subarray(32)));
        state.delete(bucketItemKey(b, i));
        dropped++;
      }
    }
    state.delete(bucketCountKey(b));
  }
  if (keep.length !== open.length) setOpenBuckets(state, keep);
  return dropped;
}
