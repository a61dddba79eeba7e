/**
 * Healthchain (Sec. IV) Stackelberg pricing of EMR data: the provider (leader) sets a unit price
 * λ_i ∈ [λ_min, λ_max] per consumer, the consumer (follower) answers with a demand d_i ≥ d_min.
 *
 *   provider  R_L = (λ − γ)·d                                  (eq. 1)
 *   consumer  R_F = α·ln(d − d_min + c) − λ·d,  d ≥ d_min       (eqs. 2–3, problem B)
 *
 * The printed solution (eqs. 10, 15) drops the bound d ≥ d_min; with it the follower's best
 * response has a kink at λ = α/c and the leader's objective is no longer concave, so the leader's
 * optimum is the better of two candidates (see docs/economics.md and docs/deviations.md).
 */
import { ConsortiaError } from "../errors.js";
import {
  ensureFinite,
  requireInteger,
  requireNonNegative,
  requireOrdered,
  requirePositive,
} from "./validate.js";

export interface DataPriceParams {
  /** Satisfaction factor α > 0. */
  readonly alpha: number;
  /** Minimum demand d_min > 0. */
  readonly dMin: number;
  /** Consumer cost factor c > 0 (keeps the log argument positive at d = d_min). */
  readonly c: number;
  /** Provider's unit cost γ ≥ 0. */
  readonly gamma: number;
  /** Price bounds 0 < λ_min ≤ λ_max, with λ_min ≥ γ (problem A). */
  readonly priceMin: number;
  readonly priceMax: number;
  /**
   * Extension, off by default: the consumer may buy nothing (utility 0) when its best utility at
   * the offered price is negative, and the leader anticipates it.
   */
  readonly participation?: boolean;
}

export type DataPriceRegime =
  /** Interior critical point of the leader on the region where demand exceeds d_min. */
  | "interior"
  /** Price at λ_min (the leader would like to go lower). */
  | "price-min"
  /** Price at λ_max (the leader would like to go higher); demand at d_min when λ_max ≥ α/c. */
  | "price-max"
  /** Price capped by the consumer's participation constraint (extension). */
  | "participation-cap"
  /** The consumer does not participate at any admissible price (extension). */
  | "no-trade";

export interface DataPriceSolution {
  readonly price: number;
  readonly demand: number;
  readonly providerUtility: number;
  readonly consumerUtility: number;
  readonly participates: boolean;
  readonly regime: DataPriceRegime;
}

export function validateDataPriceParams(p: DataPriceParams): void {
  requirePositive("alpha", p.alpha);
  requirePositive("d_min", p.dMin);
  requirePositive("c", p.c);
  requireNonNegative("gamma", p.gamma);
  requirePositive("price_min", p.priceMin);
  requirePositive("price_max", p.priceMax);
  requireOrdered("price_min", p.priceMin, "price_max", p.priceMax);
  requireOrdered("gamma", p.gamma, "price_min", p.priceMin);
}

/** Follower best response (problem B): d* = d_min + max(0, α/λ − c). Assumes validated inputs, λ > 0. */
export function followerDemand(alpha: number, dMin: number, c: number, price: number): number {
  const x = alpha / price - c;
  return x > 0 ? dMin + x : dMin;
}

export function consumerUtilityAt(
  alpha: number,
  dMin: number,
  c: number,
  price: number,
  demand: number,
): number {
  return alpha * Math.log(demand - dMin + c) - price * demand;
}

export function providerUtilityAt(price: number, gamma: number, demand: number): number {
  return (price - gamma) * demand;
}

/** The consumer's best utility at price λ (value of problem B); strictly decreasing in λ. */
export function consumerBestUtility(alpha: number, dMin: number, c: number, price: number): number {
  return consumerUtilityAt(alpha, dMin, c, price, followerDemand(alpha, dMin, c, price));
}

/** Leader objective with the follower's best response substituted. */
export function leaderObjective(
  alpha: number,
  dMin: number,
  c: number,
  gamma: number,
  price: number,
): number {
  return providerUtilityAt(price, gamma, followerDemand(alpha, dMin, c, price));
}

/**
 * Highest price in [lo, hi] at which the consumer still participates (best utility ≥ 0), given
 * V(lo) ≥ 0 > V(hi). V is strictly decreasing, so bisection is exact up to float resolution; the
 * result is the low end of the final bracket, so V(result) ≥ 0 holds exactly.
 */
function participationCap(alpha: number, dMin: number, c: number, lo: number, hi: number): number {
  const kink = alpha / c;
  // On the demand floor V = α·ln c − λ·d_min has a closed-form root.
  if (hi > kink) {
    const root = (alpha * Math.log(c)) / dMin;
    if (root >= Math.max(lo, kink) && root <= hi && consumerBestUtility(alpha, dMin, c, root) >= 0)
      return root;
  }
  for (let i = 0; i < 200; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (consumerBestUtility(alpha, dMin, c, mid) >= 0) lo = mid;
    else hi = mid;
  }
  return lo;
}

