/**
 * Binary particle swarm optimisation (Kennedy & Eberhart 1997) with a linearly decreasing inertia
 * weight (Shi & Eberhart 1998): v ← w v + c1 r1 (pbest − x) + c2 r2 (gbest − x), |v| ≤ vMax,
 * x_d = 1 with probability sigmoid(v_d). Minimises. Deterministic for a given random source.
 */
import { requireInteger, requireNonNegative, requirePositive } from "./validate.js";

/** The part of src/sim/prng.ts's Prng the swarm needs: uniform in [0, 1). */
export interface RandomSource {
  next(): number;
}

export interface BinaryPsoOptions {
  /** Swarm size (default 30). */
  readonly particles?: number;
  /** Iterations after initialisation (default 100). */
  readonly iterations?: number;
  /** Cognitive and social coefficients (default 2, 2). */
  readonly c1?: number;
  readonly c2?: number;
  /** Inertia from inertiaStart down to inertiaEnd (defaults 0.9 → 0.4). */
  readonly inertiaStart?: number;
  readonly inertiaEnd?: number;
  /** Velocity clamp (default 4, so a bit keeps a ≥ 1.8% chance to flip). */
  readonly vMax?: number;
}

export interface BinaryPsoResult {
  readonly best: Uint8Array;
  readonly bestValue: number;
  readonly evaluations: number;
  /** Best value after initialisation and after each iteration. */
  readonly history: number[];
}

export function binaryPso(
  dim: number,
  objective: (bits: Uint8Array) => number,
  rng: RandomSource,
  opts: BinaryPsoOptions = {},
): BinaryPsoResult {
  requireInteger("dim", dim, 1);
  const particles = requireInteger("particles", opts.particles ?? 30, 1);
  const iterations = requireInteger("iterations", opts.iterations ?? 100, 0);
  const c1 = requireNonNegative("c1", opts.c1 ?? 2);
  const c2 = requireNonNegative("c2", opts.c2 ?? 2);
  const w0 = requireNonNegative("inertia_start", opts.inertiaStart ?? 0.9);
  const w1 = requireNonNegative("inertia_end", opts.inertiaEnd ?? 0.4);
  const vMax = requirePositive("v_max", opts.vMax ?? 4);
  const x = Array.from({ length: particles }, () => new Uint8Array(dim));
  const v = Array.from({ length: particles }, () => new Float64Array(dim));
  const pbest = Array.from({ length: particles }, () => new Uint8Array(dim));
  const pval = new Float64Array(particles);
  let gbest = new Uint8Array(dim);
  let gval = Number.POSITIVE_INFINITY;
  let evaluations = 0;
  for (let k = 0; k < particles; k++) {
    const xk = x[k] as Uint8Array;
    for (let d = 0; d < dim; d++) xk[d] = rng.next() < 0.5 ? 1 : 0;
    const f = objective(xk);
    evaluations++;
    (pbest[k] as Uint8Array).set(xk);
    pval[k] = f;
    if (f < gval) {
      gval = f;
      gbest = xk.slice();
    }
  }
  const history = [gval];
  for (let it = 0; it < iterations; it++) {
    const w = iterations > 1 ? w0 + ((w1 - w0) * it) / (iterations - 1) : w0;
    for (let k = 0; k < particles; k++) {
      const xk = x[k] as Uint8Array;
      const vk = v[k] as Float64Array;
      const pk = pbest[k] as Uint8Array;
      for (let d = 0; d < dim; d++) {
        const xd = xk[d] as number;
        let vd =
          w * (vk[d] as number) +
          c1 * rng.next() * ((pk[d] as number) - xd) +
          c2 * rng.next() * ((gbest[d] as number) - xd);
        vd = Math.max(-vMax, Math.min(vMax, vd));
        vk[d] = vd;
        xk[d] = rng.next() < 1 / (1 + Math.exp(-vd)) ? 1 : 0;
      }
      const f = objective(xk);
      evaluations++;
      if (f < (pval[k] as number)) {
        pval[k] = f;
        pk.set(xk);
        if (f < gval) {
          gval = f;
          gbest = xk.slice();
        }
      }
    }
    history.push(gval);
  }
  return { best: gbest, bestValue: gval, evaluations, history };
}
