import assert from "node:assert/strict";
import { test } from "node:test";
import { createOffloadingExperiment } from "../../../src/sim/experiments/offloading.js";

test("offloading experiment: all figures, finite data, deterministic for a seed and a fixed AES rate", () => {
  const exp = createOffloadingExperiment(1e8, { psoDevices: [4, 12], psoInstancesPerSize: 3 });
  const t0 = performance.now();
  const a = exp.run({ seed: 3 });
  const seconds = (performance.now() - t0) / 1000;
  const b = exp.run({ seed: 3 });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  const ids = a.figures.map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const want of [
    "offloading-fig4a-energy",
    "offloading-fig4b-time",
    "offloading-fig4c-memory",
    "offloading-fig4d-cost",
    "offloading-fig5d-cost",
    "edgecloud-fig4-time",
    "offloading-pso-vs-exact",
  ])
    assert.ok(ids.includes(want), want);
  for (const f of a.figures)
    for (const s of f.series)
      assert.ok(s.y.every(Number.isFinite) && s.x.length === s.y.length, `${f.id}/${s.name}`);
  assert.equal(a.summary.pso_instances, 12);
  const xs = a.figures.find((f) => f.id === "offloading-fig4a-energy")?.series[0]?.x;
  assert.deepEqual(xs, [200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  assert.equal(a.summary.aes_gcm_bytes_per_second, 1e8);
  assert.ok((a.summary.pso_worst_gap_percent as number) >= 0);
  assert.ok(seconds < 30, `took ${seconds} s`);
  // A different seed changes only the random PSO study.
  const c = exp.run({ seed: 4 });
  assert.deepEqual(c.figures[0], a.figures[0]);
});
