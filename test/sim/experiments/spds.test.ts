import assert from "node:assert/strict";
import { test } from "node:test";
import { spdsExperiment } from "../../../src/sim/experiments/spds.js";

test("SPDS experiment: every figure of Sec. V with finite data, deterministic, findings from the data", () => {
  const a = spdsExperiment.run({ seed: 1 });
  const b = spdsExperiment.run({ seed: 2 });
  assert.equal(JSON.stringify(a), JSON.stringify(b), "no randomness: identical for any seed");
  const ids = a.figures.map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const want of [
    "spds-fig4a-utility-vs-type",
    "spds-fig4b-payment-vs-type",
    "spds-fig5a-owner-payoff",
    "spds-fig5b-uc-payoff",
  ])
    assert.ok(ids.includes(want), want);
  for (const f of a.figures) {
    assert.ok(f.series.length > 0 && f.paperFinding.length > 0 && f.ourFinding.length > 0);
    for (const s of f.series) {
      assert.equal(s.x.length, s.y.length);
      assert.ok(s.y.every(Number.isFinite), `${f.id}/${s.name}`);
    }
  }
  const fig4a = a.figures.find((f) => f.id === "spds-fig4a-utility-vs-type");
  assert.ok(fig4a?.ourFinding.includes("non-increasing"));
  assert.equal(a.summary.u6_method, "closed-form");
  assert.equal(a.summary.u8_method, "numeric");
  assert.ok((a.summary.u8_ic_max_gain as number) <= 1e-12);
  assert.ok((a.summary.u8_uc_payoff_total as number) > (a.summary.lc_uc_payoff_total as number));
});
