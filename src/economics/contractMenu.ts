/**
 * SPDS (Sec. IV-E) optimal contract menu for a continuum of data owners (DOs) with privacy types
 * α uniform on [α̲, ᾱ], offered by the utility company (UC).
 *
 * Paper symbol → field:
 *   I → owners, α̲ → alphaMin, ᾱ → alphaMax, u_max → uMax, ϖ_p → wP (DO privacy-cost weight),
 *   ϖ_s → wS (UC satisfaction weight), u_req → uReq (aggregate utility requirement, eq. 11),
 *   π(α) → pi, p(α) → payment, 𝔖(α) → ownerPayoff (eq. 7), ℜ(α) → ucPayoff (integrand of eq. 8),
 *   λ₂ = β → multiplier (costate of the isoperimetric constraint in the Hamiltonian, eq. 21).
 *
 * Model (problem P1, eq. 13): max I·E[ϖ_s ln(1 + π u_max) − p] s.t. IC (9), IR (10),
 * I·E[π]·u_max = u_req (11), 0 ≤ π ≤ 1 (12). With IC reduced by Theorem 1 and IR binding at ᾱ
 * (Lemma 2), E[p] = ϖ_p u_max E[(2α − α̲)π(α)] for uniform types, so the problem is pointwise
 * concave: for a multiplier β,
 *
 *   π(α) = clamp( (ϖ_s / d(α) − 1) / u_max, 0, 1 ),   d(α) = ϖ_p (2α − α̲) − β,
 *
 * (π = 1 where d ≤ ϖ_s/(1 + u_max)), and β is the unique root of E[π] = u_req/(I u_max). The
 * clamped schedule is non-increasing in α, so the relaxed monotonicity constraint (14) holds and the
 * solution is optimal for P1. When the printed closed form (31) stays inside [0, 1] (Lemma 1, eq. 28)
 * β has the closed form below; otherwise β is found by safeguarded Newton on the exact mean.
 * Then 𝔖(α) = ϖ_p u_max ∫_α^ᾱ π and p(α) = 𝔖(α) + ϖ_p α π(α) u_max (eq. 33).
 * Deviations from the printed eqs. (29)–(32) are listed in docs/deviations.md.
 */
import { ConsortiaError } from "../errors.js";
import { EconErrors, ensureFinite, requireInteger, requireNonNegative, requirePositive } from "./validate.js";

/** How eq. (11) is read: "equal" as printed; "atLeast" as the prose ("no less than"). */
export type UtilityRequirement = "equal" | "atLeast";

export interface ContractModelParams {
  /** I ≥ 1, number of data owners. */
  readonly owners: number;
  /** α̲ ≥ 0. */
  readonly alphaMin: number;
  /** ᾱ > α̲. */
  readonly alphaMax: number;
  /** u_max > 0. */
  readonly uMax: number;
  /** ϖ_p > 0. */
  readonly wP: number;
  /** ϖ_s > 0. */
  readonly wS: number;
  /** 0 ≤ u_req ≤ I·u_max. */
  readonly uReq: number;
  /** Default "equal" (eq. 11 as printed). */
  readonly requirement?: UtilityRequirement;
}

export interface ContractMenuParams extends ContractModelParams {
  /** K ≥ 2 evenly spaced types from α̲ to ᾱ (both included) at which the menu is reported. */
  readonly points: number;
}

export type ContractMethod =
  /** Lemma 1 holds: the unbounded closed form (31) is the optimum. */
  | "closed-form"
  /** The bounds π ∈ [0, 1] bind for some types: β from a root search on E[π]. */
  | "numeric"
  /** u_req = 0 or u_req = I·u_max: π ≡ 0 or π ≡ 1; β is the boundary multiplier. */
  | "degenerate"
  /** "atLeast" requirement not binding: β = 0. */
  | "unconstrained";

