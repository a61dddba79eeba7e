/**
 * CometBFT's Merkle tree (crypto/merkle, v0.38), which follows RFC 6962:
 *   root([])      = sha256("")
 *   root([x])     = sha256(0x00 || x)
 *   root(xs)      = sha256(0x01 || root(xs[:k]) || root(xs[k:])),  k = largest power of 2 < len(xs)
 * and its inclusion proofs (`merkle.Proof`): aunts run from the leaf's sibling up to a child of the
 * root. The split rule gives the same tree as pairing neighbours level by level and carrying an odd
 * last node up unchanged, which is what the iterative code below does (CometBFT's
 * HashFromByteSlicesIterative relies on the same fact).
 */
import * as nodeCrypto from "node:crypto";
import { ConsortiaError, registerErrorCodes } from "../errors.js";

export const MerkleErrors = registerErrorCodes({
  MERKLE_PROOF_INVALID: { num: 305, http: 422 },
});

export const HASH_BYTES = 32;
/** CometBFT's MaxAunts: a tree of 2^100 leaves; bounds the work an untrusted proof can cause. */
export const MAX_AUNTS = 100;

export interface MerkleProof {
  readonly total: number;
  readonly index: number;
  /** sha256(0x00 || leaf). */
  readonly leafHash: Uint8Array;
  /** Sibling hashes, leaf level first. */
  readonly aunts: readonly Uint8Array[];
}

const LEAF_PREFIX = new Uint8Array([0]);
// Prefix || data scratch buffers, so hashing tree nodes does not allocate its input.
const SMALL_LEAF = 64;
const leafScratch = new Uint8Array(1 + SMALL_LEAF);
const innerScratch = new Uint8Array(1 + 2 * HASH_BYTES);
innerScratch[0] = 1;

// crypto.hash (one-shot, ~1.5x faster than a Hash object for 33..65-byte inputs) exists from
// Node 20.12; package.json admits 20.10, so fall back when it is missing.
const oneShot = typeof nodeCrypto.hash === "function" ? nodeCrypto.hash : undefined;

/** Plain Uint8Array (not Buffer) so results compare equal under deepStrictEqual. */
function plain(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.buffer.byteLength === b.byteLength
    ? new Uint8Array(b.buffer, 0, b.byteLength)
    : new Uint8Array(b);
}

/** sha256 as a plain Uint8Array; the ledger's one hash primitive (CometBFT's tmhash). */
export function sha256(data: Uint8Array): Uint8Array {
  return plain(
    oneShot ? oneShot("sha256", data, "buffer") : nodeCrypto.createHash("sha256").update(data).digest(),
  );
}

export function emptyHash(): Uint8Array {
  return sha256(new Uint8Array(0));
}

export function leafHash(leaf: Uint8Array): Uint8Array {
  if (leaf.length <= SMALL_LEAF) {
    leafScratch.set(leaf, 1);
    return sha256(leafScratch.subarray(0, 1 + leaf.length));
  }
  return plain(nodeCrypto.createHash("sha256").update(LEAF_PREFIX).update(leaf).digest());
}

export function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === HASH_BYTES && right.length === HASH_BYTES) {
    innerScratch.set(left, 1);
    innerScratch.set(right, 1 + HASH_BYTES);
    return sha256(innerScratch);
  }
  // Arbitrary-length children only occur in RFC 6962 test vectors, never in real trees.
  return plain(
    nodeCrypto.createHash("sha256").update(innerScratch.subarray(0, 1)).update(left).update(right).digest(),
  );
}

/** Largest power of two strictly less than n; CometBFT's getSplitPoint. */
export function splitPoint(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new ConsortiaError(
      MerkleErrors.MERKLE_PROOF_INVALID,
      `tree size must be a positive integer, got ${n}`,
    );
  }
  if (n === 1) return 0; // as getSplitPoint; a one-leaf tree is never split
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Reduces a level of node hashes in place to the root; `nodes` is consumed. */
function reduceInPlace(nodes: Uint8Array[]): Uint8Array {
  let size = nodes.length;
  while (size > 1) {
    let w = 0;
    for (let r = 0; r < size; r += 2) {
      nodes[w++] = r + 1 < size ? innerHash(nodes[r]!, nodes[r + 1]!) : nodes[r]!;
    }
    size = w;
  }
  return nodes[0]!;
}

/** Root of the tree over `leaves` (each leaf is hashed with the 0x00 prefix). */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return emptyHash();
  const nodes = new Array<Uint8Array>(leaves.length);
  for (let i = 0; i < leaves.length; i++) nodes[i] = leafHash(leaves[i]!);
  return reduceInPlace(nodes);
}

/** Root of a tree whose leaf hashes are already known (e.g. stored per transaction). */
export function merkleRootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return emptyHash();
  return reduceInPlace(leafHashes.slice());
}

/** Every level of the tree, leaf hashes first, root level last. */
function buildLevels(leaves: readonly Uint8Array[]): Uint8Array[][] {
  const levels: Uint8Array[][] = [leaves.map(leafHash)];
  let cur = levels[0]!;
  while (cur.length > 1) {
    const next: Uint8Array[] = new Array<Uint8Array>(Math.ceil(cur.length / 2));
    for (let r = 0, w = 0; r < cur.length; r += 2, w++) {
      next[w] = r + 1 < cur.length ? innerHash(cur[r]!, cur[r + 1]!) : cur[r]!;
    }
    levels.push(next);
    cur = next;
  }
  return levels;
}

