import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isoFromMs } from "../../src/util/isoTime.js";

test("isoFromMs agrees with Date#toISOString over its whole range (Date's, from the epoch)", () => {
  for (const ms of [
    0n,
    951_782_400_000n,
    4_107_542_399_999n,
    253_402_300_799_999n,
    253_402_300_800_000n,
    8_640_000_000_000_000n,
  ])
    assert.equal(isoFromMs(ms), new Date(Number(ms)).toISOString());
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 8_640_000_000_000_000n }), (ms) => {
      assert.equal(isoFromMs(ms), new Date(Number(ms)).toISOString());
    }),
    { numRuns: 20_000, seed: 42 },
  );
});
