import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  bankObjective,
  bankRevenueFactor,
  borrowerCostFactor,
  loanFloor,
  solveLoanPricing,
} from "../../src/economics/loanPricing.js";

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const params = fc.record({
  repayAbility: num(1e-3, 1),
  d: num(1e-2, 1e6),
  t: num(1e-2, 100),
  eta: num(1.001, 20),
  qMin: num(0, 1e4),
  price: num(1e-2, 100),
  theta: num(1e-2, 1e4),
  creditFactor: num(1e-3, 1),
  unitCost: num(1e-3, 10),
  alphaMax: num(1e-3, 1e3),
});

test("KKT conditions hold at every loan-pricing solution (property test)", () => {
  fc.assert(
    fc.property(params, (p) => {
      const s = solveLoanPricing(p);
      for (const v of [s.penaltyRate, s.interestRate, s.loan, s.bankUtility, s.borrowerUtility]) {
        assert.ok(Number.isFinite(v));
      }
      assert.ok(s.penaltyRate > 0 && s.penaltyRate <= p.alphaMax);
      const k = loanFloor(p);
      const kappa = borrowerCostFactor(p.repayAbility, p.eta);
      const g = bankRevenueFactor(p.creditFactor, p.eta);
      // Follower: ∂u/∂R = λd/(R − k) − ακ is 0 for R > 0 and ≤ 0 at the bound R = 0.
      const fg = (p.repayAbility * p.d) / (s.loan - k) - s.penaltyRate * kappa;
      // R − k cancels when the loan sits just above k: allow the float error of that difference.
      const cancel = (4 * Number.EPSILON * Math.max(Math.abs(s.loan), Math.abs(k))) / Math.abs(s.loan - k);
      const ftol = (1e-9 + cancel) * (s.penaltyRate * kappa + (p.repayAbility * p.d) / Math.abs(s.loan - k));
      if (s.loan > 0) assert.ok(Math.abs(fg) <= ftol, `follower gradient ${fg}`);
      else assert.ok(fg <= ftol, `follower gradient at R = 0: ${fg}`);
      // Leader: u'(α) = kg + γtcλd/(κα²) where R > 0.
      const lg =
        k * g + (p.creditFactor * p.t * p.unitCost * p.repayAbility * p.d) / (kappa * s.penaltyRate ** 2);
      const lscale =
        Math.abs(k * g) +
        (p.creditFactor * p.t * p.unitCost * p.repayAbility * p.d) / (kappa * s.penaltyRate ** 2);
      if (s.regime === "interior") assert.ok(Math.abs(lg) <= 1e-8 * lscale, `leader gradient ${lg}`);
      if (s.regime === "alpha-max" && s.loan > 0)
        assert.ok(lg >= -1e-8 * lscale, `leader gradient at α_max ${lg}`);
      if (s.regime === "no-loan") assert.equal(s.bankUtility, 0);
      // Global: no α on a log grid of (0, α_max] beats the solution.
      for (let j = 0; j <= 64; j++) {
        const a = p.alphaMax * 10 ** (-8 * (j / 64));
        const u = bankObjective(p, a);
        assert.ok(
          u <= s.bankUtility + 1e-9 * Math.abs(s.bankUtility) + 1e-12,
          `α = ${a} beats ${s.penaltyRate}`,
        );
      }
    }),
    { seed: 4244, numRuns: 1000 },
  );
});
