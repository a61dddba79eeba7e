/**
 * The two SPDS comparison schemes of Sec. V-A, which the paper describes in one sentence each.
 * Precise definitions (docs/economics-spds.md); both face the same DOs (types uniform on [α̲, ᾱ],
 * payoff p − ϖ_p α π u_max), the same IR and the same aggregate requirement (11) as the proposed
 * menu, so the UC totals are comparable:
 *
 * FP (fixed price): the UC posts one unit price ϱ per unit of data utility for every type; each DO
 *   picks π ∈ [0, 1] to maximise (ϱ − ϖ_p α)π u_max, i.e. π = 1 iff α ≤ ϱ/ϖ_p. The only price that
 *   meets (11) is ϱ = ϖ_p α_c with α_c = α̲ + ρ(ᾱ − α̲), so the UC has nothing left to adjust.
 *
 * LC (linear contract): the payment is linear in the contributed utility, p = κ·π·u_max, but the UC
 *   also chooses the contracted utility level π_L and may adjust the unit price κ. A DO accepts
 *   (π_L, κπ_L u_max) iff α ≤ κ/ϖ_p =: α_c. (11) ties π_L = ρ/G(α_c); the UC picks
 *   x = G(α_c) ∈ [ρ, 1] maximising the concave f(x) = ϖ_s x ln(1 + ρ u_max / x) − ϖ_p ρ u_max α_c(x).
 *   x = ρ reproduces FP; x = 1 is a pooling contract. Any other menu with a payment linear in
 *   utility at a single unit price is either of these two items, so this is the best such contract.
 */
import type { ContractModelParams } from "./contractMenu.js";
import { validateContractModelParams } from "./contractMenu.js";
import { ensureFinite } from "./validate.js";

export type BaselineKind = "LC" | "FP";

export interface BaselineContract {
  readonly kind: BaselineKind;
  /** Highest participating type α_c (types above it take the null item (0, 0)). */
  readonly alphaCut: number;
  /** Utility level π of the participating item. */
  readonly piLevel: number;
  /** Unit price per unit of data utility (ϱ for FP, κ for LC). */
  readonly unitPrice: number;
  /** I·E[ϖ_s ln(1 + π u_max) − p]. */
  readonly ucPayoffTotal: number;
  /** I·E[p − ϖ_p α π u_max]. */
  readonly ownerPayoffTotal: number;
  readonly paymentTotal: number;
  readonly meanPi: number;
}

function finish(kind: BaselineKind, p: ContractModelParams, x: number, piLevel: number): BaselineContract {
  const a = p.alphaMin;
  const span = p.alphaMax - a;
  const alphaCut = a + x * span;
  const unitPrice = p.wP * alphaCut;
  const pay = unitPrice * piLevel * p.uMax;
  const ucPerOwner = x * (p.wS * Math.log1p(piLevel * p.uMax) - pay);
  // ∫_α̲^α_c ϖ_p (α_c − α) π_L u_max dα / (ᾱ − α̲)
  const ownerPerOwner = (p.wP * piLevel * p.uMax * (alphaCut - a) ** 2) / (2 * span);
  return {
    kind,
    alphaCut,
    piLevel,
    unitPrice: ensureFinite("unit_price", unitPrice),
    ucPayoffTotal: ensureFinite("uc_payoff_total", p.owners * ucPerOwner),
    ownerPayoffTotal: ensureFinite("owner_payoff_total", p.owners * ownerPerOwner),
    paymentTotal: ensureFinite("payment_total", p.owners * x * pay),
    meanPi: x * piLevel,
  };
}

function rhoOf(p: ContractModelParams): number {
  return Math.min(1, p.uReq / (p.owners * p.uMax));
}

export function solveFixedPrice(p: ContractModelParams): BaselineContract {
  validateContractModelParams(p);
  const rho = rhoOf(p);
  return finish("FP", p, rho, rho > 0 ? 1 : 0);
}

/** f'(x)/(stuff): derivative of the LC objective per owner in x = G(α_c). */
function lcSlope(p: ContractModelParams, rho: number, x: number): number {
  const c = rho * p.uMax;
  return p.wS * (Math.log1p(c / x) - c / (x + c)) - p.wP * c * (p.alphaMax - p.alphaMin);
}

export function solveLinearContract(p: ContractModelParams): BaselineContract {
  validateContractModelParams(p);
  const rho = rhoOf(p);
  if (rho <= 0) return finish("LC", p, 1, 0);
  let x: number;
  if (lcSlope(p, rho, 1) >= 0) x = 1;
  else if (lcSlope(p, rho, rho) <= 0) x = rho;
  else {
    // f is strictly concave (f'' = −ϖ_s c²/(x(x + c)²)), so its slope is strictly decreasing.
    let lo = rho;
    let hi = 1;
    for (let i = 0; i < 200 && hi - lo > 4 * Number.EPSILON; i++) {
      const mid = lo + (hi - lo) / 2;
      if (lcSlope(p, rho, mid) > 0) lo = mid;
      else hi = mid;
    }
    x = lo + (hi - lo) / 2;
  }
  return finish("LC", p, x, rho / x);
}

export function solveBaseline(kind: BaselineKind, p: ContractModelParams): BaselineContract {
  return kind === "LC" ? solveLinearContract(p) : solveFixedPrice(p);
}

export interface BaselineItem {
  readonly pi: number;
  readonly payment: number;
  readonly ownerPayoff: number;
  readonly ucPayoff: number;
}

/** The item a type-α DO ends up with (ties at α_c go to participation). */
export function baselineItemAt(
  contract: BaselineContract,
  p: Pick<ContractModelParams, "uMax" | "wP" | "wS">,
  alpha: number,
): BaselineItem {
  if (!(alpha <= contract.alphaCut)) return { pi: 0, payment: 0, ownerPayoff: 0, ucPayoff: 0 };
  const pi = contract.piLevel;
  const payment = contract.unitPrice * pi * p.uMax;
  return {
    pi,
    payment,
    ownerPayoff: payment - p.wP * alpha * pi * p.uMax,
    ucPayoff: p.wS * Math.log1p(pi * p.uMax) - payment,
  };
}
