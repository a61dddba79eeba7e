import assert from "node:assert/strict";
import { test } from "node:test";
import {
  baselineItemAt,
  solveFixedPrice,
  solveLinearContract,
} from "../../src/economics/contractBaselines.js";
import { solveContractModel } from "../../src/economics/contractMenu.js";
import { createPrng } from "../../src/sim/prng.js";
import { bruteMax1D, relClose } from "./bruteForce.js";
import { randomContractParams } from "./contractParams.js";

const PAPER = { owners: 500, alphaMin: 0, alphaMax: 1, uMax: 10, wP: 0.3, wS: 6.5, uReq: 4000 };

test("FP at the paper's values: ϱ = ϖ_p·0.8, types up to 0.8 share everything", () => {
  const fp = solveFixedPrice(PAPER);
  assert.ok(relClose(fp.unitPrice, 0.24, 1e-15));
  assert.ok(relClose(fp.alphaCut, 0.8, 1e-15));
  assert.equal(fp.piLevel, 1);
  assert.ok(relClose(fp.ucPayoffTotal, 500 * 0.8 * (6.5 * Math.log(11) - 2.4), 1e-14));
  assert.ok(relClose(fp.ownerPayoffTotal, (500 * 0.3 * 10 * 0.64) / 2, 1e-14));
  assert.deepEqual(baselineItemAt(fp, PAPER, 0.9), { pi: 0, payment: 0, ownerPayoff: 0, ucPayoff: 0 });
  const it = baselineItemAt(fp, PAPER, 0.5);
  assert.ok(relClose(it.ownerPayoff, (0.24 - 0.15) * 10, 1e-14));
});

test("LC is the best single linear tariff: matches a brute-force search over the served share", () => {
  const r = createPrng(1152);
  for (let n = 0; n < 60; n++) {
    const p = randomContractParams(r);
    const lc = solveLinearContract(p);
    const rho = p.uReq / (p.owners * p.uMax);
    if (rho <= 0) {
      assert.equal(lc.ucPayoffTotal, 0);
      continue;
    }
    // UC payoff per owner when the tariff serves a share x ∈ [ρ, 1] of the types with π = ρ/x.
    const f = (x: number): number =>
      x * (p.wS * Math.log1p((rho / x) * p.uMax)) -
      p.wP * rho * p.uMax * (p.alphaMin + x * (p.alphaMax - p.alphaMin));
    const best = bruteMax1D(f, rho, 1);
    assert.ok(
      relClose(lc.ucPayoffTotal, p.owners * best.fx, 1e-9),
      `${lc.ucPayoffTotal} vs ${p.owners * best.fx}`,
    );
    const fp = solveFixedPrice(p).ucPayoffTotal;
    assert.ok(lc.ucPayoffTotal >= fp - 1e-9 * Math.max(1, Math.abs(fp)), `LC ${lc.ucPayoffTotal} < FP ${fp}`);
  }
});

test("at the paper's values LC pools every type and ranks between FP and the optimum for the UC", () => {
  const lc = solveLinearContract(PAPER);
  const fp = solveFixedPrice(PAPER);
  const opt = solveContractModel(PAPER);
  assert.equal(lc.alphaCut, 1);
  assert.ok(relClose(lc.piLevel, 0.8, 1e-15));
  assert.ok(relClose(lc.unitPrice, 0.3, 1e-15));
  assert.ok(opt.ucPayoffTotal > lc.ucPayoffTotal && lc.ucPayoffTotal > fp.ucPayoffTotal);
  // Owners: pooling leaves the most rent, the step the least.
  assert.ok(lc.ownerPayoffTotal > opt.ownerPayoffTotal && opt.ownerPayoffTotal > fp.ownerPayoffTotal);
});
