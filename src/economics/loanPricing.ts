/**
 * Energy blockchain (Sec. IV) Stackelberg loan pricing: the credit bank (leader) sets a penalty
 * rate α_i ∈ (0, α_max] per borrower, the interest rate follows as β_i = α_i/(η_i t_i), and the
 * borrower (follower) answers with a loan amount R_i.
 *
 *   borrower  u_i = λ[d·ln(R/p − Q_min + θ) − β·R·t] − (1 − λ)·α·R          (eqs. 1–2)
 *   bank      u_bc = γ(β·R·t − R·t·c) + (1 − γ)·α·R                           (eq. 3)
 *
 * With β·t = α/η both are linear in α given R: the borrower's marginal cost of a unit of loan is
 * α·κ with κ = λ/η + 1 − λ, the bank's margin per unit is α·g − γ·t·c with g = γ/η + 1 − γ.
 * Derivation and the places where the printed eqs. (12)–(13) go wrong: docs/economics.md,
 * docs/deviations.md.
 */
import {
  ensureFinite,
  requireGreaterThan,
  requireInteger,
  requireNonNegative,
  requireOneOf,
  requirePositive,
  requireRange,
  requireRangeOpenLow,
} from "./validate.js";

export interface LoanParams {
  /** Repayment ability λ ∈ (0, 1] (λ = s/(s+f), see repaymentAbility). */
  readonly repayAbility: number;
  /** Satisfaction factor d > 0. */
  readonly d: number;
  /** Loan time t > 0. */
  readonly t: number;
  /** Penalty/interest ratio factor η > 1 (α = η·t·β). */
  readonly eta: number;
  /** Minimum energy demand Q_min ≥ 0. */
  readonly qMin: number;
  /** Energy price p > 0. */
  readonly price: number;
  /** Satisfaction offset θ > 0. */
  readonly theta: number;
  /** Credit-grade factor γ ∈ (0, 1]. */
  readonly creditFactor: number;
  /** Bank's unit cost of the loan c > 0. */
  readonly unitCost: number;
  /** Upper bound on the penalty rate α_max > 0. */
  readonly alphaMax: number;
}

export type LoanRegime =
  /** α* is the stationary point of the bank's concave objective. */
  | "interior"
  /** α* = α_max (the bank would charge more if it could). */
  | "alpha-max"
  /** No penalty rate gives the bank a positive utility from a positive loan; the borrower borrows 0. */
  | "no-loan";

export interface LoanSolution {
  readonly penaltyRate: number;
  readonly interestRate: number;
  readonly loan: number;
  readonly bankUtility: number;
  readonly borrowerUtility: number;
  readonly regime: LoanRegime;
}

export function validateLoanParams(p: LoanParams): void {
  requireRangeOpenLow("repay_ability", p.repayAbility, 0, 1);
  requirePositive("d", p.d);
  requirePositive("t", p.t);
  requireGreaterThan("eta", p.eta, 1);
  requireNonNegative("q_min", p.qMin);
  requirePositive("price", p.price);
  requirePositive("theta", p.theta);
  requireRangeOpenLow("credit_factor", p.creditFactor, 0, 1);
  requirePositive("unit_cost", p.unitCost);
  requirePositive("alpha_max", p.alphaMax);
}

/** κ: the borrower's marginal cost of one unit of loan is α·κ. */
export function borrowerCostFactor(repayAbility: number, eta: number): number {
  return repayAbility / eta + 1 - repayAbility;
}

/** g: the bank's revenue per unit of loan is α·g (its cost is γ·t·c). */
export function bankRevenueFactor(creditFactor: number, eta: number): number {
  return creditFactor / eta + 1 - creditFactor;
}

/** k = p·(Q_min − θ): the loan below which the log in eq. (1) is undefined. */
export function loanFloor(p: LoanParams): number {
  return p.price * (p.qMin - p.theta);
}

/**
 * Follower best response R*(α) = max(0, k + λd/(ακ)): eq. (8) plus the bound R ≥ 0 (a loan is not
 * negative; the paper's constraint R > k allows R < 0 when θ > Q_min). Assumes α > 0.
 */
export function borrowerLoan(p: LoanParams, penaltyRate: number): number {
  const r = loanFloor(p) + (p.repayAbility * p.d) / (penaltyRate * borrowerCostFactor(p.repayAbility, p.eta));
  return Math.max(r, 0);
}

