import assert from "node:assert/strict";
import { test } from "node:test";
import { simulateTrading } from "../../../src/sim/experiments/energyTrading.js";
import {
  DEFAULT_LOAN_SCENARIO,
  drawBorrowers,
  gradeWeights,
  loansExperiment,
} from "../../../src/sim/experiments/loans.js";
import { createPrng } from "../../../src/sim/prng.js";

test("loans: directions of Figs. 7(a) and 9 reproduce; numbers come from the data", () => {
  const r = loansExperiment.run({ seed: 1 });
  assert.equal(r.figures.length, 10);
  assert.ok(Number(r.summary.fig7_bank_gain_vs_aas_pct) > 0);
  assert.ok(Number(r.summary.fig7_bank_gain_vs_ras_pct) > 0);
  assert.equal(r.summary.fig9_bank_decreasing_in_gamma, 1);
  assert.equal(r.summary.fig9_borrower_increasing_in_lambda, 1);
  assert.equal(r.summary.borrowers, 100);
  const f7 = r.figures.find((f) => f.id === "loans-fig7a-bank-benefit");
  assert.ok(f7?.ourFinding.includes(`${Number(r.summary.fig7_bank_gain_vs_aas_pct).toFixed(1)} %`));
});

test("borrower population: 5 banks × 20, grades follow the weights, λ ∈ (0, 1]", () => {
  const bs = drawBorrowers(DEFAULT_LOAN_SCENARIO, createPrng(9));
  assert.equal(bs.length, 100);
  for (let b = 1; b <= 5; b++) assert.equal(bs.filter((x) => x.bank === b).length, 20);
  for (const x of bs) {
    assert.ok(x.params.repayAbility > 0 && x.params.repayAbility <= 1);
    assert.ok(x.params.t > 0 && x.params.t <= 10);
  }
  const w = gradeWeights();
  assert.equal(w.length, 35);
  assert.ok(Math.abs(w.reduce((a, x) => a + x, 0) - 10000) < 1e-9);
  assert.equal(w[0], 1663 / 5);
});

test("Fig. 5 model: longer blocks, longer confirmation; credit removes the wait", () => {
  const base = { pairs: 50, horizonMin: 240 };
  const trad = simulateTrading({ ...base, blockIntervalMin: 60, credit: false }, () => 3, createPrng(1));
  const chain = simulateTrading({ ...base, blockIntervalMin: 10, credit: false }, () => 3, createPrng(1));
  const credit = simulateTrading({ ...base, blockIntervalMin: 10, credit: true }, () => 8, createPrng(1));
  const noCredit = simulateTrading({ ...base, blockIntervalMin: 10, credit: false }, () => 8, createPrng(1));
  assert.ok(trad.meanLatencyMin > chain.meanLatencyMin);
  assert.ok(trad.tradesPerHour < chain.tradesPerHour);
  assert.ok(noCredit.tradesPerHour <= 6 + 1e-9, "one trade per 10-min block at most");
  assert.ok(credit.tradesPerHour > noCredit.tradesPerHour);
  assert.ok(chain.meanLatencyMin > 10 && chain.meanLatencyMin <= 20);
});
