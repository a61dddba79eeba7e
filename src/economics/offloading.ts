/**
 * BEdgeHealth (Sec. IV-B) offloading problem P1, solved exactly.
 *
 *   min_x Σ_n α_t T_n + α_e E_n + α_m M_n                                         (P1)
 *   T_n = (1 − x_n) T_n^local + x_n T_n^offload, likewise E_n (6) and M_n (7)
 *   T^local = D X^l / f^l (1);  T^offload = D X^enc / f^l + D / R_n + D X^e / f_n^e (2)
 *   E^offload = E^enc + p_n D / R_n (3–4)
 *   C1 x_n ∈ {0,1}; C2 T_n ≤ T_n^max; C3 R_n ≥ R_n^min (for an offloaded task); C4 M_n ≤ M_n^max;
 *   C5 0 < p_n ≤ P_n (input check: the model has no rate–power coupling); C6 0 < f_n^e ≤ f^e.
 *
 * The server frequency f_n^e of an offloaded task is chosen with x (the objective falls as f_n^e
 * rises). With C6 as printed (a per-task cap) every task takes f^e and P1 separates into N
 * independent two-way choices. Optionally the server has a total capacity Σ_n x_n f_n^e ≤ F
 * (`serverCapacityHz`); when the separable choice fits in F it is still optimal, otherwise the
 * tasks are coupled: for a fixed offload set the best allocation is a water-filling (KKT:
 * f_n = clamp(s√cycles_n, lo_n, f^e), lo_n the deadline minimum), and the set is found by
 * depth-first branch-and-bound with a Lagrangian bound on the capacity constraint.
 * Workloads are total cycles per task (D·X of eqs. 1–2; see docs/deviations.md).
 */
import { ConsortiaError, registerErrorCodes } from "../errors.js";
import type { BinaryPsoOptions, RandomSource } from "./pso.js";
import { binaryPso } from "./pso.js";
import { EconErrors, ensureFinite, infeasible, requireNonNegative, requirePositive } from "./validate.js";

export const OffloadingErrors = registerErrorCodes({
  /** Branch-and-bound exceeded its node budget (details: {nodes, maxNodes, tasks}). */
  OFFLOADING_SEARCH_LIMIT: { num: 1150, http: 422 },
});

export interface OffloadTask {
  /** D_n, input size in bits. */
  readonly sizeBits: number;
  /** D_n·X_n^l: CPU cycles to run the task on the device. */
  readonly localCycles: number;
  /** D_n·X_n^e: CPU cycles to run the task on the server. */
  readonly remoteCycles: number;
  /** f_n^l (Hz). */
  readonly localFreqHz: number;
  /** T_n^max (s). */
  readonly deadlineS: number;
  /** R_n (bit/s). */
  readonly rateBps: number;
  /** R_n^min (bit/s). */
  readonly minRateBps: number;
  /** p_n (W). */
  readonly txPowerW: number;
  /** P_n (W). */
  readonly maxTxPowerW: number;
  /** E_n^local (J). */
  readonly localEnergyJ: number;
  /** D_n X_n^enc / f_n^l (s): encryption time on the device. */
  readonly encryptTimeS: number;
  /** E_n^enc (J). */
  readonly encryptEnergyJ: number;
  /** M_n^local (MB). */
  readonly localMemoryMB: number;
  /** M_n^offload (MB). */
  readonly offloadMemoryMB: number;
  /** M_n^max (MB). */
  readonly maxMemoryMB: number;
  /** Propagation delay to the server (s); 0 for an edge server next to the access point. */
  readonly extraLatencyS?: number;
}

export interface OffloadWeights {
  /** α_t ≥ 0. */
  readonly time: number;
  /** α_e ≥ 0. */
  readonly energy: number;
  /** α_m ≥ 0. */
  readonly memory: number;
}

export interface OffloadingInstance {
  readonly tasks: readonly OffloadTask[];
  readonly weights: OffloadWeights;
  /** f^e of C6: most server cycles per second one task can get. */
  readonly serverFreqHz: number;
  /** Optional total server capacity F ≥ Σ x_n f_n^e; absent: C6 as printed (no coupling). */
  readonly serverCapacityHz?: number;
}

