import assert from "node:assert/strict";
import { test } from "node:test";
import { healthchainExperiment } from "../../../src/sim/experiments/healthchain.js";

test("healthchain reproduces Figs. 5–7 and reports the Theorem 1 gap", () => {
  const r = healthchainExperiment.run({ seed: 1 });
  const ids = r.figures.map((f) => f.id);
  for (const id of [
    "healthchain-fig5-price-demand",
    "healthchain-fig6-benefits-welfare",
    "healthchain-fig7-utility-vs-alpha",
  ]) {
    assert.ok(ids.includes(id), id);
  }
  assert.equal(r.summary.fig5_equilibrium_price, 1000);
  assert.equal(r.summary.fig5_equilibrium_demand, 1100);
  assert.equal(r.summary.fig6_provider_at_max, 990 * 1100);
  assert.equal(r.summary.market_priced_at_max, 10);
  assert.equal(r.summary.algorithm1_agrees, "10/10");
  const w = Number(r.summary.problem_c_welfare);
  assert.ok(w > Number(r.summary.market_social_welfare));
  // Demand series is non-increasing in price and never below d_min.
  const f5 = r.figures.find((f) => f.id === "healthchain-fig5-price-demand");
  const s = f5?.series[0];
  assert.ok(s !== undefined);
  s.y.forEach((y, i) => {
    assert.ok(y >= 1100);
    if (i > 0) assert.ok(y <= (s.y[i - 1] ?? y));
  });
});
