/**
 * Fixed-point (bigint) arithmetic and integer variants of the pricing solvers for on-chain use:
 * no floating point, so every validator computes the same result bit for bit.
 *
 * Representation: a value v is the bigint round(v · 10^18) ("WAD"). Rounding rule: every quantity
 * is rounded toward the party that pays it, i.e. DOWN (toward −∞) for prices, rates, demands and
 * loan amounts, and a ratio whose result must not exceed the exact value is computed with its
 * numerator rounded down and its denominator rounded up. Consequences, checked exactly (rational
 * arithmetic) in test/economics/fixedPoint.test.ts:
 * - data price λ ≤ exact λ* (the consumer pays no more), demand d ≤ best response at the posted
 *   price, payment λ·d rounded down;
 * - penalty rate α ≤ exact α*, interest β = α/(η·t) rounded down (the borrower pays no more),
 *   loan R ≤ the borrower's best response at the posted α (the bank pays out no more).
 * Each result is within a few units of 10^-18 (relative to the operands' size) of the exact
 * value at the given inputs; near a regime boundary (two candidates within that error of each
 * other) the integer solver may pick the other regime, which changes the objective by no more than
 * the same error. Utilities that need ln (consumer R_F, borrower u_i) are not computed here: they
 * are off-chain quantities.
 */
import { ConsortiaError } from "../errors.js";
import { EconErrors } from "./validate.js";

export const WAD = 10n ** 18n;

function bad(param: string, condition: string, value: bigint): never {
  throw new ConsortiaError(
    EconErrors.ECON_INVALID_PARAM,
    `invalid parameter ${param}: must satisfy ${condition} (got ${value.toString()} / 1e18)`,
    { param, condition, value: value.toString() },
  );
}

/** Floor division for signed bigints (bigint `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

export const mulDown = (a: bigint, b: bigint): bigint => floorDiv(a * b, WAD);
export const mulUp = (a: bigint, b: bigint): bigint => ceilDiv(a * b, WAD);
export const divDown = (a: bigint, b: bigint): bigint => floorDiv(a * WAD, b);
export const divUp = (a: bigint, b: bigint): bigint => ceilDiv(a * WAD, b);

/** ⌊√n⌋ for n ≥ 0 (Newton's method on integers). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) bad("sqrt argument", "value >= 0", n);
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n)))) + 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** √a in fixed point, rounded down. */
export const sqrtDown = (a: bigint): bigint => isqrt(a * WAD);

/**
 * Decimal string → fixed point, exact for up to 18 fractional digits, truncated (toward zero)
 * beyond. Accepts "12", "-0.5", "1.25e3".
 */
export function parseFixed(s: string): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s.trim());
  if (m === null || ((m[2] ?? "") === "" && (m[3] ?? "") === "")) {
    throw new ConsortiaError(EconErrors.ECON_INVALID_PARAM, `invalid fixed-point number: ${s}`, {
      param: "value",
      condition: "a decimal number",
      value: s,
    });
  }
  const sign = m[1] === "-" ? -1n : 1n;
  const digits = `${m[2] ?? ""}${m[3] ?? ""}`;
  const exp = Number(m[4] ?? "0") - (m[3] ?? "").length + 18;
  let v = BigInt(digits === "" ? "0" : digits);
  if (exp >= 0) v *= 10n ** BigInt(exp);
  else v /= 10n ** BigInt(-exp);
  return sign * v;
}

/** Float → fixed point via its shortest decimal representation (off-chain convenience). */
export function toFixed(x: number): bigint {
  if (!Number.isFinite(x)) bad("value", "a finite number", 0n);
  return parseFixed(String(x));
}

export function fromFixed(v: bigint): number {
  const whole = v / WAD;
  const frac = v % WAD;
  return Number(whole) + Number(frac) / 1e18;
}

function positive(name: string, v: bigint): void {
  if (v <= 0n) bad(name, `${name} > 0`, v);
}
function nonNegative(name: string, v: bigint): void {
  if (v < 0n) bad(name, `${name} >= 0`, v);
}

export interface DataPriceFixedParams {
  readonly alpha: bigint;
  readonly dMin: bigint;
  readonly c: bigint;
  readonly gamma: bigint;
  readonly priceMin: bigint;
  readonly priceMax: bigint;
}

export interface DataPriceFixedSolution {
  readonly price: bigint;
  readonly demand: bigint;
  /** λ·d rounded down. */
  readonly payment: bigint;
  /** (λ − γ)·d rounded down. */
  readonly providerUtility: bigint;
}

/** Best response at a posted price, demand rounded down. */
export function followerDemandFixed(alpha: bigint, dMin: bigint, c: bigint, price: bigint): bigint {
  const x = divDown(alpha, price) - c;
  return x > 0n ? dMin + x : dMin;
}

function dataOutcome(p: DataPriceFixedParams, price: bigint): DataPriceFixedSolution {
  const demand = followerDemandFixed(p.alpha, p.dMin, p.c, price);
  return {
    price,
    demand,
    payment: mulDown(price, demand),
    providerUtility: mulDown(price - p.gamma, demand),
  };
}