export interface TaskOutcome {
  readonly offload: boolean;
  /** f_n^e allocated (0 when local). */
  readonly serverHz: number;
  readonly timeS: number;
  readonly energyJ: number;
  readonly memoryMB: number;
  /** α_t T + α_e E + α_m M. */
  readonly cost: number;
}

export type OffloadingMethod = "separable" | "branch-and-bound" | "pso" | "fixed";

export interface OffloadingSolution {
  readonly decisions: number[];
  readonly serverHz: number[];
  readonly tasks: TaskOutcome[];
  readonly cost: number;
  readonly totalTimeS: number;
  readonly totalEnergyJ: number;
  readonly totalMemoryMB: number;
  readonly method: OffloadingMethod;
  /** Branch-and-bound nodes, or PSO objective evaluations. */
  readonly work: number;
  /** The total server capacity constrains the offload set (coupled case). */
  readonly budgetBinding: boolean;
}

export function validateOffloadingInstance(inst: OffloadingInstance): void {
  if (!Array.isArray(inst.tasks) || inst.tasks.length === 0) {
    infeasible("tasks", "at least one task", Array.isArray(inst.tasks) ? 0 : typeof inst.tasks);
  }
  const w = inst.weights;
  requireNonNegative("weights.time", w.time);
  requireNonNegative("weights.energy", w.energy);
  requireNonNegative("weights.memory", w.memory);
  requirePositive("weights.time + weights.energy + weights.memory", w.time + w.energy + w.memory);
  requirePositive("server_freq_hz", inst.serverFreqHz);
  if (inst.serverCapacityHz !== undefined) requirePositive("server_capacity_hz", inst.serverCapacityHz);
  inst.tasks.forEach((t, i) => {
    const k = (f: string): string => `tasks[${i}].${f}`;
    requirePositive(k("size_bits"), t.sizeBits);
    requirePositive(k("local_cycles"), t.localCycles);
    requirePositive(k("remote_cycles"), t.remoteCycles);
    requirePositive(k("local_freq_hz"), t.localFreqHz);
    requirePositive(k("deadline_s"), t.deadlineS);
    requirePositive(k("rate_bps"), t.rateBps);
    requireNonNegative(k("min_rate_bps"), t.minRateBps);
    requirePositive(k("max_tx_power_w"), t.maxTxPowerW);
    requirePositive(k("tx_power_w"), t.txPowerW);
    // C5 is a property of the input here, not a decision.
    if (!(t.txPowerW <= t.maxTxPowerW)) {
      throw new ConsortiaError(
        EconErrors.ECON_INVALID_PARAM,
        `invalid parameter ${k("tx_power_w")}: must satisfy 0 < tx_power_w <= max_tx_power_w (C5) (got ${t.txPowerW})`,
        { param: k("tx_power_w"), condition: "0 < tx_power_w <= max_tx_power_w (C5)", value: t.txPowerW },
      );
    }
    requireNonNegative(k("local_energy_j"), t.localEnergyJ);
    requireNonNegative(k("encrypt_time_s"), t.encryptTimeS);
    requireNonNegative(k("encrypt_energy_j"), t.encryptEnergyJ);
    requireNonNegative(k("local_memory_mb"), t.localMemoryMB);
    requireNonNegative(k("offload_memory_mb"), t.offloadMemoryMB);
    requirePositive(k("max_memory_mb"), t.maxMemoryMB);
    if (t.extraLatencyS !== undefined) requireNonNegative(k("extra_latency_s"), t.extraLatencyS);
  });
}

/** Per-task constants of P1 after weighting; Infinity marks an infeasible mode. */
export interface PreparedInstance {
  readonly n: number;
  readonly wT: number;
  /** Weighted local cost, or Infinity when C2/C4 fail locally. */
  readonly localCost: Float64Array;
  /** Weighted offload cost without the server-time term, or Infinity when offloading is infeasible. */
  readonly offloadBase: Float64Array;
  readonly cycles: Float64Array;
  /** Deadline minimum server frequency (C2), and the C6 cap. */
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly capacity: number;
  /** Fixed offload time (encryption + transmission + propagation). */
  readonly fixedTime: Float64Array;
}