/** The solved menu as a function of α; evaluate it with the *At functions or evaluateContractMenu. */
export interface ContractModel {
  readonly owners: number;
  readonly alphaMin: number;
  readonly alphaMax: number;
  readonly uMax: number;
  readonly wP: number;
  readonly wS: number;
  readonly uReq: number;
  readonly requirement: UtilityRequirement;
  /** ρ = u_req / (I·u_max): the required mean of π. */
  readonly rho: number;
  /** β (= λ₂ of eq. 21). */
  readonly multiplier: number;
  /** c = ϖ_p α̲ + β, so that d(α) = 2ϖ_p α − c. */
  readonly shift: number;
  /** Types with α ≤ alphaFull get π = 1 (clipped to [α̲, ᾱ]). */
  readonly alphaFull: number;
  /** Types with α ≥ alphaZero get π = 0 (clipped to [α̲, ᾱ]). */
  readonly alphaZero: number;
  /** Λ of Lemma 1 (Infinity when it overflows). */
  readonly lambda: number;
  /** Lemma 1's condition (28): the unbounded form (31) lies in [0, 1] on [α̲, ᾱ]. */
  readonly closedFormValid: boolean;
  /** Some type has π at a bound (0 or 1) on a set of positive measure. */
  readonly boundsActive: boolean;
  /** β ≠ 0: the requirement changes the menu relative to the UC's free optimum. */
  readonly constraintBinding: boolean;
  readonly method: ContractMethod;
  /** I·E[ϖ_s ln(1 + π u_max) − p], exact. */
  readonly ucPayoffTotal: number;
  /** I·E[𝔖(α)], exact. */
  readonly ownerPayoffTotal: number;
  /** I·E[p(α)], exact. */
  readonly paymentTotal: number;
  /** E[π] (equals ρ under "equal"). */
  readonly meanPi: number;
}

export interface ContractMenu extends ContractModel {
  readonly alpha: number[];
  readonly pi: number[];
  readonly payment: number[];
  readonly ownerPayoff: number[];
  readonly ucPayoff: number[];
}

function failParam(param: string, condition: string, value: unknown): never {
  throw new ConsortiaError(
    EconErrors.ECON_INVALID_PARAM,
    `invalid parameter ${param}: must satisfy ${condition} (got ${String(value)})`,
    { param, condition, value: typeof value === "number" && !Number.isFinite(value) ? String(value) : value },
  );
}

export function validateContractModelParams(p: ContractModelParams): void {
  requireInteger("owners", p.owners, 1);
  requireNonNegative("alpha_min", p.alphaMin);
  requirePositive("alpha_max", p.alphaMax);
  if (!(p.alphaMax > p.alphaMin)) failParam("alpha_max", "alpha_max > alpha_min", p.alphaMax);
  requirePositive("u_max", p.uMax);
  requirePositive("w_p", p.wP);
  requirePositive("w_s", p.wS);
  requireNonNegative("u_req", p.uReq);
  const cap = p.owners * p.uMax;
  if (!(p.uReq <= cap)) failParam("u_req", `u_req <= owners * u_max (= ${cap})`, p.uReq);
  if (p.requirement !== undefined && p.requirement !== "equal" && p.requirement !== "atLeast") {
    failParam("requirement", 'requirement is "equal" or "atLeast"', p.requirement);
  }
  // Keeps ϖ_p·α and the logs well inside float range; far beyond any meaningful preference scale.
  if (!(p.alphaMax * p.wP <= 1e150)) failParam("alpha_max", "alpha_max * w_p <= 1e150", p.alphaMax);
}

export function validateContractMenuParams(p: ContractMenuParams): void {
  validateContractModelParams(p);
  requireInteger("points", p.points, 2);
  if (p.points > 1_000_000) failParam("points", "points <= 1000000", p.points);
}

/** The shape every evaluator needs: π depends on α only through d(α) = 2ϖ_p α − c. */
interface Shape {
  readonly a: number;
  readonly b: number;
  readonly u: number;
  readonly wP: number;
  readonly wS: number;
  readonly c: number;
}

function piOf(s: Shape, alpha: number): number {
  const d = 2 * s.wP * alpha - s.c;
  if (d <= s.wS / (1 + s.u)) return 1;
  if (d >= s.wS) return 0;
  return (s.wS / d - 1) / s.u;
}

/** Ends of the π = 1 and π = 0 regions, unclipped. */
function breakpoints(s: Shape): { t1: number; t0: number } {
  return { t1: (s.wS / (1 + s.u) + s.c) / (2 * s.wP), t0: (s.wS + s.c) / (2 * s.wP) };
}

/** ln(z(hi)/z(lo)) with z(t) = 2ϖ_p t − c, accurate when hi ≈ lo. */
function logRatio(s: Shape, lo: number, hi: number): number {
  const zlo = 2 * s.wP * lo - s.c;
  return Math.log1p((2 * s.wP * (hi - lo)) / zlo);
}

