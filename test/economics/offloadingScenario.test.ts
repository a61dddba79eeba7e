import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ASSUMED,
  buildTask,
  compareOffloadingSchemes,
  PAPER,
  workloadCycles,
} from "../../src/economics/offloadingScenario.js";
import { relClose } from "./bruteForce.js";

test("workload maps the paper's 0.8–1.5 Gcycles onto 200–1000 KB", () => {
  assert.ok(relClose(workloadCycles(200_000), 0.8e9, 1e-15));
  assert.ok(relClose(workloadCycles(1_000_000), 1.5e9, 1e-15));
  assert.ok(relClose(workloadCycles(600_000), 1.15e9, 1e-15));
});

test("task model: eq. (1) local time, eqs. (2)–(4) offload terms with the given AES rate", () => {
  const t = buildTask({ sizeBytes: 500_000, cycles: 1e9 }, "edge", 2e8);
  assert.equal(t.sizeBits, 4e6);
  assert.ok(relClose(t.encryptTimeS, 2.5e-3, 1e-15));
  assert.ok(relClose(t.localEnergyJ, ASSUMED.switchedCapacitance * 1e18 * 1e9, 1e-15));
  assert.equal(t.rateBps, ASSUMED.edgeRateBps);
  assert.equal(t.txPowerW, PAPER.maxTxPowerW);
  const c = buildTask({ sizeBytes: 500_000, cycles: 1e9 }, "cloud", 2e8);
  assert.equal(c.extraLatencyS, ASSUMED.cloudLatencyS);
});

test("local / edge / cloud at 200 KB and 1000 KB: edge has the lowest time, energy and cost", () => {
  for (const w of [
    { time: 1 / 3, energy: 1 / 3, memory: 1 / 3 },
    { time: 1 / 6, energy: 2 / 3, memory: 1 / 6 },
  ]) {
    for (const kb of [200, 1000]) {
      const c = compareOffloadingSchemes(kb * 1000, w, 1e8);
      assert.equal(c.edge.offloaded, true);
      assert.ok(c.edge.feasible && c.cloud.feasible && c.local.feasible);
      assert.ok(c.edge.timeS < c.cloud.timeS && c.edge.timeS < c.local.timeS);
      assert.ok(c.edge.energyJ < c.cloud.energyJ && c.cloud.energyJ < c.local.energyJ);
      assert.equal(c.edge.memoryMB, c.cloud.memoryMB);
      assert.ok(c.edge.cost < c.cloud.cost && c.cloud.cost < c.local.cost);
      // Local time is eq. (1): cycles / f^l.
      assert.ok(relClose(c.local.timeS, workloadCycles(kb * 1000) / PAPER.localFreqHz, 1e-15));
    }
  }
});
