import assert from "node:assert/strict";
import { test } from "node:test";
import { solveContractMenu, solveContractModel } from "../../src/economics/contractMenu.js";
import {
  contractItemFixed,
  solveContractMenuFixed,
  toFixedUnits,
} from "../../src/economics/contractMenuFixed.js";
import { isConsortiaError } from "../../src/errors.js";

const PAPER = { owners: 500, alphaMin: 0, alphaMax: 1, uMax: 10, wP: 0.3, wS: 6.5, uReq: 4000, points: 101 };

test("toFixedUnits rounds the exact binary value, snapping last-bit noise to whole units", () => {
  assert.equal(toFixedUnits("x", 2.4000000000000004, 6, "ceil"), 2_400_000n);
  assert.equal(toFixedUnits("x", 2.4000001, 6, "ceil"), 2_400_001n);
  assert.equal(toFixedUnits("x", 2.4000001, 6, "floor"), 2_400_000n);
  assert.equal(toFixedUnits("x", 0.15, 2, "ceil"), 15n);
  assert.equal(toFixedUnits("x", -1.25, 1, "ceil"), -12n);
  assert.equal(toFixedUnits("x", -1.25, 1, "floor"), -13n);
  assert.equal(toFixedUnits("x", 1e20, 0, "ceil"), 100_000_000_000_000_000_000n);
  assert.equal(toFixedUnits("x", 0, 18, "ceil"), 0n);
  assert.equal(toFixedUnits("x", 1 / 3, 6, "ceil"), 333_334n);
  assert.equal(toFixedUnits("x", 1 / 3, 6, "floor"), 333_333n);
  // Beyond a double's 16 digits the scaled value is carried exactly, not rounded in floating point.
  assert.equal(toFixedUnits("x", 0.1, 20, "floor"), 10_000_000_000_000_000_555n);
  for (const [x, d] of [
    [Number.NaN, 6],
    [1, -1],
    [1, 1.5],
  ] as const) {
    assert.throws(
      () => toFixedUnits("payment", x, d, "ceil"),
      (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM"),
    );
  }
});

test("quantised menu: payments round up, utilities down, so IR holds in integers at every type", () => {
  const pd = 6;
  const qd = 6;
  const fixed = solveContractMenuFixed(PAPER, { paymentDecimals: pd, piDecimals: qd });
  const menu = solveContractMenu(PAPER);
  fixed.alpha.forEach((a, i) => {
    const pay = fixed.paymentUnits[i] as bigint;
    const pi = fixed.piUnits[i] as bigint;
    assert.ok(Number(pay) >= (menu.payment[i] as number) * 1e6 - 1e-6);
    assert.ok(Number(pi) <= (menu.pi[i] as number) * 1e6 + 1e-6);
    // Privacy cost of the quantised item in payment units: ϖ_p α (π_units/1e6) u_max · 1e6.
    const cost = 0.3 * a * Number(pi) * 10;
    assert.ok(Number(pay) >= cost - 1e-6, `IR at α = ${a}: ${pay} < ${cost}`);
  });
  const m = solveContractModel(PAPER);
  assert.deepEqual(contractItemFixed(m, 0, { paymentDecimals: pd, piDecimals: qd }), {
    piUnits: 1_000_000n,
    paymentUnits: 2_400_000n,
  });
  // Default scale is 10^18 (WAD).
  assert.equal(contractItemFixed(m, 0).piUnits, 10n ** 18n);
});