function solution(
  alpha: number,
  dMin: number,
  c: number,
  gamma: number,
  price: number,
  regime: DataPriceRegime,
): DataPriceSolution {
  const demand = followerDemand(alpha, dMin, c, price);
  return {
    price,
    demand,
    providerUtility: providerUtilityAt(price, gamma, demand),
    consumerUtility: consumerUtilityAt(alpha, dMin, c, price, demand),
    participates: true,
    regime,
  };
}

/**
 * Exact Stackelberg equilibrium for one consumer (problems A and B).
 *
 * Demand is d_min + α/λ − c for λ < α/c and d_min above. On the first piece
 * R_L(λ) = (d_min − c)·λ + α − γ(d_min − c) − γα/λ is concave with its stationary point at
 * √(γα/(c − d_min)) when c > d_min (increasing otherwise); on the second piece R_L = (λ − γ)·d_min
 * is increasing. The maximum over [λ_min, λ_max] is therefore the better of the clamped stationary
 * point of the first piece and λ_max; ties go to the lower price. The kink itself is never a
 * maximiser: R_L increases on both sides of it when the first piece is still rising there.
 */
export function solveDataPrice(p: DataPriceParams): DataPriceSolution {
  validateDataPriceParams(p);
  const { alpha, dMin, c, gamma, priceMin } = p;
  let priceMax = p.priceMax;
  let capped = false;
  if (p.participation === true) {
    if (consumerBestUtility(alpha, dMin, c, priceMin) < 0) {
      return {
        price: priceMin,
        demand: 0,
        providerUtility: 0,
        consumerUtility: 0,
        participates: false,
        regime: "no-trade",
      };
    }
    if (consumerBestUtility(alpha, dMin, c, priceMax) < 0) {
      priceMax = participationCap(alpha, dMin, c, priceMin, priceMax);
      capped = true;
    }
  }
  return checkFinite(solveOnInterval(alpha, dMin, c, gamma, priceMin, priceMax, capped));
}

/** Valid but extreme inputs (e.g. α = 1e308, λ_min = 1e-308) can overflow; never return Infinity or NaN. */
function checkFinite(s: DataPriceSolution): DataPriceSolution {
  ensureFinite("price", s.price);
  ensureFinite("demand", s.demand);
  ensureFinite("provider_utility", s.providerUtility);
  ensureFinite("consumer_utility", s.consumerUtility);
  return s;
}

function solveOnInterval(
  alpha: number,
  dMin: number,
  c: number,
  gamma: number,
  lo: number,
  hi: number,
  capped: boolean,
): DataPriceSolution {
  const kink = alpha / c;
  const upperRegime: DataPriceRegime = capped ? "participation-cap" : "price-max";
  const best = solution(alpha, dMin, c, gamma, hi, upperRegime);
  if (lo >= kink) return best; // whole interval on the demand floor, where R_L increases
  const pieceHi = Math.min(hi, kink);
  const stationary = c > dMin ? Math.sqrt((gamma * alpha) / (c - dMin)) : Number.POSITIVE_INFINITY;
  let price: number;
  let regime: DataPriceRegime;
  if (stationary <= lo) {
    price = lo;
    regime = "price-min";
  } else if (stationary >= pieceHi) {
    // Increasing up to the kink and beyond it: the upper bound wins.
    return best;
  } else {
    price = stationary;
    regime = "interior";
  }
  const cand = solution(alpha, dMin, c, gamma, price, regime);
  return cand.providerUtility >= best.providerUtility ? cand : best;
}

/**
 * The paper's printed closed form (eqs. 10 and 15), kept only to document the deviation:
 * λ* = √(γα/(c − d_min)) clamped to the price bounds, d* = α/λ* + d_min − c (may violate d ≥ d_min).
 * Returns null where the paper gives no price (c ≤ d_min).
 */
export function paperDataPrice(p: DataPriceParams): { price: number; demand: number } | null {
  validateDataPriceParams(p);
  if (p.c <= p.dMin) return null;
  const raw = Math.sqrt((p.gamma * p.alpha) / (p.c - p.dMin));
  const price = Math.min(p.priceMax, Math.max(p.priceMin, raw));
  return { price, demand: p.alpha / price + p.dMin - p.c };
}

export interface ScanOptions {
  /** Number of grid prices from λ_max down to λ_min, endpoints included (≥ 2). */
  readonly steps: number;
  /**
   * Algorithm 1 stops at the first price whose reward does not improve (line 12, read as a strict
   * decrease, otherwise it would stop after one price). false scans the whole grid.
   */
  readonly earlyStop?: boolean;
}

export interface ScanResult extends DataPriceSolution {
  /** Follower best responses evaluated. */
  readonly evaluations: number;
}

/**
 * The paper's Algorithm 1 as a baseline: scan prices from λ_max down to λ_min on a uniform grid,
 * let the follower best-respond (with the d ≥ d_min bound), keep the best provider reward.
 * The participation option is ignored (Algorithm 1 has none).
 */