function proofFromLevels(levels: readonly Uint8Array[][], index: number): MerkleProof {
  const aunts: Uint8Array[] = [];
  let i = index;
  for (let l = 0; l < levels.length - 1; l++) {
    const level = levels[l]!;
    // A node with no right neighbour is carried up: that level contributes no aunt.
    if (i % 2 === 1) aunts.push(level[i - 1]!);
    else if (i + 1 < level.length) aunts.push(level[i + 1]!);
    i = Math.floor(i / 2);
  }
  return { total: levels[0]!.length, index, leafHash: levels[0]![index]!, aunts };
}

/** Root and one proof per leaf (CometBFT's ProofsFromByteSlices). */
export function merkleRootAndProofs(leaves: readonly Uint8Array[]): {
  root: Uint8Array;
  proofs: MerkleProof[];
} {
  if (leaves.length === 0) return { root: emptyHash(), proofs: [] };
  const levels = buildLevels(leaves);
  const proofs = leaves.map((_, i) => proofFromLevels(levels, i));
  return { root: levels[levels.length - 1]![0]!, proofs };
}

/** proofs[i] proves leaves[i]. */
export function merkleProofs(leaves: readonly Uint8Array[]): MerkleProof[] {
  return merkleRootAndProofs(leaves).proofs;
}

/** The proof for one leaf, without materialising the others. */
export function merkleProof(leaves: readonly Uint8Array[], index: number): MerkleProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new ConsortiaError(
      MerkleErrors.MERKLE_PROOF_INVALID,
      `index must be an integer in [0, ${leaves.length}), got ${index}`,
      { field: "index" },
    );
  }
  return proofFromLevels(buildLevels(leaves), index);
}

function invalid(reason: string, message: string): ConsortiaError {
  return new ConsortiaError(MerkleErrors.MERKLE_PROOF_INVALID, message, { reason });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Mirrors computeHashFromAunts: the last aunt belongs to the top split. */
function rootFromAunts(
  index: number,
  total: number,
  leaf: Uint8Array,
  aunts: readonly Uint8Array[],
  n: number,
): Uint8Array {
  if (total === 1) {
    if (n !== 0) throw invalid("aunts_count", "proof has more aunts than the tree height allows");
    return leaf;
  }
  if (n === 0) throw invalid("aunts_count", "proof has fewer aunts than the tree height requires");
  const k = splitPoint(total);
  const top = aunts[n - 1]!;
  return index < k
    ? innerHash(rootFromAunts(index, k, leaf, aunts, n - 1), top)
    : innerHash(top, rootFromAunts(index - k, total - k, leaf, aunts, n - 1));
}

/**
 * The root a well-formed proof commits to. Applies CometBFT's Proof.ValidateBasic limits
 * (32-byte hashes, at most 100 aunts) and index/total bounds.
 */
export function computeRootFromProof(proof: MerkleProof): Uint8Array {
  const { total, index, leafHash: lh, aunts } = proof;
  if (!Number.isSafeInteger(total) || total <= 0)
    throw invalid("total", `proof.total must be a positive integer, got ${total}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= total) {
    throw invalid("index", `proof.index must be an integer in [0, ${total}), got ${index}`);
  }
  if (!(lh instanceof Uint8Array) || lh.length !== HASH_BYTES)
    throw invalid("leaf_hash", `proof.leafHash must be ${HASH_BYTES} bytes`);
  if (aunts.length > MAX_AUNTS)
    throw invalid("aunts_count", `proof has ${aunts.length} aunts, at most ${MAX_AUNTS} allowed`);
  aunts.forEach((a, i) => {
    if (!(a instanceof Uint8Array) || a.length !== HASH_BYTES)
      throw invalid("aunt", `proof.aunts[${i}] must be ${HASH_BYTES} bytes`);
  });
  return rootFromAunts(index, total, lh, aunts, aunts.length);
}

/**
 * Throws MERKLE_PROOF_INVALID unless `proof` shows `leaf` (the raw leaf, hashed here) under `root`.
 * What this authenticates is (leaf, root); `total` and `index` are only checked for consistency
 * with the path shape, exactly as in CometBFT (e.g. index 0 of 5 and of 6 leaves have equal paths).
 */
export function verifyMerkleProof(proof: MerkleProof, root: Uint8Array, leaf: Uint8Array): void {
  const expectedLeaf = leafHash(leaf);
  if (!(proof.leafHash instanceof Uint8Array) || !bytesEqual(proof.leafHash, expectedLeaf)) {
    throw invalid("leaf_hash", "proof.leafHash is not sha256(0x00 || leaf)");
  }
  const computed = computeRootFromProof(proof);
  if (!bytesEqual(computed, root)) throw invalid("root", "proof does not lead to the expected root hash");
}

export function isValidMerkleProof(proof: MerkleProof, root: Uint8Array, leaf: Uint8Array): boolean {
  try {
    verifyMerkleProof(proof, root, leaf);
    return true;
  } catch (err) {
    if (err instanceof ConsortiaError && err.code === MerkleErrors.MERKLE_PROOF_INVALID) return false;
    throw err;
  }
}
