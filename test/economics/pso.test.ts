import assert from "node:assert/strict";
import { test } from "node:test";
import { binaryPso } from "../../src/economics/pso.js";
import { isConsortiaError } from "../../src/errors.js";
import { createPrng } from "../../src/sim/prng.js";

test("binary PSO finds a 20-bit target and its history never gets worse", () => {
  const target = Uint8Array.from({ length: 20 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
  let calls = 0;
  const hamming = (x: Uint8Array): number => {
    calls++;
    let d = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== target[i]) d++;
    return d;
  };
  const res = binaryPso(20, hamming, createPrng(4), { particles: 20, iterations: 150 });
  assert.equal(res.bestValue, 0);
  assert.deepEqual(Array.from(res.best), Array.from(target));
  assert.equal(res.evaluations, 20 * 151);
  assert.equal(calls, res.evaluations);
  for (let i = 1; i < res.history.length; i++)
    assert.ok((res.history[i] as number) <= (res.history[i - 1] as number));
  const again = binaryPso(20, hamming, createPrng(4), { particles: 20, iterations: 150 });
  assert.deepEqual(again.history, res.history);
});

test("binary PSO rejects invalid options with typed errors", () => {
  assert.throws(
    () => binaryPso(3, () => 0, createPrng(1), { particles: 0 }),
    (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM") && e.details.param === "particles",
  );
  assert.throws(
    () => binaryPso(0, () => 0, createPrng(1)),
    (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM") && e.details.param === "dim",
  );
});
