import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  isValidMerkleProof,
  type MerkleProof,
  merkleRoot,
  merkleRootAndProofs,
} from "../../src/ledger/merkle.js";

type Part = "leaf" | "leafHash" | "aunt" | "root";

function flip(b: Uint8Array, bit: number): Uint8Array {
  const out = b.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** The proof/leaf/root triple with one bit flipped in `part` (aunt index `which`). */
function mutate(p: MerkleProof, leaf: Uint8Array, root: Uint8Array, part: Part, which: number, bit: number) {
  switch (part) {
    case "leaf":
      return { proof: p, leaf: flip(leaf, bit % (leaf.length * 8)), root };
    case "leafHash":
      return { proof: { ...p, leafHash: flip(p.leafHash, bit % 256) }, leaf, root };
    case "aunt": {
      const aunts = p.aunts.slice();
      const i = which % aunts.length;
      aunts[i] = flip(aunts[i]!, bit % 256);
      return { proof: { ...p, aunts }, leaf, root };
    }
    case "root":
      return { proof: p, leaf, root: flip(root, bit % 256) };
  }
}

test("property: every proof of a random 0..300-leaf tree verifies; single-bit mutations fail", () => {
  let largest = 0;
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 48 }), { maxLength: 300, size: "max" }),
      fc.nat(),
      fc.array(fc.tuple(fc.constantFrom<Part>("leaf", "leafHash", "aunt", "root"), fc.nat(), fc.nat()), {
        minLength: 1,
        maxLength: 24,
      }),
      (leaves, pick, mutations) => {
        largest = Math.max(largest, leaves.length);
        const { root, proofs } = merkleRootAndProofs(leaves);
        assert.deepEqual(root, merkleRoot(leaves));
        assert.equal(proofs.length, leaves.length);
        proofs.forEach((p, i) => {
          assert.ok(isValidMerkleProof(p, root, leaves[i]!), `proof ${i} of ${leaves.length}`);
        });
        if (leaves.length === 0) return;
        const i = pick % leaves.length;
        const p = proofs[i]!;
        for (const [part, which, bit] of mutations) {
          if (part === "leaf" && leaves[i]!.length === 0) continue;
          if (part === "aunt" && p.aunts.length === 0) continue;
          const m = mutate(p, leaves[i]!, root, part, which, bit);
          assert.equal(
            isValidMerkleProof(m.proof, m.root, m.leaf),
            false,
            `${part} ${which} bit ${bit} of proof ${i}`,
          );
        }
      },
    ),
    { seed: 0x5eed, numRuns: 80 },
  );
  assert.ok(largest >= 200, `largest generated tree had ${largest} leaves`);
});

test("exhaustive: every single-bit mutation of every proof of a 7-leaf tree fails", () => {
  const leaves = [[1], [2, 3], [4, 5, 6], [7], [8, 9], [10], [11, 12, 13]].map((x) => new Uint8Array(x));
  const { root, proofs } = merkleRootAndProofs(leaves);
  let checked = 0;
  proofs.forEach((p, i) => {
    const leaf = leaves[i]!;
    for (let bit = 0; bit < leaf.length * 8; bit++) {
      assert.equal(isValidMerkleProof(p, root, flip(leaf, bit)), false);
      checked++;
    }
    for (let bit = 0; bit < 256; bit++) {
      assert.equal(isValidMerkleProof({ ...p, leafHash: flip(p.leafHash, bit) }, root, leaf), false);
      assert.equal(isValidMerkleProof(p, flip(root, bit), leaf), false);
      p.aunts.forEach((_, a) => {
        const aunts = p.aunts.slice();
        aunts[a] = flip(aunts[a]!, bit);
        assert.equal(isValidMerkleProof({ ...p, aunts }, root, leaf), false);
        checked++;
      });
      checked += 2;
    }
    // A wrong position (index) is caught too: these leaves are distinct.
    for (let j = 0; j < leaves.length; j++) {
      if (j !== i) assert.equal(isValidMerkleProof({ ...p, index: j }, root, leaf), false);
    }
  });
  assert.ok(checked > 8000, `checked ${checked} mutations`);
});
