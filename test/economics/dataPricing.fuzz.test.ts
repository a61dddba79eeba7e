import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { leaderObjective, solveDataPrice } from "../../src/economics/dataPricing.js";

const pos = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const params = fc
  .record({
    alpha: pos(1e-2, 1e6),
    dMin: pos(1e-3, 1e5),
    c: pos(1e-3, 1e5),
    gamma: pos(0, 100),
    spanLo: pos(1e-4, 100),
    spanHi: pos(0, 1e4),
  })
  .map((r) => ({
    alpha: r.alpha,
    dMin: r.dMin,
    c: r.c,
    gamma: r.gamma,
    priceMin: r.gamma + r.spanLo,
    priceMax: r.gamma + r.spanLo + r.spanHi,
  }));

test("KKT conditions hold at every data-price solution (property test)", () => {
  fc.assert(
    fc.property(params, (p) => {
      const s = solveDataPrice(p);
      for (const v of [s.price, s.demand, s.providerUtility, s.consumerUtility])
        assert.ok(Number.isFinite(v));
      // Follower: ∂R_F/∂d = α/(d − d_min + c) − λ is 0 above the floor and ≤ 0 on it.
      const grad = p.alpha / (s.demand - p.dMin + p.c) - s.price;
      const scale = p.alpha / p.c + s.price;
      if (s.demand > p.dMin) assert.ok(Math.abs(grad) <= 1e-9 * scale, `follower gradient ${grad}`);
      else assert.ok(grad <= 1e-9 * scale, `follower gradient at floor ${grad}`);
      // Leader: one-sided derivatives of R_L(λ) = (λ − γ)·d*(λ) at λ*.
      const kink = p.alpha / p.c;
      const dLeft = s.price <= kink ? p.dMin - p.c + (p.gamma * p.alpha) / s.price ** 2 : p.dMin;
      const dRight = s.price < kink ? p.dMin - p.c + (p.gamma * p.alpha) / s.price ** 2 : p.dMin;
      const lscale = p.dMin + p.c + (p.gamma * p.alpha) / s.price ** 2;
      if (s.price < p.priceMax) assert.ok(dRight <= 1e-7 * lscale, `can improve upward: ${dRight}`);
      if (s.price > p.priceMin) assert.ok(dLeft >= -1e-7 * lscale, `can improve downward: ${dLeft}`);
      // Global: no point of a coarse grid beats the solution.
      for (let j = 0; j <= 64; j++) {
        const l = p.priceMin + ((p.priceMax - p.priceMin) * j) / 64;
        const r = leaderObjective(p.alpha, p.dMin, p.c, p.gamma, l);
        assert.ok(
          r <= s.providerUtility + 1e-9 * Math.abs(s.providerUtility) + 1e-12,
          `grid ${l} beats ${s.price}`,
        );
      }
    }),
    { seed: 4242, numRuns: 1000 },
  );
});

test("participation extension never yields negative consumer utility (property test)", () => {
  fc.assert(
    fc.property(params, (p) => {
      const s = solveDataPrice({ ...p, participation: true });
      assert.ok(s.consumerUtility >= 0 && s.providerUtility >= 0);
      assert.ok(s.price >= p.priceMin && s.price <= p.priceMax);
    }),
    { seed: 4243, numRuns: 500 },
  );
});