interface Pieces {
  /** [x, min(y, t1)] where π = 1 (len ≥ 0). */
  readonly oneLo: number;
  readonly oneHi: number;
  /** [max(x, t1), min(y, t0)] where π is interior (may be empty). */
  readonly inLo: number;
  readonly inHi: number;
}

function pieces(s: Shape, x: number, y: number): Pieces {
  const { t1, t0 } = breakpoints(s);
  const oneHi = Math.max(x, Math.min(y, t1));
  const inLo = Math.min(y, Math.max(x, t1));
  const inHi = Math.max(inLo, Math.min(y, t0));
  return { oneLo: x, oneHi, inLo, inHi };
}

/** ∫_x^y π(t) dt, exact piecewise. */
function intPi(s: Shape, x: number, y: number): number {
  const q = pieces(s, x, y);
  let v = q.oneHi - q.oneLo;
  if (q.inHi > q.inLo) {
    v += ((s.wS / (2 * s.wP)) * logRatio(s, q.inLo, q.inHi) - (q.inHi - q.inLo)) / s.u;
  }
  return v;
}

/** ∫_x^y (2t − α̲) π(t) dt, exact piecewise (the virtual cost weight for uniform types). */
function intVirtualPi(s: Shape, x: number, y: number): number {
  const q = pieces(s, x, y);
  let v = (q.oneHi - q.oneLo) * (q.oneHi + q.oneLo - s.a);
  if (q.inHi > q.inLo) {
    const len = q.inHi - q.inLo;
    const beta = s.c - s.wP * s.a;
    v +=
      ((s.wS / s.wP) * len +
        ((s.wS * beta) / (2 * s.wP * s.wP)) * logRatio(s, q.inLo, q.inHi) -
        len * (q.inHi + q.inLo - s.a)) /
      s.u;
  }
  return v;
}

/** ∫_x^y ln(1 + π(t) u_max) dt, exact piecewise. */
function intLogSatisfaction(s: Shape, x: number, y: number): number {
  const q = pieces(s, x, y);
  let v = (q.oneHi - q.oneLo) * Math.log1p(s.u);
  if (q.inHi > q.inLo) {
    // On the interior 1 + π u = ϖ_s / z, z = 2ϖ_p t − c; ∫ ln z dt = [z ln z − z] / (2ϖ_p).
    const zlo = 2 * s.wP * q.inLo - s.c;
    const zhi = 2 * s.wP * q.inHi - s.c;
    const len = q.inHi - q.inLo;
    // [z ln z − z] written as zhi·ln(zhi/zlo) + (zhi − zlo)(ln zlo − 1), with zhi − zlo = 2ϖ_p·len
    // taken from the t's: differencing two rounded z's loses everything on a thin interior sliver.
    const diff = zhi * logRatio(s, q.inLo, q.inHi) + 2 * s.wP * len * (Math.log(zlo) - 1);
    v += len * Math.log(s.wS) - diff / (2 * s.wP);
  }
  return v;
}

/** E[π] − ρ as a function of c, and its derivative (the boundary terms cancel by continuity). */
function meanPi(s: Shape): number {
  return intPi(s, s.a, s.b) / (s.b - s.a);
}

function meanPiSlope(s: Shape): number {
  const q = pieces(s, s.a, s.b);
  if (!(q.inHi > q.inLo)) return 0;
  const zlo = 2 * s.wP * q.inLo - s.c;
  const zhi = 2 * s.wP * q.inHi - s.c;
  // 1/zlo − 1/zhi = 2ϖ_p (hi − lo)/(zlo zhi).
  return ((s.wS / (s.u * zlo * zhi)) * (q.inHi - q.inLo)) / (s.b - s.a);
}

/**
 * Root of E[π](c) = ρ on [cLo, cHi] where E[π](cLo) = 0 and E[π](cHi) = 1; E[π] is continuous and
 * strictly increasing in between. Newton steps, falling back to bisection when a step leaves the bracket.
 */
function solveShift(base: Omit<Shape, "c">, rho: number, cLo: number, cHi: number): number {
  let lo = cLo;
  let hi = cHi;
  let c = lo + (hi - lo) * rho;
  for (let i = 0; i < 300; i++) {
    const s = { ...base, c };
    const f = meanPi(s) - rho;
    if (f === 0) return c;
    if (f < 0) lo = c;
    else hi = c;
    if (!(hi - lo > 2 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi), 1e-300))) break;
    const slope = meanPiSlope(s);
    let next = slope > 0 ? c - f / slope : Number.NaN;
    if (!(next > lo && next < hi)) next = lo + (hi - lo) / 2;
    if (next === c) break;
    c = next;
  }
  // The bracket end whose mean is closest to ρ.
  const fLo = Math.abs(meanPi({ ...base, c: lo }) - rho);
  const fHi = Math.abs(meanPi({ ...base, c: hi }) - rho);
  const fC = Math.abs(meanPi({ ...base, c }) - rho);
  return fC <= fLo && fC <= fHi ? c : fLo <= fHi ? lo : hi;
}