export function prepareOffloading(inst: OffloadingInstance): PreparedInstance {
  validateOffloadingInstance(inst);
  const n = inst.tasks.length;
  const { time: wT, energy: wE, memory: wM } = inst.weights;
  const localCost = new Float64Array(n);
  const offloadBase = new Float64Array(n);
  const cycles = new Float64Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const fixedTime = new Float64Array(n);
  inst.tasks.forEach((t, i) => {
    const tLocal = t.localCycles / t.localFreqHz;
    const localOk = tLocal <= t.deadlineS && t.localMemoryMB <= t.maxMemoryMB;
    localCost[i] = localOk
      ? wT * tLocal + wE * t.localEnergyJ + wM * t.localMemoryMB
      : Number.POSITIVE_INFINITY;
    const tx = t.sizeBits / t.rateBps;
    const tFixed = t.encryptTimeS + tx + (t.extraLatencyS ?? 0);
    fixedTime[i] = tFixed;
    cycles[i] = t.remoteCycles;
    hi[i] = inst.serverFreqHz;
    const slack = t.deadlineS - tFixed;
    lo[i] = slack > 0 ? t.remoteCycles / slack : Number.POSITIVE_INFINITY;
    const offOk =
      t.rateBps >= t.minRateBps && t.offloadMemoryMB <= t.maxMemoryMB && slack > 0 && lo[i]! <= hi[i]!;
    offloadBase[i] = offOk
      ? wT * tFixed + wE * (t.encryptEnergyJ + t.txPowerW * tx) + wM * t.offloadMemoryMB
      : Number.POSITIVE_INFINITY;
    if (!localOk && !offOk) {
      infeasible(
        `tasks[${i}]`,
        "local execution (T <= T_max, M <= M_max) or offloading (R >= R_min, T <= T_max, M <= M_max, f^e) feasible",
        `local ${tLocal} s, offload fixed ${tFixed} s`,
      );
    }
  });
  return {
    n,
    wT,
    localCost,
    offloadBase,
    cycles,
    lo,
    hi,
    capacity: inst.serverCapacityHz ?? Number.POSITIVE_INFINITY,
    fixedTime,
  };
}

/**
 * min Σ cycles_n / f_n s.t. lo_n ≤ f_n ≤ hi_n, Σ f_n ≤ capacity, over the tasks in idx.
 * KKT: f_n = clamp(s·√cycles_n, lo_n, hi_n) with s set so the capacity is used exactly (or f = hi
 * when Σ hi fits). Returns f indexed by task (0 outside idx), or null when Σ lo exceeds the
 * capacity. Exact up to rounding: s solves the linear piece of Σ f(s) that crosses the capacity.
 */
export function allocateServer(
  cycles: ArrayLike<number>,
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  capacity: number,
  idx: readonly number[],
): Float64Array | null {
  let n = 0;
  for (const i of idx) n = Math.max(n, i + 1);
  const out = new Float64Array(Math.max(n, cycles.length));
  let sumLo = 0;
  let sumHi = 0;
  for (const i of idx) {
    sumLo += lo[i] as number;
    sumHi += hi[i] as number;
  }
  if (sumHi <= capacity) {
    for (const i of idx) out[i] = hi[i] as number;
    return out;
  }
  if (sumLo > capacity * (1 + 1e-12)) return null;
  // Sweep s upward through the breakpoints where a task leaves lo (even slot) or reaches hi (odd).
  const k = idx.length;
  const at = new Float64Array(2 * k);
  const order: number[] = [];
  for (let j = 0; j < k; j++) {
    const i = idx[j] as number;
    const r = Math.sqrt(cycles[i] as number);
    at[2 * j] = (lo[i] as number) / r;
    at[2 * j + 1] = (hi[i] as number) / r;
    order.push(2 * j, 2 * j + 1);
  }
  order.sort((x, y) => (at[x] as number) - (at[y] as number) || (x & 1) - (y & 1));
  let fixed = sumLo;
  let slope = 0;
  let s = at[order[order.length - 1] as number] as number;
  for (const e of order) {
    const se = at[e] as number;
    if (slope > 0 && fixed + slope * se >= capacity) {
      s = (capacity - fixed) / slope;
      break;
    }
    const i = idx[e >> 1] as number;
    const r = Math.sqrt(cycles[i] as number);
    if ((e & 1) === 0) {
      fixed -= lo[i] as number;
      slope += r;
    } else {
      fixed += hi[i] as number;
      slope -= r;
    }
  }
  for (const i of idx) {
    const f = s * Math.sqrt(cycles[i] as number);
    out[i] = Math.min(hi[i] as number, Math.max(lo[i] as number, f));
  }
  return out;
}

