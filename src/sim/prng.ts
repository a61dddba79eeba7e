/**
 * Seeded PRNG for simulations and property tests: xoshiro128** (32-bit state words, exact in JS
 * integer arithmetic via Math.imul), seeded by splitmix32 so nearby seeds give unrelated streams.
 * Same seed → same sequence on every platform, which is what makes `consortia simulate` outputs
 * byte-identical for a given --seed.
 */
import { CommonErrors, ConsortiaError } from "../errors.js";

export interface Prng {
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** Uniform in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Normal(mean, sd) by Box–Muller. */
  normal(mean?: number, sd?: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Fisher–Yates shuffle into a new array. */
  shuffle<T>(items: readonly T[]): T[];
  /** Index drawn with probability proportional to weights[i] (weights >= 0, sum > 0). */
  weighted(weights: readonly number[]): number;
  /** Independent child stream, derived deterministically from this one. */
  fork(): Prng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Seeds are reduced to 32 bits; any finite number (including negatives and fractions) is accepted. */
export function createPrng(seed: number): Prng {
  const mix = splitmix32(Number.isFinite(seed) ? Math.trunc(seed) : 0);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  // xoshiro's all-zero state is a fixed point; splitmix32 cannot produce four zeros in a row, but guard anyway.
  if ((a | b | c | d) === 0) a = 1;
  let spare: number | undefined;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    return result;
  };
  const next = (): number => {
    const hi = nextU32() >>> 5; // 27 bits
    const lo = nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  };
  const prng: Prng = {
    nextU32,
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: (mean = 0, sd = 1) => {
      if (spare !== undefined) {
        const z = spare;
        spare = undefined;
        return mean + sd * z;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return mean + sd * r * Math.cos(2 * Math.PI * v);
    },
    pick: (items) => {
      if (items.length === 0) {
        throw new ConsortiaError(CommonErrors.INVALID_ARGUMENT, "pick: items must be non-empty", {
          param: "items",
          condition: "items.length > 0",
        });
      }
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = out[i] as (typeof out)[number];
        out[i] = out[j] as (typeof out)[number];
        out[j] = tmp;
      }
      return out;
    },
    weighted: (weights) => {
      let total = 0;
      for (const w of weights) total += w;
      let r = next() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i] ?? 0;
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    fork: () => createPrng(nextU32() ^ Math.imul(nextU32(), 0x9e3779b9)),
  };
  return prng;
}