/** Solves the menu (no grid). O(1) for the closed-form case, ~10 Newton steps otherwise. */
export function solveContractModel(p: ContractModelParams): ContractModel {
  validateContractModelParams(p);
  const requirement: UtilityRequirement = p.requirement ?? "equal";
  const a = p.alphaMin;
  const b = p.alphaMax;
  const u = p.uMax;
  const { wP, wS } = p;
  const base = { a, b, u, wP, wS };
  const rho = Math.min(1, p.uReq / (p.owners * u));
  // E[π](c) = 0 for c ≤ cLo (α0 ≤ α̲) and = 1 for c ≥ cHi (α1 ≥ ᾱ).
  const cLo = 2 * wP * a - wS;
  const cHi = 2 * wP * b - wS / (1 + u);

  // Λ of Lemma 1 and the closed-form shift c = 2ϖ_p(Λα̲ − ᾱ)/(Λ − 1) = 2ϖ_p(α̲ − (ᾱ − α̲)/(Λ − 1)).
  const expo = ((2 * wP) / wS) * (b - a) * (p.uReq / p.owners + 1);
  const lambda = Math.exp(expo);
  const lambdaM1 = Math.expm1(expo);
  let closedFormValid = false;
  let cClosed = Number.NaN;
  if (Number.isFinite(lambdaM1) && lambdaM1 > 0) {
    cClosed = 2 * wP * (a - (b - a) / lambdaM1);
    const bp = breakpoints({ ...base, c: cClosed });
    closedFormValid = bp.t1 <= a && bp.t0 >= b;
  }

  let c: number;
  let method: ContractMethod;
  if (requirement === "atLeast" && meanPi({ ...base, c: wP * a }) >= rho) {
    c = wP * a;
    method = "unconstrained";
  } else if (rho <= 0) {
    c = cLo;
    method = "degenerate";
  } else if (rho >= 1) {
    c = cHi;
    method = "degenerate";
  } else if (closedFormValid) {
    c = cClosed;
    method = "closed-form";
  } else {
    c = solveShift(base, rho, cLo, cHi);
    method = "numeric";
  }
  const s: Shape = { ...base, c };
  const bp = breakpoints(s);
  const alphaFull = Math.min(b, Math.max(a, bp.t1));
  const alphaZero = Math.min(b, Math.max(a, bp.t0));
  const multiplier = c - wP * a;
  const span = b - a;
  const perOwner = p.owners / span;
  const virtual = intVirtualPi(s, a, b);
  const piInt = intPi(s, a, b);
  const paymentTotal = perOwner * wP * u * virtual;
  // ∫(t − α̲)π = (∫(2t − α̲)π − α̲∫π)/2.
  const ownerPayoffTotal = perOwner * wP * u * ((virtual - a * piInt) / 2);
  const ucPayoffTotal = perOwner * wS * intLogSatisfaction(s, a, b) - paymentTotal;
  return {
    owners: p.owners,
    alphaMin: a,
    alphaMax: b,
    uMax: u,
    wP,
    wS,
    uReq: p.uReq,
    requirement,
    rho,
    multiplier: ensureFinite("multiplier", multiplier),
    shift: c,
    alphaFull,
    alphaZero,
    lambda,
    closedFormValid,
    boundsActive: alphaFull > a || alphaZero < b,
    constraintBinding: multiplier !== 0 && method !== "unconstrained",
    method,
    ucPayoffTotal: ensureFinite("uc_payoff_total", ucPayoffTotal),
    ownerPayoffTotal: ensureFinite("owner_payoff_total", ownerPayoffTotal),
    paymentTotal: ensureFinite("payment_total", paymentTotal),
    meanPi: ensureFinite("mean_pi", piInt / span),
  };
}

function shapeOf(m: ContractModel): Shape {
  return { a: m.alphaMin, b: m.alphaMax, u: m.uMax, wP: m.wP, wS: m.wS, c: m.shift };
}

