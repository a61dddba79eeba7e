import assert from "node:assert/strict";
import { test } from "node:test";
import {
  allocateServer,
  evaluateAssignment,
  type OffloadingInstance,
  solveOffloading,
  solveOffloadingPso,
} from "../../src/economics/offloading.js";
import { buildTask, randomOffloadingInstance } from "../../src/economics/offloadingScenario.js";
import { isConsortiaError } from "../../src/errors.js";
import { createPrng } from "../../src/sim/prng.js";
import { relClose } from "./bruteForce.js";
import { enumerateOffloading } from "./offloadingBrute.js";

const W = { time: 1 / 3, energy: 1 / 3, memory: 1 / 3 };
const AES = 1e8;

function checkFeasible(inst: OffloadingInstance, sol: ReturnType<typeof solveOffloading>): void {
  let used = 0;
  sol.tasks.forEach((o, i) => {
    const t = inst.tasks[i];
    assert.ok(t !== undefined);
    assert.ok(o.timeS <= t.deadlineS * (1 + 1e-9), `C2 task ${i}: ${o.timeS}`);
    assert.ok(o.memoryMB <= t.maxMemoryMB, `C4 task ${i}`);
    if (o.offload) {
      assert.ok(t.rateBps >= t.minRateBps, `C3 task ${i}`);
      assert.ok(o.serverHz > 0 && o.serverHz <= inst.serverFreqHz * (1 + 1e-12), `C6 task ${i}`);
      used += o.serverHz;
    }
  });
  if (inst.serverCapacityHz !== undefined) assert.ok(used <= inst.serverCapacityHz * (1 + 1e-9), "capacity");
}

test("allocateServer: the water-filling allocation beats every random feasible allocation", () => {
  const r = createPrng(11);
  for (let n = 0; n < 80; n++) {
    const k = r.int(1, 6);
    const idx = Array.from({ length: k }, (_, i) => i);
    const cycles = idx.map(() => r.uniform(0.5e9, 2e9));
    const lo = idx.map(() => r.uniform(0, 1e9));
    const hi = lo.map((l) => l + r.uniform(0.1e9, 5e9));
    const sumLo = lo.reduce((a, b) => a + b, 0);
    const cap = sumLo + r.uniform(0, 6e9);
    const f = allocateServer(cycles, lo, hi, cap, idx);
    assert.ok(f !== null);
    const cost = (g: readonly number[]) => g.reduce((s, gi, i) => s + (cycles[i] as number) / gi, 0);
    const mine = idx.map((i) => f[i] as number);
    assert.ok(
      mine.every((v, i) => v >= (lo[i] as number) * (1 - 1e-12) && v <= (hi[i] as number) * (1 + 1e-12)),
    );
    assert.ok(mine.reduce((a, b) => a + b, 0) <= cap * (1 + 1e-12));
    for (let trial = 0; trial < 30; trial++) {
      // Random point of the feasible set: lo + a random share of the slack, capped at hi.
      const w = idx.map(() => r.next());
      const ws = w.reduce((a, b) => a + b, 0);
      const slack =
        Math.min(
          cap,
          hi.reduce((a, b) => a + b, 0),
        ) - sumLo;
      const g = idx.map((i) =>
        Math.min(hi[i] as number, (lo[i] as number) + ((w[i] as number) / ws) * slack * r.next()),
      );
      assert.ok(cost(mine) <= cost(g) * (1 + 1e-12), `allocation ${cost(mine)} > ${cost(g)}`);
    }
    // KKT: every task strictly inside its bounds has the same marginal value cycles/f².
    const marg = idx
      .filter((i) => {
        const v = mine[i] as number;
        return v > (lo[i] as number) * (1 + 1e-9) && v < (hi[i] as number) * (1 - 1e-9);
      })
      .map((i) => (cycles[i] as number) / (mine[i] as number) ** 2);
    for (const m of marg) assert.ok(relClose(m, marg[0] as number, 1e-9));
  }
  assert.equal(allocateServer([1e9, 1e9], [3e9, 3e9], [5e9, 5e9], 5e9, [0, 1]), null);
});

