import { Writer } from "../codec/binary.js";
import { sha256 } from "../crypto/hash.js";
import { merkleRoot } from "../ledger/merkle.js";

/**
 * App hash after block H (when the block wrote anything; otherwise it stays appHash(H−1)) =
 * sha256("consortia/apphash/v1" ‖ appHash(H−1) ‖ u64be(H) ‖ root(W_H)),
 * where root(W_H) is the RFC 6962 Merkle root over the block's write set sorted by key, each leaf
 * = len(key) ‖ key ‖ flag ‖ value (flag 0 = delete). Chaining commits every node to the whole
 * history of writes, so any divergence shows in the next app hash, at O(writes) cost per block
 * instead of re-hashing the state. See docs/adr/0002-app-hash.md for the trade-off.
 */
const TAG = Buffer.from("consortia/apphash/v1");

export function computeAppHash(
  prev: Uint8Array,
  height: bigint,
  writes: ReadonlyMap<string, Uint8Array | null>,
): Uint8Array {
  // A block that changed nothing keeps the app hash: CometBFT makes a new block after every app
  // hash change, so a hash that moved on empty blocks would never let an idle chain rest.
  if (writes.size === 0) return prev;
  // Default sort = UTF-16 code-unit order: deterministic on every node, and equal to byte order
  // for the ASCII keys modules use (src/storage/keys.ts).
  const keys = [...writes.keys()].sort();
  const leaves: Uint8Array[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = writes.get(k);
    const w = new Writer(k.length + (v ? v.length : 0) + 8);
    w.string(k);
    if (v === null || v === undefined) w.u8(0);
    else {
      w.u8(1);
      w.bytes(v);
    }
    leaves[i] = w.finish();
  }
  const h = Buffer.alloc(8);
  h.writeBigUInt64BE(height);
  return sha256(Buffer.concat([TAG, prev, h, merkleRoot(leaves)]));
}