/** Integer twin of solveDataPrice (without the participation extension, which needs ln). */
export function solveDataPriceFixed(p: DataPriceFixedParams): DataPriceFixedSolution {
  positive("alpha", p.alpha);
  positive("d_min", p.dMin);
  positive("c", p.c);
  nonNegative("gamma", p.gamma);
  positive("price_min", p.priceMin);
  if (p.priceMin > p.priceMax) bad("price_min", "price_min <= price_max", p.priceMin);
  if (p.gamma > p.priceMin) bad("gamma", "gamma <= price_min", p.gamma);
  const lo = p.priceMin;
  const hi = p.priceMax;
  const best = dataOutcome(p, hi);
  const kink = divDown(p.alpha, p.c);
  if (lo >= kink || p.c <= p.dMin) return best; // R_L increases on the whole interval
  const pieceHi = hi < kink ? hi : kink;
  // √(γα/(c − d_min)) rounded down: numerator down, denominator exact.
  const stationary = sqrtDown(divDown(mulDown(p.gamma, p.alpha), p.c - p.dMin));
  if (stationary >= pieceHi) return best;
  const price = stationary <= lo ? lo : stationary;
  const cand = dataOutcome(p, price);
  return cand.providerUtility >= best.providerUtility ? cand : best;
}

export interface LoanFixedParams {
  readonly repayAbility: bigint;
  readonly d: bigint;
  readonly t: bigint;
  readonly eta: bigint;
  readonly qMin: bigint;
  readonly price: bigint;
  readonly theta: bigint;
  readonly creditFactor: bigint;
  readonly unitCost: bigint;
  readonly alphaMax: bigint;
}

export interface LoanFixedSolution {
  readonly penaltyRate: bigint;
  readonly interestRate: bigint;
  readonly loan: bigint;
  /** u_bc = R·(α·g − γ·t·c), rounded down. */
  readonly bankUtility: bigint;
  readonly regime: "interior" | "alpha-max" | "no-loan";
}

/** R*(α) = max(0, k + λd/(ακ)) rounded down (κ rounded up in the denominator). */
export function borrowerLoanFixed(p: LoanFixedParams, alpha: bigint): bigint {
  const k = mulDown(p.price, p.qMin - p.theta);
  const kappaUp = divUp(p.repayAbility, p.eta) + WAD - p.repayAbility;
  const r = k + divDown(mulDown(p.repayAbility, p.d), mulUp(alpha, kappaUp));
  if (r <= 0n) return 0n;
  return r;
}

function loanOutcome(
  p: LoanFixedParams,
  alpha: bigint,
  loan: bigint,
  regime: LoanFixedSolution["regime"],
): LoanFixedSolution {
  const g = divDown(p.creditFactor, p.eta) + WAD - p.creditFactor;
  const margin = mulDown(alpha, g) - mulUp(mulUp(p.creditFactor, p.t), p.unitCost);
  return {
    penaltyRate: alpha,
    interestRate: divDown(alpha, mulUp(p.eta, p.t)),
    loan,
    bankUtility: mulDown(loan, margin),
    regime,
  };
}

/** Integer twin of solveLoanPricing. */
export function solveLoanPricingFixed(p: LoanFixedParams): LoanFixedSolution {
  if (p.repayAbility <= 0n || p.repayAbility > WAD)
    bad("repay_ability", "0 < repay_ability <= 1", p.repayAbility);
  positive("d", p.d);
  positive("t", p.t);
  if (p.eta <= WAD) bad("eta", "eta > 1", p.eta);
  nonNegative("q_min", p.qMin);
  positive("price", p.price);
  positive("theta", p.theta);
  if (p.creditFactor <= 0n || p.creditFactor > WAD)
    bad("credit_factor", "0 < credit_factor <= 1", p.creditFactor);
  positive("unit_cost", p.unitCost);
  positive("alpha_max", p.alphaMax);
  const M = p.alphaMax;
  const k = mulDown(p.price, p.qMin - p.theta);
  if (k >= 0n) return loanOutcome(p, M, borrowerLoanFixed(p, M), "alpha-max");
  const negK = -k;
  const kappaUp = divUp(p.repayAbility, p.eta) + WAD - p.repayAbility;
  const gUp = divUp(p.creditFactor, p.eta) + WAD - p.creditFactor;
  const lamD = mulDown(p.repayAbility, p.d);
  const alpha0 = divDown(lamD, mulUp(kappaUp, negK));
  const num = mulDown(mulDown(mulDown(p.creditFactor, p.t), p.unitCost), lamD);
  const den = mulUp(mulUp(negK, gUp), kappaUp);
  const alphaC = sqrtDown(divDown(num, den));
  if (alphaC < alpha0) {
    return alphaC < M
      ? loanOutcome(p, alphaC, borrowerLoanFixed(p, alphaC), "interior")
      : loanOutcome(p, M, borrowerLoanFixed(p, M), "alpha-max");
  }
  if (alpha0 <= M) return loanOutcome(p, alpha0, 0n, "no-loan");
  return loanOutcome(p, M, borrowerLoanFixed(p, M), "alpha-max");
}