test("exact solver equals exhaustive enumeration for coupled instances with n ≤ 16", () => {
  const r = createPrng(1153);
  let coupled = 0;
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16]) {
    const cap = r.uniform(2e9, 15e9);
    const w = r.next() < 0.5 ? W : { time: r.next(), energy: r.next(), memory: r.next() * 0.1 };
    const inst = randomOffloadingInstance(r, n, {
      weights: w,
      aesBytesPerSecond: AES,
      serverCapacityHz: cap,
    });
    const sol = solveOffloading(inst);
    const brute = enumerateOffloading(inst);
    assert.ok(relClose(sol.cost, brute.cost, 1e-9), `n=${n}: ${sol.cost} vs ${brute.cost}`);
    if (sol.method === "branch-and-bound") coupled++;
    checkFeasible(inst, sol);
  }
  assert.ok(coupled >= 6, `coupled instances: ${coupled}`);
});

test("without a total capacity (C6 as printed) P1 separates: each task takes its cheaper mode", () => {
  const r = createPrng(3);
  const base = randomOffloadingInstance(r, 12, { weights: W, aesBytesPerSecond: AES });
  const { serverCapacityHz: _drop, ...rest } = base;
  const inst: OffloadingInstance = rest;
  const sol = solveOffloading(inst);
  assert.equal(sol.method, "separable");
  assert.equal(sol.budgetBinding, false);
  sol.tasks.forEach((o, i) => {
    const local = evaluateAssignment({ ...inst, tasks: [inst.tasks[i]!] }, [0]).tasks[0]!;
    const off = evaluateAssignment({ ...inst, tasks: [inst.tasks[i]!] }, [1]).tasks[0]!;
    const offOk = off.timeS <= inst.tasks[i]!.deadlineS;
    assert.ok(relClose(o.cost, offOk ? Math.min(local.cost, off.cost) : local.cost, 1e-12));
  });
  assert.ok(relClose(sol.cost, enumerateOffloading(inst).cost, 1e-12));
});

test("PSO is deterministic for a seed and never beats the exact optimum", () => {
  const r = createPrng(5);
  for (const n of [4, 12, 24]) {
    const inst = randomOffloadingInstance(r, n, { weights: W, aesBytesPerSecond: AES });
    const exact = solveOffloading(inst);
    const a = solveOffloadingPso(inst, createPrng(42));
    const b = solveOffloadingPso(inst, createPrng(42));
    assert.deepEqual(a.decisions, b.decisions);
    assert.equal(a.cost, b.cost);
    assert.equal(a.method, "pso");
    assert.ok(a.cost >= exact.cost * (1 - 1e-12), `PSO ${a.cost} < exact ${exact.cost}`);
    checkFeasible(inst, a);
  }
});

test("a task neither mode can serve is a typed infeasibility; bad inputs name the field", () => {
  const task = buildTask({ sizeBytes: 1e6, cycles: 20e9, rateBps: 0.4e6 }, "edge", AES); // 20 s locally, R < R_min
  assert.throws(
    () => solveOffloading({ tasks: [task], weights: W, serverFreqHz: 5e9 }),
    (e: unknown) => isConsortiaError(e, "ECON_INFEASIBLE") && e.details.param === "tasks[0]",
  );
  const ok = buildTask({ sizeBytes: 2e5, cycles: 1e9 }, "edge", AES);
  const cases: Array<[string, OffloadingInstance]> = [
    ["tasks[0].tx_power_w", { tasks: [{ ...ok, txPowerW: 0.03 }], weights: W, serverFreqHz: 5e9 }],
    ["tasks[0].size_bits", { tasks: [{ ...ok, sizeBits: -1 }], weights: W, serverFreqHz: 5e9 }],
    ["server_freq_hz", { tasks: [ok], weights: W, serverFreqHz: 0 }],
    ["weights.time", { tasks: [ok], weights: { ...W, time: Number.NaN }, serverFreqHz: 5e9 }],
    [
      "weights.time + weights.energy + weights.memory",
      { tasks: [ok], weights: { time: 0, energy: 0, memory: 0 }, serverFreqHz: 5e9 },
    ],
    ["server_capacity_hz", { tasks: [ok], weights: W, serverFreqHz: 5e9, serverCapacityHz: -1 }],
  ];
  for (const [param, inst] of cases) {
    assert.throws(
      () => solveOffloading(inst),
      (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM") && e.details.param === param,
      param,
    );
  }
});

test("branch-and-bound reports its node budget with a typed error", () => {
  const inst = randomOffloadingInstance(createPrng(9), 20, { weights: W, aesBytesPerSecond: AES });
  assert.throws(
    () => solveOffloading(inst, { maxNodes: 0 }),
    (e: unknown) => isConsortiaError(e, "OFFLOADING_SEARCH_LIMIT"),
  );
});