/** Exact P1 cost of a full assignment with the optimal allocation; Infinity if infeasible. */
export function assignmentCost(prep: PreparedInstance, x: ArrayLike<number>): number {
  let cost = 0;
  const off: number[] = [];
  for (let i = 0; i < prep.n; i++) {
    if (x[i] === 1) {
      cost += prep.offloadBase[i] as number;
      off.push(i);
    } else cost += prep.localCost[i] as number;
  }
  if (!Number.isFinite(cost)) return Number.POSITIVE_INFINITY;
  if (off.length === 0) return cost;
  const alloc = allocateServer(prep.cycles, prep.lo, prep.hi, prep.capacity, off);
  if (alloc === null) return Number.POSITIVE_INFINITY;
  for (const i of off) cost += (prep.wT * (prep.cycles[i] as number)) / (alloc[i] as number);
  return cost;
}

/** Metrics of an assignment (feasible or not: C2 may be violated when a mode is forced). */
export function evaluateAssignment(
  inst: OffloadingInstance,
  decisions: readonly number[],
  method: OffloadingMethod = "fixed",
  work = 0,
): OffloadingSolution {
  validateOffloadingInstance(inst);
  const n = inst.tasks.length;
  if (decisions.length !== n || decisions.some((d) => d !== 0 && d !== 1)) {
    infeasible("decisions", `decisions is a 0/1 array of length ${n}`, decisions.length);
  }
  const off = decisions.flatMap((d, i) => (d === 1 ? [i] : []));
  const cycles = inst.tasks.map((t) => t.remoteCycles);
  // A forced offload ignores the deadline floor (lo = tiny) so metrics exist even when C2 fails.
  const lo = inst.tasks.map((t) => {
    const slack = t.deadlineS - t.encryptTimeS - t.sizeBits / t.rateBps - (t.extraLatencyS ?? 0);
    return slack > 0 ? Math.min(inst.serverFreqHz, t.remoteCycles / slack) : 0;
  });
  const hi = inst.tasks.map(() => inst.serverFreqHz);
  const cap = inst.serverCapacityHz ?? Number.POSITIVE_INFINITY;
  const alloc =
    allocateServer(cycles, lo, hi, cap, off) ??
    allocateServer(
      cycles,
      lo.map(() => 0),
      hi,
      cap,
      off,
    );
  const { time: wT, energy: wE, memory: wM } = inst.weights;
  const tasks: TaskOutcome[] = inst.tasks.map((t, i) => {
    if (decisions[i] === 1) {
      const f = alloc?.[i] ?? 0;
      const tx = t.sizeBits / t.rateBps;
      const timeS = t.encryptTimeS + tx + (t.extraLatencyS ?? 0) + t.remoteCycles / f;
      const energyJ = t.encryptEnergyJ + t.txPowerW * tx;
      const memoryMB = t.offloadMemoryMB;
      return {
        offload: true,
        serverHz: f,
        timeS,
        energyJ,
        memoryMB,
        cost: wT * timeS + wE * energyJ + wM * memoryMB,
      };
    }
    const timeS = t.localCycles / t.localFreqHz;
    const energyJ = t.localEnergyJ;
    const memoryMB = t.localMemoryMB;
    return {
      offload: false,
      serverHz: 0,
      timeS,
      energyJ,
      memoryMB,
      cost: wT * timeS + wE * energyJ + wM * memoryMB,
    };
  });
  const sum = (f: (o: TaskOutcome) => number): number => tasks.reduce((s, o) => s + f(o), 0);
  const sumHi = off.length * inst.serverFreqHz;
  return {
    decisions: [...decisions],
    serverHz: tasks.map((o) => o.serverHz),
    tasks,
    cost: ensureFinite(
      "cost",
      sum((o) => o.cost),
    ),
    totalTimeS: sum((o) => o.timeS),
    totalEnergyJ: sum((o) => o.energyJ),
    totalMemoryMB: sum((o) => o.memoryMB),
    method,
    work,
    budgetBinding: sumHi > cap,
  };
}

