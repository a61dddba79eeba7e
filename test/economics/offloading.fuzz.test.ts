import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { OffloadingInstance, OffloadTask } from "../../src/economics/offloading.js";
import { evaluateAssignment, solveOffloading, solveOffloadingPso } from "../../src/economics/offloading.js";
import { createPrng } from "../../src/sim/prng.js";
import { enumerateOffloading } from "./offloadingBrute.js";

const pos = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

// Local execution is always feasible (a slack deadline locally), so every instance has a solution.
const task: fc.Arbitrary<OffloadTask> = fc
  .record({
    sizeBits: pos(1e4, 1e8),
    localCycles: pos(1e7, 5e9),
    remoteRatio: pos(0.2, 2),
    deadlineS: pos(0.5, 20),
    rateBps: pos(1e5, 5e7),
    minRateBps: pos(0, 2e6),
    txPowerW: pos(1e-3, 0.1),
    localEnergyJ: pos(0, 5),
    encryptTimeS: pos(0, 0.2),
    encryptEnergyJ: pos(0, 0.1),
    localMemoryMB: pos(0, 200),
    offloadMemoryMB: pos(0, 200),
    extraLatencyS: pos(0, 0.5),
  })
  .map((t) => ({
    sizeBits: t.sizeBits,
    localCycles: t.localCycles,
    remoteCycles: t.localCycles * t.remoteRatio,
    localFreqHz: Math.max(1e9, (1.01 * t.localCycles) / t.deadlineS),
    deadlineS: t.deadlineS,
    rateBps: t.rateBps,
    minRateBps: t.minRateBps,
    txPowerW: t.txPowerW,
    maxTxPowerW: 0.1,
    localEnergyJ: t.localEnergyJ,
    encryptTimeS: t.encryptTimeS,
    encryptEnergyJ: t.encryptEnergyJ,
    localMemoryMB: t.localMemoryMB,
    offloadMemoryMB: t.offloadMemoryMB,
    maxMemoryMB: 250,
    extraLatencyS: t.extraLatencyS,
  }));

const instance: fc.Arbitrary<OffloadingInstance> = fc
  .record({
    tasks: fc.array(task, { minLength: 1, maxLength: 10 }),
    time: pos(0, 1),
    energy: pos(0, 1),
    memory: pos(0, 1),
    serverFreqHz: pos(1e8, 2e10),
    capacityFactor: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), pos(0.5, 8)),
  })
  .filter((r) => r.time + r.energy + r.memory > 1e-3)
  .map((r) => ({
    tasks: r.tasks,
    weights: { time: r.time, energy: r.energy, memory: r.memory },
    serverFreqHz: r.serverFreqHz,
    ...(Number.isFinite(r.capacityFactor) ? { serverCapacityHz: r.capacityFactor * r.serverFreqHz } : {}),
  }));

test("exact P1: optimal against enumeration, feasible (C2–C6), never worse than PSO or all-local (property test)", () => {
  fc.assert(
    fc.property(instance, fc.integer(), (inst, seed) => {
      const sol = solveOffloading(inst);
      const brute = enumerateOffloading(inst);
      const tol = 1e-9 * Math.max(1, Math.abs(brute.cost));
      assert.ok(Math.abs(sol.cost - brute.cost) <= tol, `${sol.cost} vs ${brute.cost}`);
      let used = 0;
      sol.tasks.forEach((o, i) => {
        const t = inst.tasks[i] as OffloadTask;
        assert.ok(Number.isFinite(o.cost));
        assert.ok(o.timeS <= t.deadlineS * (1 + 1e-9), "C2");
        assert.ok(o.memoryMB <= t.maxMemoryMB, "C4");
        if (o.offload) {
          assert.ok(t.rateBps >= t.minRateBps, "C3");
          assert.ok(o.serverHz > 0 && o.serverHz <= inst.serverFreqHz * (1 + 1e-12), "C6");
          used += o.serverHz;
        }
      });
      if (inst.serverCapacityHz !== undefined)
        assert.ok(used <= inst.serverCapacityHz * (1 + 1e-9), "capacity");
      const allLocal = evaluateAssignment(
        inst,
        inst.tasks.map(() => 0),
      ).cost;
      assert.ok(sol.cost <= allLocal + tol);
      const pso = solveOffloadingPso(inst, createPrng(seed), { particles: 10, iterations: 20 });
      assert.ok(pso.cost >= sol.cost - tol, `PSO ${pso.cost} below exact ${sol.cost}`);
    }),
    { seed: 1154, numRuns: 150 },
  );
});
