import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { keyPairFromSeed, signBytes, verifyBytes } from "../../src/crypto/ed25519.js";
import { sha256 } from "../../src/crypto/hash.js";
import {
  createVerifyPool,
  packChunk,
  type VerifyItem,
  type VerifyPool,
} from "../../src/crypto/verifyPool.js";
import { isConsortiaError } from "../../src/errors.js";

const N = 5_000;

interface Case {
  readonly items: VerifyItem[];
  /** Ground truth, independent of verifyBytes. */
  readonly expected: Uint8Array;
}

/** Deterministic mixed batch: valid items and ten kinds of invalid ones. */
function mixedBatch(n: number): Case {
  const pairs = Array.from({ length: 32 }, (_, k) => keyPairFromSeed(sha256(Uint8Array.of(1, k))));
  const items: VerifyItem[] = [];
  const expected = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const pair = pairs[i % pairs.length] as (typeof pairs)[number];
    const other = pairs[(i + 1) % pairs.length] as (typeof pairs)[number];
    const message = new Uint8Array(i % 301).map((_, j) => (i * 31 + j) & 255);
    const signature = signBytes(pair.secretKey, message);
    const kind = (i * 7) % 13;
    const flipped = (b: Uint8Array, at: number): Uint8Array => {
      const c = new Uint8Array(b);
      c[at % c.byteLength] = (c[at % c.byteLength] ?? 0) ^ 0x40;
      return c;
    };
    switch (kind) {
      case 0:
        items.push({ publicKey: other.publicKey, message, signature });
        break;
      case 1:
        items.push({
          publicKey: pair.publicKey,
          message: flipped(Uint8Array.of(...message, 0), i),
          signature,
        });
        break;
      case 2:
        items.push({ publicKey: pair.publicKey, message, signature: flipped(signature, i) });
        break;
      case 3:
        items.push({ publicKey: pair.publicKey, message, signature: signature.subarray(0, 63) });
        break;
      case 4:
        items.push({ publicKey: pair.publicKey.subarray(1), message, signature });
        break;
      case 5:
        items.push({ publicKey: new Uint8Array(32).fill(0xff), message, signature });
        break;
      case 6:
        items.push({ publicKey: pair.publicKey, message, signature: new Uint8Array(64).fill(0xff) });
        break;
      case 7:
        items.push({ publicKey: pair.publicKey, message: "x", signature } as unknown as VerifyItem);
        break;
      default:
        // Views into larger buffers must be read at their offsets.
        items.push({
          publicKey: new Uint8Array([9, ...pair.publicKey]).subarray(1),
          message,
          signature: new Uint8Array([...signature, 9]).subarray(0, 64),
        });
        expected[i] = 1;
    }
  }
  return { items, expected };
}

let pool: VerifyPool;
let batch: Case;

before(() => {
  pool = createVerifyPool({ threads: 2 });
  batch = mixedBatch(N);
});

after(async () => {
  await pool.close();
});

test(`pool results equal inline verification and ground truth on ${N} mixed items`, async () => {
  const inline = batch.items.map((it) => (verifyBytes(it.publicKey, it.message, it.signature) ? 1 : 0));
  const pooled = await pool.verifyBatch(batch.items);
  assert.equal(pooled.length, N);
  assert.deepEqual([...pooled], inline);
  assert.deepEqual(pooled, batch.expected);
  const valid = batch.expected.reduce((a, b) => a + b, 0);
  assert.ok(valid > 1000 && valid < N - 1000, `mixed batch has ${valid} valid items`);
});

test("concurrent batches of different sizes, including the inline path, are answered in order", async () => {
  const sizes = [0, 1, 63, 64, 65, 1000, 2500];
  const results = await Promise.all(sizes.map((s) => pool.verifyBatch(batch.items.slice(N - s))));
  for (let k = 0; k < sizes.length; k++) {
    const s = sizes[k] ?? 0;
    assert.deepEqual(results[k], batch.expected.slice(N - s), `size ${s}`);
  }
});

test("maxChunkItems splits big batches into more chunks than threads with the same answers", async () => {
  const p = createVerifyPool({ threads: 2, maxChunkItems: 300, inlineBelow: 0 });
  try {
    assert.deepEqual(await p.verifyBatch(batch.items.slice(0, 1999)), batch.expected.slice(0, 1999));
  } finally {
    await p.close();
  }
});

test("packChunk lays out count, message ends, flags, keys, signatures and messages", () => {
  const pk = new Uint8Array(32).fill(1);
  const sig = new Uint8Array(64).fill(2);
  const items: VerifyItem[] = [
    { publicKey: pk, message: Uint8Array.of(5, 6, 7), signature: sig },
    { publicKey: pk.subarray(1), message: Uint8Array.of(9), signature: sig }, // malformed: skipped
    { publicKey: pk, message: Uint8Array.of(8), signature: sig },
  ];
  const buf = packChunk(items, 0, 3);
  const dv = new DataView(buf);
  const bytes = new Uint8Array(buf);
  assert.equal(buf.byteLength, 4 + 101 * 3 + 4);
  assert.equal(dv.getUint32(0, true), 3);
  assert.deepEqual([dv.getUint32(4, true), dv.getUint32(8, true), dv.getUint32(12, true)], [3, 3, 4]);
  assert.deepEqual([...bytes.subarray(16, 19)], [1, 0, 1]);
  assert.equal(bytes[19], 1); // first public key
  assert.equal(bytes[19 + 32], 0); // skipped item's key left zero
  assert.equal(bytes[4 + 37 * 3], 2); // first signature
  assert.deepEqual([...bytes.subarray(4 + 101 * 3)], [5, 6, 7, 8]);
});

test("closed pool rejects with CRYPTO_POOL_CLOSED; bad options are typed errors", async () => {
  const p = createVerifyPool({ threads: 1 });
  await p.close();
  await assert.rejects(p.verifyBatch(batch.items), (e: unknown) => isConsortiaError(e, "CRYPTO_POOL_CLOSED"));
  await p.close();
  assert.throws(
    () => createVerifyPool({ threads: 0 }),
    (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_ARGUMENT"),
  );
  assert.throws(
    () => createVerifyPool({ threads: 1.5 }),
    (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_ARGUMENT") && e.message.includes("threads"),
  );
});