/** Offload iff cheaper with the full per-task frequency: optimal whenever the capacity does not bind. */
function separableChoice(prep: PreparedInstance): Uint8Array {
  const x = new Uint8Array(prep.n);
  for (let i = 0; i < prep.n; i++) {
    const off =
      (prep.offloadBase[i] as number) + (prep.wT * (prep.cycles[i] as number)) / (prep.hi[i] as number);
    x[i] = off < (prep.localCost[i] as number) ? 1 : 0;
  }
  return x;
}

export interface ExactOptions {
  /** Node budget for branch-and-bound (default 2,000,000); exceeding it throws OFFLOADING_SEARCH_LIMIT. */
  readonly maxNodes?: number;
}

/** Exact solution of P1. */
export function solveOffloading(inst: OffloadingInstance, opts: ExactOptions = {}): OffloadingSolution {
  const prep = prepareOffloading(inst);
  const sep = separableChoice(prep);
  let offHi = 0;
  for (let i = 0; i < prep.n; i++) if (sep[i] === 1) offHi += prep.hi[i] as number;
  if (offHi <= prep.capacity) return evaluateAssignment(inst, Array.from(sep), "separable", 0);
  let forcedLo = 0;
  for (let i = 0; i < prep.n; i++)
    if (!Number.isFinite(prep.localCost[i] as number)) forcedLo += prep.lo[i] as number;
  if (forcedLo > prep.capacity * (1 + 1e-12)) {
    infeasible(
      "server_capacity_hz",
      "server capacity covers the deadline minimum frequencies of the tasks that cannot run locally",
      prep.capacity,
    );
  }
  const { x, nodes } = branchAndBound(prep, opts.maxNodes ?? 2_000_000);
  return { ...evaluateAssignment(inst, Array.from(x), "branch-and-bound", nodes), budgetBinding: true };
}

/** φ(ν) = min over f ∈ [lo, hi] of w·c/f + ν f, and its minimiser. */
function phi(wT: number, c: number, lo: number, hi: number, nu: number): { v: number; f: number } {
  let f: number;
  if (nu <= 0) f = hi;
  else if (wT <= 0) f = lo;
  else f = Math.min(hi, Math.max(lo, Math.sqrt((wT * c) / nu)));
  return { v: (wT * c) / f + nu * f, f };
}

interface Bound {
  lb: number;
  nu: number;
  /** Lagrangian argmin at nu, as a completion of the node. */
  guess: Uint8Array;
}

/**
 * Lagrangian dual bound of a node: assign[i] ∈ {−1 free, 0 local, 1 offload}. Any ν ≥ 0 gives a
 * valid bound (weak duality); the concave dual is maximised by bisection on its supergradient in
 * log ν. Returns lb = Infinity when the fixed part alone cannot meet the capacity.
 */
