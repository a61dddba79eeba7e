import assert from "node:assert/strict";
import { test } from "node:test";
import { followerDemand, solveDataPrice } from "../../src/economics/dataPricing.js";
import {
  ceilDiv,
  floorDiv,
  fromFixed,
  isqrt,
  parseFixed,
  solveDataPriceFixed,
  solveLoanPricingFixed,
  toFixed,
  WAD,
} from "../../src/economics/fixedPoint.js";
import { bankObjective, solveLoanPricing } from "../../src/economics/loanPricing.js";
import { isConsortiaError } from "../../src/errors.js";
import { createPrng } from "../../src/sim/prng.js";
import { relClose } from "./bruteForce.js";
import { randomDataPriceParams, randomLoanParams } from "./randomParams.js";

test("integer helpers: floor/ceil division, isqrt, decimal parsing", () => {
  assert.equal(floorDiv(-7n, 2n), -4n);
  assert.equal(floorDiv(7n, 2n), 3n);
  assert.equal(ceilDiv(-7n, 2n), -3n);
  assert.equal(ceilDiv(7n, 2n), 4n);
  for (const n of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 10n ** 40n, 10n ** 40n - 1n, 2n ** 127n + 12345n]) {
    const r = isqrt(n);
    assert.ok(r * r <= n && (r + 1n) * (r + 1n) > n, `isqrt(${n})`);
  }
  assert.equal(parseFixed("1"), WAD);
  assert.equal(parseFixed("-0.5"), -WAD / 2n);
  assert.equal(parseFixed("1.25e3"), 1250n * WAD);
  assert.equal(parseFixed("0.0000000000000000019"), 1n);
  assert.equal(toFixed(0.1), WAD / 10n);
  assert.throws(
    () => parseFixed("1x"),
    (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM"),
  );
});

test("fixed-point data price agrees with the float solver and never rounds against the consumer", () => {
  const r = createPrng(31);
  for (let n = 0; n < 300; n++) {
    const p = randomDataPriceParams(r);
    const fp = {
      alpha: toFixed(p.alpha),
      dMin: toFixed(p.dMin),
      c: toFixed(p.c),
      gamma: toFixed(p.gamma),
      priceMin: toFixed(p.priceMin),
      priceMax: toFixed(p.priceMax),
    };
    const q = {
      alpha: fromFixed(fp.alpha),
      dMin: fromFixed(fp.dMin),
      c: fromFixed(fp.c),
      gamma: fromFixed(fp.gamma),
      priceMin: fromFixed(fp.priceMin),
      priceMax: fromFixed(fp.priceMax),
    };
    if (q.gamma > q.priceMin) continue;
    const x = solveDataPriceFixed(fp);
    const f = solveDataPrice(q);
    assert.ok(relClose(fromFixed(x.providerUtility), f.providerUtility, 1e-9), `instance ${n}`);
    assert.ok(
      relClose(fromFixed(x.price), f.price, 1e-9),
      `instance ${n}: ${fromFixed(x.price)} vs ${f.price}`,
    );
    // Payer-favouring rounding: price not above the exact optimum, demand not above the best response.
    assert.ok(fromFixed(x.price) <= f.price * (1 + 1e-15), `instance ${n}`);
    assert.ok(fromFixed(x.demand) <= followerDemand(q.alpha, q.dMin, q.c, fromFixed(x.price)) * (1 + 1e-15));
    assert.ok(x.payment <= (x.price * x.demand) / WAD);
    // Exact rational checks: demand above the floor satisfies (d − d_min + c)·λ ≤ α; an interior price λ² ≤ γα/(c − d_min).
    if (x.demand > fp.dMin)
      assert.ok((x.demand - fp.dMin + fp.c) * x.price <= fp.alpha * WAD, `instance ${n}`);
    if (f.regime === "interior" && x.price > fp.priceMin && x.price < fp.priceMax) {
      assert.ok(x.price * x.price * (fp.c - fp.dMin) <= fp.gamma * fp.alpha * WAD, `instance ${n}`);
    }
  }
});

