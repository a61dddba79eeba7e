import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  computeRootFromProof,
  emptyHash,
  innerHash,
  isValidMerkleProof,
  leafHash,
  type MerkleProof,
  merkleProof,
  merkleProofs,
  merkleRoot,
  merkleRootAndProofs,
  merkleRootFromLeafHashes,
  splitPoint,
  verifyMerkleProof,
} from "../../src/ledger/merkle.js";
import { expectCode } from "./helpers.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const sha = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
const bytes = (...xs: number[]) => new Uint8Array(xs);
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Literal port of CometBFT's recursive hashFromByteSlices + trailsFromByteSlices, as an oracle. */
function oracle(items: Uint8Array[]): { root: Uint8Array; aunts: Uint8Array[][] } {
  if (items.length === 0) return { root: sha(new Uint8Array()), aunts: [] };
  if (items.length === 1) return { root: sha(cat(bytes(0), items[0]!)), aunts: [[]] };
  let k = 1;
  while (k * 2 < items.length) k *= 2;
  const l = oracle(items.slice(0, k));
  const r = oracle(items.slice(k));
  return {
    root: sha(cat(bytes(1), l.root, r.root)),
    aunts: [...l.aunts.map((a) => [...a, r.root]), ...r.aunts.map((a) => [...a, l.root])],
  };
}

// A deterministic pseudo-random leaf generator (sha256 chain), enough for structural tests.
function leaves(n: number, seed = "leaf"): Uint8Array[] {
  // Lengths 0..129 cover the empty leaf and both the scratch-buffer and streaming hash paths.
  return Array.from(
    { length: n },
    (_, i) => new Uint8Array(Buffer.alloc((i * 37) % 130, sha(Buffer.from(`${seed}-${i}`)))),
  );
}