function lagrangianBound(prep: PreparedInstance, assign: Int8Array): Bound {
  const { n, wT, capacity } = prep;
  let sumLoFixed = 0;
  for (let i = 0; i < n; i++) {
    const forced = assign[i] === 1 || (assign[i] === -1 && !Number.isFinite(prep.localCost[i] as number));
    if (forced) sumLoFixed += prep.lo[i] as number;
  }
  const guess = new Uint8Array(n);
  if (sumLoFixed > capacity * (1 + 1e-12)) return { lb: Number.POSITIVE_INFINITY, nu: 0, guess };
  const evalAt = (nu: number, fill: boolean): { lb: number; g: number } => {
    let lb = -nu * capacity;
    let g = -capacity;
    for (let i = 0; i < n; i++) {
      const a = assign[i];
      const L = prep.localCost[i] as number;
      if (a === 0) {
        lb += L;
        if (fill) guess[i] = 0;
        continue;
      }
      const p = phi(wT, prep.cycles[i] as number, prep.lo[i] as number, prep.hi[i] as number, nu);
      const off = (prep.offloadBase[i] as number) + p.v;
      if (a === 1 || off < L) {
        lb += off;
        g += p.f;
        if (fill) guess[i] = 1;
      } else {
        lb += L;
        if (fill) guess[i] = 0;
      }
    }
    return { lb, g };
  };
  let best = evalAt(0, true);
  let bestNu = 0;
  if (best.g > 0) {
    // Past nuMax every free task prefers local or sits at lo, so the supergradient is ≤ 0 there.
    let nuMax = 0;
    for (let i = 0; i < n; i++) {
      const loI = prep.lo[i] as number;
      nuMax = Math.max(nuMax, (wT * (prep.cycles[i] as number)) / (loI * loI));
      const gap = (prep.localCost[i] as number) - (prep.offloadBase[i] as number);
      if (Number.isFinite(gap)) nuMax = Math.max(nuMax, gap / loI);
    }
    nuMax = nuMax * 2 + Number.MIN_VALUE;
    let logLo = Math.log(nuMax) - 60;
    let logHi = Math.log(nuMax);
    for (let it = 0; it < 64; it++) {
      const nu = Math.exp((logLo + logHi) / 2);
      const r = evalAt(nu, false);
      if (r.lb > best.lb) {
        best = r;
        bestNu = nu;
      }
      if (r.g > 0) logLo = Math.log(nu);
      else logHi = Math.log(nu);
    }
    evalAt(bestNu, true);
  }
  return { lb: best.lb, nu: bestNu, guess };
}

function branchAndBound(prep: PreparedInstance, maxNodes: number): { x: Uint8Array; nodes: number } {
  const n = prep.n;
  const assign = new Int8Array(n).fill(-1);
  // Single-mode tasks are fixed up front.
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(prep.localCost[i] as number)) assign[i] = 1;
    else if (!Number.isFinite(prep.offloadBase[i] as number)) assign[i] = 0;
  }
  let bestX = improve(prep, separableRepair(prep));
  let bestCost = assignmentCost(prep, bestX);
  const root = lagrangianBound(prep, assign);
  const fromRoot = improve(prep, root.guess);
  const rootCost = assignmentCost(prep, fromRoot);
  if (rootCost < bestCost) {
    bestCost = rootCost;
    bestX = fromRoot;
  }
  // Branch on the tasks whose two modes differ most first.
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => assign[i] === -1)
    .sort((i, j) => modeGap(prep, j) - modeGap(prep, i) || i - j);
  let nodes = 0;
  const tol = (c: number): number => 1e-12 * Math.max(1, Math.abs(c));
  const visit = (depth: number): void => {
    nodes++;
    if (nodes > maxNodes) {
      throw new ConsortiaError(
        OffloadingErrors.OFFLOADING_SEARCH_LIMIT,
        `branch-and-bound exceeded max_nodes = ${maxNodes} for ${n} tasks`,
        { nodes, maxNodes, tasks: n },
      );
    }
    if (depth === order.length) {
      const c = assignmentCost(prep, assign);
      if (c < bestCost - tol(bestCost)) {
        bestCost = c;
        bestX = Uint8Array.from(assign, (v) => (v === 1 ? 1 : 0));
      }
      return;
    }
    const b = lagrangianBound(prep, assign);
    if (!(b.lb < bestCost - tol(bestCost))) return;
    const c = assignmentCost(prep, b.guess);
    if (c < bestCost - tol(bestCost)) {
      bestCost = c;
      bestX = b.guess.slice();
    }
    const i = order[depth] as number;
    const first = b.guess[i] === 1 ? 1 : 0;
    for (const v of [first, 1 - first]) {
      assign[i] = v;
      visit(depth + 1);
    }
    assign[i] = -1;
  };
  visit(0);
  return { x: bestX, nodes };
}

