/**
 * The BEdgeHealth / edge-cloud evaluation setting (BEdgeHealth Sec. VI-A) as P1 instances, and the
 * local / edge / cloud comparison of their Figs. 4–5. The papers measured energy, time and memory on
 * a phone; here every quantity they did not state is a documented model assumption (ASSUMED,
 * docs/economics-offloading.md), and the encryption rate is an input (measured by src/sim/measureAes.ts).
 */
import type { OffloadingInstance, OffloadTask, OffloadWeights } from "./offloading.js";
import { evaluateAssignment, solveOffloading } from "./offloading.js";
import type { RandomSource } from "./pso.js";
import { requireInteger, requirePositive } from "./validate.js";

/** Values the paper states (Sec. VI-A). */
export const PAPER = {
  workloadMinCycles: 0.8e9,
  workloadMaxCycles: 1.5e9,
  deadlineS: 10,
  localFreqHz: 1e9,
  edgeFreqHz: 5e9,
  maxTxPowerW: 0.02,
  minRateBps: 0.5e6,
  sizeMinBytes: 200_000,
  sizeMaxBytes: 1_000_000,
} as const;

/** Values the papers leave open, fixed here (not fitted to the papers' curves). */
export const ASSUMED = {
  /** Device→edge rate: the edge-cloud paper's Wi-Fi, "maximum data rate of 11 Mbit/s". */
  edgeRateBps: 11e6,
  /** Device→cloud effective rate: the same Wi-Fi hop followed by a WAN bottleneck at half its rate. */
  cloudRateBps: 5.5e6,
  /** One-way propagation plus request overhead to a remote data centre. */
  cloudLatencyS: 0.1,
  /** Per-task cycles per second in the cloud: twice the edge server. */
  cloudFreqHz: 10e9,
  /** Effective switched capacitance κ: E = κ f² · cycles (the usual MEC device energy model). */
  switchedCapacitance: 1e-27,
  /** The analysis app's resident memory, MB. */
  appMemoryMB: 50,
  /** Local analysis holds the file plus parsed samples: 3 bytes of memory per input byte. */
  localMemoryPerByte: 3,
  /** Offloading holds plaintext and ciphertext buffers: 2 bytes per input byte. */
  offloadMemoryPerByte: 2,
  /** The BEdgeHealth phone's 2 GB memory as M_max. */
  maxMemoryMB: 2048,
} as const;

export type RemoteKind = "edge" | "cloud";

/**
 * Workload of a task of the given size: the paper's X^l range 0.8–1.5 Gcycles mapped affinely onto
 * its size range 200–1000 KB (extrapolated linearly outside it).
 */
export function workloadCycles(sizeBytes: number): number {
  const t = (sizeBytes - PAPER.sizeMinBytes) / (PAPER.sizeMaxBytes - PAPER.sizeMinBytes);
  return PAPER.workloadMinCycles + t * (PAPER.workloadMaxCycles - PAPER.workloadMinCycles);
}

export interface TaskSpec {
  readonly sizeBytes: number;
  readonly cycles: number;
  /** Device→server rate; default ASSUMED.edgeRateBps / cloudRateBps by target. */
  readonly rateBps?: number;
}

/** One P1 task for the given remote target, with AES-256-GCM at `aesBytesPerSecond` on the device. */
export function buildTask(spec: TaskSpec, target: RemoteKind, aesBytesPerSecond: number): OffloadTask {
  requirePositive("size_bytes", spec.sizeBytes);
  requirePositive("cycles", spec.cycles);
  requirePositive("aes_bytes_per_second", aesBytesPerSecond);
  const f = PAPER.localFreqHz;
  const kappa = ASSUMED.switchedCapacitance;
  const encryptTimeS = spec.sizeBytes / aesBytesPerSecond;
  const mb = spec.sizeBytes / 1e6;
  return {
    sizeBits: 8 * spec.sizeBytes,
    localCycles: spec.cycles,
    remoteCycles: spec.cycles,
    localFreqHz: f,
    deadlineS: PAPER.deadlineS,
    rateBps: spec.rateBps ?? (target === "edge" ? ASSUMED.edgeRateBps : ASSUMED.cloudRateBps),
    minRateBps: PAPER.minRateBps,
    txPowerW: PAPER.maxTxPowerW,
    maxTxPowerW: PAPER.maxTxPowerW,
    localEnergyJ: kappa * f * f * spec.cycles,
    encryptTimeS,
    // The device is busy at f^l while encrypting: κ f² · (f · t_enc) cycles.
    encryptEnergyJ: kappa * f * f * f * encryptTimeS,
    localMemoryMB: ASSUMED.appMemoryMB + ASSUMED.localMemoryPerByte * mb,
    offloadMemoryMB: ASSUMED.appMemoryMB + ASSUMED.offloadMemoryPerByte * mb,
    maxMemoryMB: ASSUMED.maxMemoryMB,
    extraLatencyS: target === "cloud" ? ASSUMED.cloudLatencyS : 0,
  };
}