function requireType(m: ContractModel, alpha: number): void {
  if (!(alpha >= m.alphaMin && alpha <= m.alphaMax)) {
    failParam("alpha", `alpha_min <= alpha <= alpha_max (= [${m.alphaMin}, ${m.alphaMax}])`, alpha);
  }
}

/** π*(α). */
export function piAt(m: ContractModel, alpha: number): number {
  requireType(m, alpha);
  return piOf(shapeOf(m), alpha);
}

/** 𝔖*(α) = ϖ_p u_max ∫_α^ᾱ π* (IR binds at ᾱ). */
export function ownerPayoffAt(m: ContractModel, alpha: number): number {
  requireType(m, alpha);
  return m.wP * m.uMax * intPi(shapeOf(m), alpha, m.alphaMax);
}

/** p*(α) = 𝔖*(α) + ϖ_p α π*(α) u_max (eq. 33). */
export function paymentAt(m: ContractModel, alpha: number): number {
  return ownerPayoffAt(m, alpha) + m.wP * alpha * piAt(m, alpha) * m.uMax;
}

/** ℜ(α) = ϖ_s ln(1 + π* u_max) − p*(α). */
export function ucPayoffAt(m: ContractModel, alpha: number): number {
  return m.wS * Math.log1p(piAt(m, alpha) * m.uMax) - paymentAt(m, alpha);
}

export interface MenuEvaluation {
  readonly pi: Float64Array;
  readonly payment: Float64Array;
  readonly ownerPayoff: Float64Array;
  readonly ucPayoff: Float64Array;
}

/**
 * Fast path for benchmarks and bulk use: evaluates the solved menu at many types in O(n) with no
 * per-call validation beyond the type range. `alphas` need not be sorted.
 */
export function evaluateContractMenu(m: ContractModel, alphas: ArrayLike<number>): MenuEvaluation {
  const s = shapeOf(m);
  const n = alphas.length;
  const pi = new Float64Array(n);
  const payment = new Float64Array(n);
  const ownerPayoff = new Float64Array(n);
  const ucPayoff = new Float64Array(n);
  const k = m.wP * m.uMax;
  for (let i = 0; i < n; i++) {
    const alpha = alphas[i] as number;
    requireType(m, alpha);
    const x = piOf(s, alpha);
    const owner = k * intPi(s, alpha, m.alphaMax);
    const pay = owner + k * alpha * x;
    pi[i] = x;
    ownerPayoff[i] = owner;
    payment[i] = pay;
    ucPayoff[i] = m.wS * Math.log1p(x * m.uMax) - pay;
  }
  return { pi, payment, ownerPayoff, ucPayoff };
}

/** K evenly spaced points from lo to hi, both ends exact. */
export function linspace(lo: number, hi: number, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(i === k - 1 ? hi : lo + ((hi - lo) * i) / (k - 1));
  return out;
}

/** The optimal menu at K evenly spaced types (issue item 7). */
export function solveContractMenu(p: ContractMenuParams): ContractMenu {
  validateContractMenuParams(p);
  const model = solveContractModel(p);
  const alpha = linspace(p.alphaMin, p.alphaMax, p.points);
  const ev = evaluateContractMenu(model, alpha);
  const check = (name: string, xs: Float64Array): number[] => {
    for (const x of xs) ensureFinite(name, x);
    return Array.from(xs);
  };
  return {
    ...model,
    alpha,
    pi: check("pi", ev.pi),
    payment: check("payment", ev.payment),
    ownerPayoff: check("owner_payoff", ev.ownerPayoff),
    ucPayoff: check("uc_payoff", ev.ucPayoff),
  };
}

/**
 * The paper's printed formulas, kept only to quantify the deviations (docs/deviations.md):
 * π̃ of eq. (31) (unclamped) and 𝔖* of eq. (32) as printed.
 */
export function paperPrintedMenu(p: ContractModelParams, alpha: number): { pi: number; ownerPayoff: number } {
  validateContractModelParams(p);
  const a = p.alphaMin;
  const b = p.alphaMax;
  const lambda = Math.exp(((2 * p.wP) / p.wS) * (b - a) * (p.uReq / p.owners + 1));
  const den = (lambda - 1) * alpha + b - lambda * a;
  const pi = (p.wS * (lambda - 1)) / (2 * p.wP * p.uMax * den) - 1 / p.uMax;
  const ownerPayoff = ((p.wS * p.uMax) / 2) * Math.log((lambda * (b - a)) / den) - p.wP * (b - a);
  return { pi, ownerPayoff };
}