function modeGap(prep: PreparedInstance, i: number): number {
  const off =
    (prep.offloadBase[i] as number) + (prep.wT * (prep.cycles[i] as number)) / (prep.hi[i] as number);
  return Math.abs((prep.localCost[i] as number) - off);
}

/** Separable choice with offloaded tasks dropped (largest lo first) until Σ lo fits. */
function separableRepair(prep: PreparedInstance): Uint8Array {
  const x = separableChoice(prep);
  for (let i = 0; i < prep.n; i++) if (!Number.isFinite(prep.localCost[i] as number)) x[i] = 1;
  return repair(prep, x);
}

function repair(prep: PreparedInstance, x: Uint8Array): Uint8Array {
  const out = x.slice();
  for (let i = 0; i < prep.n; i++) {
    if (!Number.isFinite(prep.localCost[i] as number)) out[i] = 1;
    else if (!Number.isFinite(prep.offloadBase[i] as number)) out[i] = 0;
  }
  let sumLo = 0;
  for (let i = 0; i < prep.n; i++) if (out[i] === 1) sumLo += prep.lo[i] as number;
  const movable = Array.from({ length: prep.n }, (_, i) => i)
    .filter((i) => out[i] === 1 && Number.isFinite(prep.localCost[i] as number))
    .sort((i, j) => (prep.lo[j] as number) - (prep.lo[i] as number));
  for (const i of movable) {
    if (sumLo <= prep.capacity) break;
    out[i] = 0;
    sumLo -= prep.lo[i] as number;
  }
  return out;
}

/** First-improvement single-flip local search from x (kept feasible). */
function improve(prep: PreparedInstance, x0: Uint8Array): Uint8Array {
  const x = repair(prep, x0);
  let cost = assignmentCost(prep, x);
  for (let pass = 0; pass < 4 * prep.n; pass++) {
    let changed = false;
    for (let i = 0; i < prep.n; i++) {
      x[i] = 1 - (x[i] as number);
      const c = assignmentCost(prep, x);
      if (c < cost - 1e-12 * Math.max(1, cost)) {
        cost = c;
        changed = true;
      } else x[i] = 1 - (x[i] as number);
    }
    if (!changed) break;
  }
  return x;
}

/**
 * P1 by binary particle swarm optimisation, as the papers do (their PSO runs on the phone). Modes a
 * task cannot use are fixed before the swarm runs; an offload set whose deadline minima exceed the
 * server capacity is penalised, and the final answer is repaired onto a feasible set.
 */
export function solveOffloadingPso(
  inst: OffloadingInstance,
  rng: RandomSource,
  opts: BinaryPsoOptions = {},
): OffloadingSolution {
  const prep = prepareOffloading(inst);
  let worst = 0;
  for (let i = 0; i < prep.n; i++) {
    const L = prep.localCost[i] as number;
    const A =
      (prep.offloadBase[i] as number) + (prep.wT * (prep.cycles[i] as number)) / (prep.lo[i] as number);
    worst += Math.max(Number.isFinite(L) ? L : 0, Number.isFinite(A) ? A : 0);
  }
  const penalty = 10 * (worst + 1);
  const fixedBits = (bits: Uint8Array): Uint8Array => {
    const x = bits.slice();
    for (let i = 0; i < prep.n; i++) {
      if (!Number.isFinite(prep.localCost[i] as number)) x[i] = 1;
      else if (!Number.isFinite(prep.offloadBase[i] as number)) x[i] = 0;
    }
    return x;
  };
  const objective = (bits: Uint8Array): number => {
    const x = fixedBits(bits);
    const c = assignmentCost(prep, x);
    if (Number.isFinite(c)) return c;
    let sumLo = 0;
    for (let i = 0; i < prep.n; i++) if (x[i] === 1) sumLo += prep.lo[i] as number;
    return penalty * (1 + sumLo / prep.capacity);
  };
  const res = binaryPso(prep.n, objective, rng, opts);
  const x = repair(prep, fixedBits(res.best));
  const sol = evaluateAssignment(inst, Array.from(x), "pso", res.evaluations);
  return sol;
}