export function borrowerUtilityAt(p: LoanParams, penaltyRate: number, loan: number): number {
  const beta = penaltyRate / (p.eta * p.t);
  const sat = p.d * Math.log(loan / p.price - p.qMin + p.theta);
  return p.repayAbility * (sat - beta * loan * p.t) - (1 - p.repayAbility) * penaltyRate * loan;
}

export function bankUtilityAt(p: LoanParams, penaltyRate: number, loan: number): number {
  const beta = penaltyRate / (p.eta * p.t);
  const gam = p.creditFactor;
  return gam * (beta * loan * p.t - loan * p.t * p.unitCost) + (1 - gam) * penaltyRate * loan;
}

/** Leader objective with the follower's best response substituted. */
export function bankObjective(p: LoanParams, penaltyRate: number): number {
  return bankUtilityAt(p, penaltyRate, borrowerLoan(p, penaltyRate));
}

function outcome(
  p: LoanParams,
  penaltyRate: number,
  loan: number,
  regime: LoanRegime,
  interestRate = penaltyRate / (p.eta * p.t),
): LoanSolution {
  return {
    penaltyRate,
    interestRate,
    loan,
    bankUtility: bankUtilityAt(p, penaltyRate, loan),
    borrowerUtility: borrowerUtilityAt(p, penaltyRate, loan),
    regime,
  };
}

/**
 * Exact Stackelberg equilibrium for one borrower.
 *
 * Where R* > 0, u_bc(α) = (αg − γtc)(k + λd/(ακ)) = kgα − kγtc + λdg/κ − γtcλd/(κα), strictly
 * concave (u'' = −2γtcλd/(κα³)) with u' = kg + γtcλd/(κα²):
 * - k ≥ 0: u' > 0, so α* = α_max (eq. 13 prints 0 here, which is the infimum, not the maximum);
 * - k < 0: stationary point α_c = √(γtcλd / ((−k)·g·κ)) (eq. 12, simplified). R*(α_c) and the margin
 *   α_c·g − γtc have the same sign, so α_c is the optimum exactly when the loan there is positive
 *   (α_c < α_0 = λd/(κ(−k)), where R* reaches 0); otherwise every α ≥ α_0 gives u_bc = 0 > u_bc on
 *   (0, α_0) and the bank offers no loan (α* = α_0, the lowest maximiser).
 */
export function solveLoanPricing(p: LoanParams): LoanSolution {
  validateLoanParams(p);
  return checkFinite(solveValidated(p));
}

/** Valid but extreme inputs can overflow; never return Infinity or NaN. */
function checkFinite(s: LoanSolution): LoanSolution {
  ensureFinite("penalty_rate", s.penaltyRate);
  ensureFinite("interest_rate", s.interestRate);
  ensureFinite("loan", s.loan);
  ensureFinite("bank_utility", s.bankUtility);
  ensureFinite("borrower_utility", s.borrowerUtility);
  return s;
}

function solveValidated(p: LoanParams): LoanSolution {
  const k = loanFloor(p);
  const M = p.alphaMax;
  if (k >= 0) return outcome(p, M, borrowerLoan(p, M), "alpha-max");
  const kappa = borrowerCostFactor(p.repayAbility, p.eta);
  const g = bankRevenueFactor(p.creditFactor, p.eta);
  const lamD = p.repayAbility * p.d;
  const alpha0 = lamD / (kappa * -k);
  const alphaC = Math.sqrt((p.creditFactor * p.t * p.unitCost * lamD) / (-k * g * kappa));
  if (alphaC < alpha0) {
    return alphaC < M
      ? outcome(p, alphaC, borrowerLoan(p, alphaC), "interior")
      : outcome(p, M, borrowerLoan(p, M), "alpha-max");
  }
  if (alpha0 <= M) return outcome(p, alpha0, 0, "no-loan");
  return outcome(p, M, borrowerLoan(p, M), "alpha-max");
}

/**
 * The printed eqs. (8), (12), (13), kept only to document the deviation: α* = 0 for k > 0 (where
 * eq. (8) then has no finite loan, returned as null), else min(√(−h2·η²·t / ((h4 + h6·η·t)(λ + η − λη))), α_max).
 */
export function paperLoanPricing(p: LoanParams): { penaltyRate: number; loan: number | null } {
  validateLoanParams(p);
  const k = loanFloor(p);
  if (k > 0) return { penaltyRate: 0, loan: null };
  const { repayAbility: lam, d, creditFactor: gam, t, unitCost: c, eta } = p;
  const h2 = lam * d * gam * t * c;
  const h4 = k * gam * t;
  const h6 = k * (1 - gam);
  const raw = Math.sqrt((-h2 * eta * eta * t) / ((h4 + h6 * eta * t) * (lam + eta - lam * eta)));
  const alpha = Math.min(raw, p.alphaMax);
  return { penaltyRate: alpha, loan: (lam * d) / (lam * (alpha / (eta * t)) * t + (1 - lam) * alpha) + k };
}