test("fixed-point loan pricing agrees with the float solver; rates and loan rounded down", () => {
  const r = createPrng(32);
  let compared = 0;
  for (let n = 0; n < 300; n++) {
    const p0 = randomLoanParams(r);
    const fp = {
      repayAbility: toFixed(p0.repayAbility),
      d: toFixed(p0.d),
      t: toFixed(p0.t),
      eta: toFixed(p0.eta),
      qMin: toFixed(p0.qMin),
      price: toFixed(p0.price),
      theta: toFixed(p0.theta),
      creditFactor: toFixed(p0.creditFactor),
      unitCost: toFixed(p0.unitCost),
      alphaMax: toFixed(p0.alphaMax),
    };
    const p = {
      repayAbility: fromFixed(fp.repayAbility),
      d: fromFixed(fp.d),
      t: fromFixed(fp.t),
      eta: fromFixed(fp.eta),
      qMin: fromFixed(fp.qMin),
      price: fromFixed(fp.price),
      theta: fromFixed(fp.theta),
      creditFactor: fromFixed(fp.creditFactor),
      unitCost: fromFixed(fp.unitCost),
      alphaMax: fromFixed(fp.alphaMax),
    };
    const x = solveLoanPricingFixed(fp);
    const f = solveLoanPricing(p);
    compared++;
    assert.equal(x.regime, f.regime, `instance ${n}`);
    assert.ok(relClose(fromFixed(x.penaltyRate), f.penaltyRate, 1e-9), `instance ${n}`);
    assert.ok(relClose(fromFixed(x.interestRate), f.interestRate, 1e-9));
    const a = fromFixed(x.penaltyRate);
    // Exact rational checks of the rounding direction (all values v/WAD):
    // R(α) = p(q − θ)/W² + λ·d·η / (α·D) with D = λW + (W − λ)η, so loan/W ≤ R(α) ⇔
    // loan·W·α·D ≤ p(q − θ)·α·D + λ·d·η·W².
    const W = WAD;
    const D = fp.repayAbility * W + (W - fp.repayAbility) * fp.eta;
    if (x.loan > 0n) {
      const lhs = x.loan * W * x.penaltyRate * D;
      const rhs =
        fp.price * (fp.qMin - fp.theta) * x.penaltyRate * D + fp.repayAbility * fp.d * fp.eta * W * W;
      assert.ok(lhs <= rhs, `instance ${n}: loan above the best response at the posted α`);
    }
    if (x.regime === "interior") {
      // α*² = γtcλdη²W / (p(θ − q)·G·D) in units of W², G = γW + (W − γ)η.
      const G = fp.creditFactor * W + (W - fp.creditFactor) * fp.eta;
      const lhs = x.penaltyRate * x.penaltyRate * fp.price * (fp.theta - fp.qMin) * G * D;
      const rhs = fp.creditFactor * fp.t * fp.unitCost * fp.repayAbility * fp.d * fp.eta * fp.eta * W;
      assert.ok(lhs <= rhs, `instance ${n}: α above the exact optimum`);
    }
    assert.ok(relClose(fromFixed(x.loan), f.loan, 1e-6) || Math.abs(fromFixed(x.loan) - f.loan) < 1e-6);
    assert.ok(
      relClose(fromFixed(x.bankUtility), bankObjective(p, a), 1e-6) ||
        Math.abs(fromFixed(x.bankUtility)) < 1e-6,
    );
  }
  assert.equal(compared, 300);
});

test("fixed-point solvers reject out-of-domain input with the parameter name", () => {
  assert.throws(
    () => solveDataPriceFixed({ alpha: 0n, dMin: WAD, c: WAD, gamma: 0n, priceMin: WAD, priceMax: 2n * WAD }),
    (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM") && e.details.param === "alpha",
  );
  assert.throws(
    () =>
      solveLoanPricingFixed({
        repayAbility: WAD,
        d: WAD,
        t: WAD,
        eta: WAD,
        qMin: 0n,
        price: WAD,
        theta: WAD,
        creditFactor: WAD,
        unitCost: WAD,
        alphaMax: WAD,
      }),
    (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM") && e.details.param === "eta",
  );
});
