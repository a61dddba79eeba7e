import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  baselineItemAt,
  solveFixedPrice,
  solveLinearContract,
} from "../../src/economics/contractBaselines.js";
import { solveContractMenu } from "../../src/economics/contractMenu.js";
import { maxMisreportGain } from "./contractParams.js";

const pos = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const params = fc
  .record({
    owners: fc.integer({ min: 1, max: 5000 }),
    alphaMin: fc.oneof(fc.constant(0), pos(0, 3)),
    span: pos(1e-4, 10),
    uMax: pos(1e-3, 1e3),
    wP: pos(1e-3, 100),
    wS: pos(1e-3, 1e3),
    rho: fc.oneof(fc.constant(0), fc.constant(1), pos(0, 1)),
  })
  .map((r) => ({
    owners: r.owners,
    alphaMin: r.alphaMin,
    alphaMax: r.alphaMin + r.span,
    uMax: r.uMax,
    wP: r.wP,
    wS: r.wS,
    uReq: r.rho * r.owners * r.uMax,
    points: 61,
  }));

test("optimal menu: KKT, IC, IR, the requirement and finiteness on random parameters (property test)", () => {
  fc.assert(
    fc.property(params, (p) => {
      const m = solveContractMenu(p);
      const rho = p.uReq / (p.owners * p.uMax);
      assert.ok(Math.abs(m.meanPi - rho) <= 1e-9, `E[π] ${m.meanPi} vs ${rho}`);
      for (const k of ["pi", "payment", "ownerPayoff", "ucPayoff"] as const)
        assert.ok(m[k].every(Number.isFinite), k);
      assert.ok(Number.isFinite(m.ucPayoffTotal) && Number.isFinite(m.multiplier));
      // KKT of the pointwise problem: g(π) = ϖ_s u/(1 + πu) − u d(α), d = ϖ_p(2α − α̲) − β.
      m.alpha.forEach((a, i) => {
        const x = m.pi[i] as number;
        assert.ok(x >= 0 && x <= 1);
        const d = p.wP * (2 * a - p.alphaMin) - m.multiplier;
        const g = (p.wS * p.uMax) / (1 + x * p.uMax) - p.uMax * d;
        const scale = 1e-8 * p.uMax * (p.wS + Math.abs(d) + Math.abs(m.multiplier));
        if (x > 0 && x < 1) assert.ok(Math.abs(g) <= scale, `interior gradient ${g}`);
        if (x === 1 && m.method !== "degenerate") assert.ok(g >= -scale, `upper bound gradient ${g}`);
        if (x === 0 && m.method !== "degenerate") assert.ok(g <= scale, `lower bound gradient ${g}`);
        if (i > 0) assert.ok(x <= (m.pi[i - 1] as number) + 1e-15, "π non-increasing (14)");
      });
      // IR (10) and IC (9) on the reported grid.
      const tolPay = 1e-9 * (1 + p.wP * p.alphaMax * p.uMax);
      assert.ok(
        m.ownerPayoff.every((s) => s >= -tolPay),
        "IR",
      );
      assert.ok(Math.abs(m.ownerPayoff[m.ownerPayoff.length - 1] as number) <= tolPay, "IR binds at ᾱ");
      assert.ok(maxMisreportGain(m.alpha, m.pi, m.payment, p.wP, p.uMax) <= tolPay, "IC");
    }),
    { seed: 1150, numRuns: 300 },
  );
});

test("LC and FP baselines: IC, IR, the requirement, and UC totals ranked proposed ≥ LC ≥ FP (property test)", () => {
  fc.assert(
    fc.property(params, (p) => {
      const m = solveContractMenu(p);
      const lc = solveLinearContract(p);
      const fp = solveFixedPrice(p);
      const rho = p.uReq / (p.owners * p.uMax);
      const tol = 1e-9 * (1 + Math.abs(m.ucPayoffTotal));
      assert.ok(
        m.ucPayoffTotal >= lc.ucPayoffTotal - tol,
        `proposed ${m.ucPayoffTotal} < LC ${lc.ucPayoffTotal}`,
      );
      assert.ok(
        lc.ucPayoffTotal >= fp.ucPayoffTotal - tol,
        `LC ${lc.ucPayoffTotal} < FP ${fp.ucPayoffTotal}`,
      );
      for (const b of [lc, fp]) {
        assert.ok(Math.abs(b.meanPi - rho) <= 1e-12, `${b.kind} E[π]`);
        const items = m.alpha.map((a) => baselineItemAt(b, p, a));
        const tolPay = 1e-12 * (1 + p.wP * p.alphaMax * p.uMax);
        assert.ok(
          items.every((it) => it.ownerPayoff >= -tolPay),
          `${b.kind} IR`,
        );
        const gain = maxMisreportGain(
          m.alpha,
          items.map((it) => it.pi),
          items.map((it) => it.payment),
          p.wP,
          p.uMax,
        );
        assert.ok(gain <= tolPay, `${b.kind} IC ${gain}`);
      }
    }),
    { seed: 1151, numRuns: 300 },
  );
});
