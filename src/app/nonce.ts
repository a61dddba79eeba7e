import { encodeUvarintBig, Reader } from "../codec/binary.js";
import { toHex } from "../crypto/hash.js";
import type { KvReader, KvStore } from "./state.js";

/** Replay protection: the next nonce each address must use. Owned by the app framework. */
export const NONCE_PREFIX = "auth/n/";

export function nonceKey(address: Uint8Array): string {
  return NONCE_PREFIX + toHex(address);
}

export function readNonce(state: KvReader, address: Uint8Array): bigint {
  const v = state.get(nonceKey(address));
  return v === undefined ? 0n : new Reader(v).ubigvarint((1n << 64n) - 1n);
}

export function writeNonce(state: KvStore, address: Uint8Array, nonce: bigint): void {
  state.set(nonceKey(address), encodeUvarintBig(nonce));
}
