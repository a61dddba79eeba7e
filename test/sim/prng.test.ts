import assert from "node:assert/strict";
import { test } from "node:test";
import { createPrng } from "../../src/sim/prng.js";

test("same seed gives the same stream; different seeds differ", () => {
  const a = createPrng(7);
  const b = createPrng(7);
  const c = createPrng(8);
  const xs = Array.from({ length: 100 }, () => a.nextU32());
  assert.deepEqual(
    xs,
    Array.from({ length: 100 }, () => b.nextU32()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 100 }, () => c.nextU32()),
  );
  // Pinned values: a change of algorithm would silently change every simulation output.
  const p = createPrng(1);
  assert.deepEqual([p.nextU32(), p.nextU32(), p.nextU32()], [2442144158, 3238099751, 3819917871]);
  assert.equal(createPrng(1).next(), 0.5686059948349658);
});

test("uniform, int, normal and weighted have the right ranges and moments", () => {
  const r = createPrng(123);
  const n = 50_000;
  let sum = 0;
  let sumSq = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const u = r.uniform(2, 5);
    assert.ok(u >= 2 && u < 5);
    const k = r.int(1, 6);
    min = Math.min(min, k);
    max = Math.max(max, k);
    const z = r.normal(1, 2);
    sum += z;
    sumSq += z * z;
  }
  assert.equal(min, 1);
  assert.equal(max, 6);
  const mean = sum / n;
  const sd = Math.sqrt(sumSq / n - mean * mean);
  assert.ok(Math.abs(mean - 1) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(sd - 2) < 0.05, `sd ${sd}`);
  const counts = [0, 0, 0];
  for (let i = 0; i < 30_000; i++) {
    const k = r.weighted([1, 0, 3]);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  assert.equal(counts[1], 0);
  assert.ok(Math.abs((counts[2] ?? 0) / 30_000 - 0.75) < 0.02);
  const sh = r.shuffle([1, 2, 3, 4, 5]);
  assert.deepEqual(
    [...sh].sort((a, b) => a - b),
    [1, 2, 3, 4, 5],
  );
  assert.throws(() => r.pick([]));
});

test("fork gives an independent deterministic stream", () => {
  const a = createPrng(5).fork();
  const b = createPrng(5).fork();
  assert.equal(a.next(), b.next());
  assert.notEqual(createPrng(5).fork().next(), createPrng(5).next());
});