test("crypto/merkle TestHashFromByteSlices vectors (CometBFT v0.38.25)", () => {
  const cases: [Uint8Array[], string][] = [
    [[], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    [[bytes(1, 2, 3)], "054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8"],
    [[bytes()], "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    [[bytes(1, 2, 3), bytes(4, 5, 6)], "82e6cfce00453804379b53962939eaa7906b39904be0813fcadd31b100773c4b"],
    [
      [bytes(1, 2), bytes(3, 4), bytes(5, 6), bytes(7, 8), bytes(9, 10)],
      "f326493eceab4f2d9ffbc78c59432a0a005d6ea98392045c74df5d14a113be18",
    ],
  ];
  for (const [items, want] of cases) {
    assert.equal(hex(merkleRoot(items)), want);
    assert.equal(hex(merkleRootAndProofs(items).root), want);
  }
});

test("crypto/merkle TestRFC6962Hasher vectors", () => {
  assert.equal(hex(emptyHash()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(
    hex(leafHash(new Uint8Array())),
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  );
  assert.equal(
    hex(leafHash(Buffer.from("L123456"))),
    "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56",
  );
  assert.equal(
    hex(innerHash(Buffer.from("N123"), Buffer.from("N456"))),
    "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb",
  );
  // TestRFC6962HasherCollisions: a subtree is not the leaf of the concatenation; order matters.
  const h1 = leafHash(Buffer.from("Hello"));
  const h2 = leafHash(Buffer.from("World"));
  assert.notEqual(hex(merkleRoot([h1, h2])), hex(merkleRoot([cat(h1, h2)])));
  assert.notEqual(hex(merkleRoot([h1, h2])), hex(merkleRoot([h2, h1])));
});

test("crypto/merkle Test_getSplitPoint table", () => {
  const table: [number, number][] = [
    [1, 0],
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 4],
    [10, 8],
    [20, 16],
    [100, 64],
    [255, 128],
    [256, 128],
    [257, 256],
  ];
  for (const [n, k] of table) assert.equal(splitPoint(n), k, `splitPoint(${n})`);
  assert.throws(() => splitPoint(0), expectCode("MERKLE_PROOF_INVALID"));
});

test("root and every proof equal the recursive CometBFT algorithm for 0..80 leaves", () => {
  for (let n = 0; n <= 80; n++) {
    const items = leaves(n, `n${n}`);
    const want = oracle(items);
    const { root, proofs } = merkleRootAndProofs(items);
    assert.equal(hex(root), hex(want.root), `root n=${n}`);
    assert.equal(hex(merkleRoot(items)), hex(want.root), `fast root n=${n}`);
    assert.equal(hex(merkleRootFromLeafHashes(items.map(leafHash))), hex(want.root));
    assert.equal(proofs.length, n);
    proofs.forEach((p, i) => {
      assert.equal(p.total, n);
      assert.equal(p.index, i);
      assert.deepEqual(p.leafHash, leafHash(items[i]!));
      assert.deepEqual(p.aunts.map(hex), want.aunts[i]!.map(hex), `aunts n=${n} i=${i}`);
      assert.deepEqual(merkleProof(items, i), p);
      assert.deepEqual(computeRootFromProof(p), root);
      verifyMerkleProof(p, root, items[i]!);
    });
  }
});

test("crypto/merkle TestProof: 100 items, wrong trail length / leaf / root fail", () => {
  assert.deepEqual(merkleProofs([]), []);
  const items = leaves(100, "tp").map((l) => sha(l));
  const { root, proofs } = merkleRootAndProofs(items);
  proofs.forEach((p, i) => {
    const item = items[i]!;
    assert.ok(isValidMerkleProof(p, root, item));
    const tooLong: MerkleProof = { ...p, aunts: [...p.aunts, sha(bytes(i))] };
    assert.throws(() => verifyMerkleProof(tooLong, root, item), expectCode("MERKLE_PROOF_INVALID"));
    const tooShort: MerkleProof = { ...p, aunts: p.aunts.slice(0, -1) };
    assert.throws(() => verifyMerkleProof(tooShort, root, item), expectCode("MERKLE_PROOF_INVALID"));
    const mutatedItem = item.slice();
    mutatedItem[0]! ^= 1;
    assert.equal(isValidMerkleProof(p, root, mutatedItem), false);
    const mutatedRoot = root.slice();
    mutatedRoot[31]! ^= 0x80;
    assert.equal(isValidMerkleProof(p, mutatedRoot, item), false);
  });
});

test("crypto/merkle TestProofValidateBasic limits", () => {
  const proofs = merkleProofs([Buffer.from("apple"), Buffer.from("watermelon"), Buffer.from("kiwi")]);
  const p = proofs[0]!;
  const bad: [string, MerkleProof][] = [
    ["total", { ...p, total: -1 }],
    ["index", { ...p, index: -1 }],
    ["index", { ...p, index: 3 }],
    ["leaf_hash", { ...p, leafHash: new Uint8Array(10) }],
    ["aunts_count", { ...p, aunts: Array.from({ length: 101 }, () => new Uint8Array(32)) }],
    ["aunt", { ...p, aunts: [new Uint8Array(10), ...p.aunts.slice(1)] }],
  ];
  for (const [reason, proof] of bad) {
    assert.throws(
      () => computeRootFromProof(proof),
      (err: unknown) =>
        (err as { code: string }).code === "MERKLE_PROOF_INVALID" &&
        (err as { details: { reason: string } }).details.reason === reason,
      reason,
    );
  }
  assert.throws(() => merkleProof([Buffer.from("a")], 1), expectCode("MERKLE_PROOF_INVALID"));
});

test("total is authenticated only through the path shape, as in CometBFT", () => {
  const items = leaves(5);
  const p = merkleProofs(items)[0]!;
  const root = merkleRoot(items);
  // Index 0 of a 5- or a 6-leaf tree has the same path; CometBFT accepts both and so do we.
  assert.ok(isValidMerkleProof({ ...p, total: 6 }, root, items[0]!));
  assert.equal(isValidMerkleProof({ ...p, total: 2 }, root, items[0]!), false);
});

test("tx proof from a CometBFT v0.38 node (/tx_search?prove=true) verifies", () => {
  const fx = JSON.parse(
    readFileSync(new URL("./fixtures/cometbft-v0.38-kvstore.json", import.meta.url), "utf8"),
  ) as {
    tx_proofs: {
      hash: string;
      tx: string;
      proof: {
        root_hash: string;
        proof: { total: string; index: string; leaf_hash: string; aunts: string[] };
      };
    }[];
  };
  assert.ok(fx.tx_proofs.length >= 3);
  for (const t of fx.tx_proofs) {
    const tx = Buffer.from(t.tx, "base64");
    const txHash = sha(tx);
    assert.equal(hex(txHash).toUpperCase(), t.hash);
    const proof: MerkleProof = {
      total: Number(t.proof.proof.total),
      index: Number(t.proof.proof.index),
      leafHash: new Uint8Array(Buffer.from(t.proof.proof.leaf_hash, "base64")),
      aunts: t.proof.proof.aunts.map((a) => new Uint8Array(Buffer.from(a, "base64"))),
    };
    verifyMerkleProof(proof, new Uint8Array(Buffer.from(t.proof.root_hash, "hex")), txHash);
    assert.equal(hex(merkleRoot([txHash])).toUpperCase(), t.proof.root_hash);
  }
});

test("a 20,000-leaf root is computed iteratively and matches the proof path", () => {
  const items = Array.from({ length: 20_000 }, (_, i) => {
    const b = new Uint8Array(32);
    new DataView(b.buffer).setUint32(0, i);
    return b;
  });
  const root = merkleRoot(items);
  const p = merkleProof(items, 12_345);
  assert.equal(p.aunts.length, 15);
  verifyMerkleProof(p, root, items[12_345]!);
});