export function dataPriceScan(p: DataPriceParams, opts: ScanOptions): ScanResult {
  validateDataPriceParams(p);
  requireInteger("steps", opts.steps, 2);
  const { alpha, dMin, c, gamma, priceMin, priceMax } = p;
  const step = (priceMax - priceMin) / (opts.steps - 1);
  let bestPrice = priceMax;
  let bestReward = Number.NEGATIVE_INFINITY;
  let evaluations = 0;
  for (let j = 0; j < opts.steps; j++) {
    const price = j === opts.steps - 1 ? priceMin : priceMax - j * step;
    const reward = leaderObjective(alpha, dMin, c, gamma, price);
    evaluations++;
    if (reward > bestReward) {
      bestReward = reward;
      bestPrice = price;
    } else if (opts.earlyStop === true && reward < bestReward) {
      break;
    }
  }
  const s = solution(alpha, dMin, c, gamma, bestPrice, bestPrice === priceMax ? "price-max" : "interior");
  return { ...s, evaluations };
}

export interface DataConsumer {
  readonly alpha: number;
  readonly dMin: number;
  readonly c: number;
  /** Per-consumer provider cost γ_i; defaults to the market's gamma. */
  readonly gamma?: number;
}

export interface DataMarketParams {
  readonly consumers: readonly DataConsumer[];
  readonly gamma: number;
  readonly priceMin: number;
  readonly priceMax: number;
  readonly participation?: boolean;
}

export interface DataMarketSolution {
  readonly consumers: readonly DataPriceSolution[];
  /** Σ_i R_L over consumers (problem A's objective). */
  readonly providerUtility: number;
  readonly consumerUtility: number;
  /** Problem C's objective at the Stackelberg equilibrium: Σ R_L + Σ R_F. */
  readonly socialWelfare: number;
}

/** Problem A is separable in the per-consumer prices λ_i, so the market is solved consumer by consumer. */
export function solveDataMarket(p: DataMarketParams): DataMarketSolution {
  requireInteger("consumers.length", p.consumers.length, 1);
  const out: DataPriceSolution[] = [];
  let lead = 0;
  let follow = 0;
  p.consumers.forEach((k, i) => {
    const s = withIndex(i, () =>
      solveDataPrice({
        alpha: k.alpha,
        dMin: k.dMin,
        c: k.c,
        gamma: k.gamma ?? p.gamma,
        priceMin: p.priceMin,
        priceMax: p.priceMax,
        participation: p.participation === true,
      }),
    );
    out.push(s);
    lead += s.providerUtility;
    follow += s.consumerUtility;
  });
  return { consumers: out, providerUtility: lead, consumerUtility: follow, socialWelfare: lead + follow };
}

export interface SocialWelfareSolution {
  /** Planner's demand per consumer: maximises α·ln(d − d_min + c) − γ·d over d ≥ d_min. */
  readonly demands: readonly number[];
  /** Maximum of problem C over (λ, d) jointly: payments λ·d cancel between provider and consumer. */
  readonly socialWelfare: number;
  /**
   * Best welfare reachable when consumers best-respond to admissible prices: welfare falls with the
   * price (for λ ≥ γ), so every λ_i = λ_min.
   */
  readonly implementableWelfare: number;
  readonly implementablePrices: readonly number[];
}

/**
 * Problem C. λ_i·d_i is a transfer from consumer to provider, so the welfare Σ(α ln(d − d_min + c)
 * − γ d) depends on demands only; its maximiser is d = d_min + max(0, α/γ − c) (unbounded if γ = 0,
 * which validation excludes here).
 */
export function solveSocialWelfare(p: DataMarketParams): SocialWelfareSolution {
  requireInteger("consumers.length", p.consumers.length, 1);
  const demands: number[] = [];
  const prices: number[] = [];
  let welfare = 0;
  let implementable = 0;
  p.consumers.forEach((k, i) => {
    withIndex(i, () => {
      const gamma = k.gamma ?? p.gamma;
      validateDataPriceParams({ ...k, gamma, priceMin: p.priceMin, priceMax: p.priceMax });
      requirePositive("gamma", gamma);
      const d = followerDemand(k.alpha, k.dMin, k.c, gamma);
      demands.push(d);
      welfare += consumerUtilityAt(k.alpha, k.dMin, k.c, gamma, d);
      const price = p.priceMin;
      const dImpl = followerDemand(k.alpha, k.dMin, k.c, price);
      prices.push(price);
      implementable += consumerUtilityAt(k.alpha, k.dMin, k.c, gamma, dImpl);
    });
  });
  return {
    demands,
    socialWelfare: welfare,
    implementableWelfare: implementable,
    implementablePrices: prices,
  };
}

/** Re-labels a validation error of consumer i so the message and details name consumers[i]. */
function withIndex<T>(i: number, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ConsortiaError && typeof err.details.param === "string") {
      throw new ConsortiaError(
        err.code,
        `consumers[${i}]: ${err.message}`,
        { ...err.details, param: `consumers[${i}].${err.details.param}` },
        { cause: err },
      );
    }
    throw err;
  }
}