export interface LoanScanOptions {
  /** Grid points α_j = j·α_max/steps, j = 1..steps (α = 0 is outside the domain). */
  readonly steps: number;
}

export interface LoanScanResult extends LoanSolution {
  readonly evaluations: number;
}

/** The paper's Algorithm 1 as a baseline: scan α over a uniform grid on (0, α_max], keep the best bank utility. */
export function loanPriceScan(p: LoanParams, opts: LoanScanOptions): LoanScanResult {
  validateLoanParams(p);
  requireInteger("steps", opts.steps, 1);
  let bestA = p.alphaMax;
  let bestU = Number.NEGATIVE_INFINITY;
  for (let j = 1; j <= opts.steps; j++) {
    const a = j === opts.steps ? p.alphaMax : (p.alphaMax * j) / opts.steps;
    const u = bankObjective(p, a);
    if (u > bestU) {
      bestU = u;
      bestA = a;
    }
  }
  const loan = borrowerLoan(p, bestA);
  return {
    ...outcome(p, bestA, loan, loan === 0 ? "no-loan" : bestA === p.alphaMax ? "alpha-max" : "interior"),
    evaluations: opts.steps,
  };
}

/** Outcome when the loan amount and the interest rate are fixed by a heuristic (AAS, RAS). */
export function fixedLoanOutcome(p: LoanParams, loan: number, interestRate: number): LoanSolution {
  validateLoanParams(p);
  requireNonNegative("loan", loan);
  requirePositive("interest_rate", interestRate);
  return outcome(p, interestRate * p.eta * p.t, loan, loan === 0 ? "no-loan" : "interior", interestRate);
}

/** The paper's baselines fix the interest rate at 0.1. */
export const BASELINE_INTEREST_RATE = 0.1;

/** AAS: every borrower of a bank gets budget/n at the baseline interest rate. */
export function averageAmountScheme(
  borrowers: readonly LoanParams[],
  budget: number,
  interestRate = BASELINE_INTEREST_RATE,
): LoanSolution[] {
  requireInteger("borrowers.length", borrowers.length, 1);
  requireNonNegative("budget", budget);
  const each = budget / borrowers.length;
  return borrowers.map((b) => fixedLoanOutcome(b, each, interestRate));
}

export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
}

/** RAS: the bank's budget is split in random shares (uniform weights, normalised) at the baseline interest rate. */
export function randomAmountScheme(
  borrowers: readonly LoanParams[],
  budget: number,
  rng: RandomSource,
  interestRate = BASELINE_INTEREST_RATE,
): LoanSolution[] {
  requireInteger("borrowers.length", borrowers.length, 1);
  requireNonNegative("budget", budget);
  const w = borrowers.map(() => rng.next());
  const total = w.reduce((a, x) => a + x, 0);
  return borrowers.map((b, i) =>
    fixedLoanOutcome(b, total > 0 ? (budget * (w[i] ?? 0)) / total : budget / borrowers.length, interestRate),
  );
}

/** The 35 Lending Club sub-grades in order, best first: A1 … G5. */
export const CREDIT_GRADES: readonly string[] = ["A", "B", "C", "D", "E", "F", "G"].flatMap((l) =>
  [1, 2, 3, 4, 5].map((n) => `${l}${n}`),
);

/** 1-based position n of a sub-grade ("A1" → 1, "G5" → 35). */
export function creditGradeIndex(grade: string): number {
  return CREDIT_GRADES.indexOf(requireOneOf("grade", grade.toUpperCase(), CREDIT_GRADES)) + 1;
}

/** Credit-grade factor γ = r_n = 1 − (n − 1)/N (Sec. V-C), n ∈ 1..N. */
export function creditGradeFactor(n: number, gradeCount = CREDIT_GRADES.length): number {
  requireInteger("grade_count", gradeCount, 1);
  requireInteger("grade_index", n, 1);
  requireRange("grade_index", n, 1, gradeCount);
  return 1 - (n - 1) / gradeCount;
}

/** Repayment ability λ = s/(s+f) from a repayment record RP(s, f); s ≥ 1 so that λ > 0. */
export function repaymentAbility(successes: number, failures: number): number {
  requireInteger("s", successes, 1);
  requireInteger("f", failures, 0);
  return successes / (successes + failures);
}