export function serverFreq(target: RemoteKind): number {
  return target === "edge" ? PAPER.edgeFreqHz : ASSUMED.cloudFreqHz;
}

export interface SchemeMetrics {
  readonly timeS: number;
  readonly energyJ: number;
  readonly memoryMB: number;
  readonly cost: number;
  /** The task ran remotely. */
  readonly offloaded: boolean;
  /** C2 (deadline), C3 (rate) and C4 (memory) hold. */
  readonly feasible: boolean;
}

export interface SchemeComparison {
  readonly sizeBytes: number;
  /** Everything on the device. */
  readonly local: SchemeMetrics;
  /** The proposed scheme: P1 solved exactly with the edge server as the offloading target. */
  readonly edge: SchemeMetrics;
  /** The cloud baseline: the task is offloaded to the cloud. */
  readonly cloud: SchemeMetrics;
}

function metrics(inst: OffloadingInstance, decisions: number[], exact: boolean): SchemeMetrics {
  const sol = exact ? solveOffloading(inst) : evaluateAssignment(inst, decisions);
  const o = sol.tasks[0];
  const t = inst.tasks[0];
  if (o === undefined || t === undefined)
    return { timeS: 0, energyJ: 0, memoryMB: 0, cost: 0, offloaded: false, feasible: false };
  const feasible =
    o.timeS <= t.deadlineS * (1 + 1e-12) &&
    o.memoryMB <= t.maxMemoryMB &&
    (!o.offload || t.rateBps >= t.minRateBps);
  return {
    timeS: o.timeS,
    energyJ: o.energyJ,
    memoryMB: o.memoryMB,
    cost: o.cost,
    offloaded: o.offload,
    feasible,
  };
}

/** Local / edge / cloud for one task of `sizeBytes` under the given weights (Figs. 4–5). */
export function compareOffloadingSchemes(
  sizeBytes: number,
  weights: OffloadWeights,
  aesBytesPerSecond: number,
): SchemeComparison {
  const spec = { sizeBytes, cycles: workloadCycles(sizeBytes) };
  const edgeInst: OffloadingInstance = {
    tasks: [buildTask(spec, "edge", aesBytesPerSecond)],
    weights,
    serverFreqHz: PAPER.edgeFreqHz,
  };
  const cloudInst: OffloadingInstance = {
    tasks: [buildTask(spec, "cloud", aesBytesPerSecond)],
    weights,
    serverFreqHz: ASSUMED.cloudFreqHz,
  };
  return {
    sizeBytes,
    local: metrics(edgeInst, [0], false),
    edge: metrics(edgeInst, [0], true),
    cloud: metrics(cloudInst, [1], false),
  };
}

export interface RandomInstanceOptions {
  readonly weights: OffloadWeights;
  readonly aesBytesPerSecond: number;
  /** Total server capacity; default PAPER.edgeFreqHz (the paper's f^e read as the server's total). */
  readonly serverCapacityHz?: number;
  /** Device→edge rates are uniform in [minRateBps, maxRateBps] (default [R_min, 11 Mbps]). */
  readonly minRateBps?: number;
  readonly maxRateBps?: number;
}

/**
 * n devices sharing one edge server: sizes uniform in 200–1000 KB, workloads uniform in the paper's
 * 0.8–1.5 Gcycles, rates uniform in [R_min, 11 Mbps] (large files on slow links miss the deadline if
 * offloaded, so some tasks are local-only).
 */
export function randomOffloadingInstance(
  rng: RandomSource,
  n: number,
  opts: RandomInstanceOptions,
): OffloadingInstance {
  requireInteger("n", n, 1);
  const rMin = opts.minRateBps ?? PAPER.minRateBps;
  const rMax = opts.maxRateBps ?? ASSUMED.edgeRateBps;
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rng.next();
  const tasks: OffloadTask[] = [];
  for (let i = 0; i < n; i++) {
    const sizeBytes = Math.round(u(PAPER.sizeMinBytes, PAPER.sizeMaxBytes));
    const cycles = u(PAPER.workloadMinCycles, PAPER.workloadMaxCycles);
    tasks.push(buildTask({ sizeBytes, cycles, rateBps: u(rMin, rMax) }, "edge", opts.aesBytesPerSecond));
  }
  return {
    tasks,
    weights: opts.weights,
    serverFreqHz: PAPER.edgeFreqHz,
    serverCapacityHz: opts.serverCapacityHz ?? PAPER.edgeFreqHz,
  };
}
