/**
 * Structure-blind reference solver for the SPDS contract menu: it uses only the IC reduction
 * (Theorem 1) and the binding IR at ᾱ (Lemma 2), then maximises the pointwise Lagrangian by
 * bisection on its derivative (no closed form), integrates by adaptive Simpson quadrature and finds the
 * multiplier by a bracketing root search on the aggregate requirement. Orders of magnitude slower
 * than solveContractModel; tests check the exact solver against it, and benchmarks use it as the
 * "scan" baseline.
 */
import type { ContractMenuParams } from "./contractMenu.js";
import { linspace, validateContractMenuParams } from "./contractMenu.js";

/**
 * argmax over π ∈ [0, 1] of the concave ϖ_s ln(1 + π u) − u π d, by bisection on the sign of its
 * derivative (golden section on the values would stop at ~1e-8, where the values stop differing).
 */
export function pointwiseArgmax(wS: number, u: number, d: number): number {
  const slope = (x: number): number => (wS * u) / (1 + x * u) - u * d;
  if (slope(1) >= 0) return 1;
  if (slope(0) <= 0) return 0;
  let a = 0;
  let b = 1;
  for (let i = 0; i < 64 && b - a > Number.EPSILON; i++) {
    const m = (a + b) / 2;
    if (slope(m) > 0) a = m;
    else b = m;
  }
  return (a + b) / 2;
}

/**
 * Adaptive Simpson quadrature with tolerance eps relative to max|f|·(b − a) (an absolute tolerance
 * would ask for digits below float resolution when f is large), started on 16 panels so that a
 * feature narrower than the interval (π > 0 on a sliver of types) is not missed by the first samples.
 */
export function adaptiveSimpson(f: (x: number) => number, a: number, b: number, eps = 1e-12): number {
  if (!(b > a)) return 0;
  const panels = 16;
  const xs: number[] = [];
  const fs: number[] = [];
  for (let k = 0; k <= 2 * panels; k++) {
    const x = k === 2 * panels ? b : a + ((b - a) * k) / (2 * panels);
    xs.push(x);
    fs.push(f(x));
  }
  const scale = Math.max(...fs.map(Math.abs)) * (b - a);
  const tol = eps * (scale > 0 ? scale : b - a);
  let sum = 0;
  for (let k = 0; k < panels; k++) {
    const x0 = xs[2 * k] as number;
    const x1 = xs[2 * k + 2] as number;
    const f0 = fs[2 * k] as number;
    const fm = fs[2 * k + 1] as number;
    const f1 = fs[2 * k + 2] as number;
    const whole = ((x1 - x0) / 6) * (f0 + 4 * fm + f1);
    sum += simpsonRec(f, x0, x1, f0, fm, f1, whole, tol / panels, 40);
  }
  return sum;
}

function simpsonRec(
  f: (x: number) => number,
  a: number,
  b: number,
  fa: number,
  fm: number,
  fb: number,
  whole: number,
  eps: number,
  depth: number,
): number {
  const m = (a + b) / 2;
  const lm = (a + m) / 2;
  const rm = (m + b) / 2;
  const flm = f(lm);
  const frm = f(rm);
  const left = ((m - a) / 6) * (fa + 4 * flm + fm);
  const right = ((b - m) / 6) * (fm + 4 * frm + fb);
  const delta = left + right - whole;
  if (depth <= 0 || Math.abs(delta) <= 15 * eps) return left + right + delta / 15;
  return (
    simpsonRec(f, a, m, fa, flm, fm, left, eps / 2, depth - 1) +
    simpsonRec(f, m, b, fm, frm, fb, right, eps / 2, depth - 1)
  );
}

export interface BruteContractMenu {
  readonly multiplier: number;
  readonly meanPi: number;
  readonly alpha: number[];
  readonly pi: number[];
  readonly payment: number[];
  readonly ownerPayoff: number[];
  readonly ucPayoff: number[];
  readonly ucPayoffTotal: number;
  readonly ownerPayoffTotal: number;
}

export function solveContractMenuBrute(p: ContractMenuParams): BruteContractMenu {
  validateContractMenuParams(p);
  const a = p.alphaMin;
  const b = p.alphaMax;
  const u = p.uMax;
  const { wP, wS } = p;
  const rho = Math.min(1, p.uReq / (p.owners * u));
  const piAt = (beta: number, alpha: number): number => pointwiseArgmax(wS, u, wP * (2 * alpha - a) - beta);
  const mean = (beta: number): number => adaptiveSimpson((t) => piAt(beta, t), a, b, 1e-11) / (b - a);
  // Every π is 0 below the bracket and 1 above it.
  let lo = wP * a - wS - 1;
  let hi = wP * (2 * b - a) - wS / (1 + u) + 1;
  let flo = mean(lo) - rho;
  let fhi = mean(hi) - rho;
  // Illinois regula falsi, with bisection when it stalls.
  let side = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo), Math.abs(hi)); i++) {
    let x = fhi !== flo ? hi - (fhi * (hi - lo)) / (fhi - flo) : (lo + hi) / 2;
    if (!(x > lo && x < hi) || i % 8 === 7) x = (lo + hi) / 2;
    const fx = mean(x) - rho;
    // Quadrature error is ~1e-11 relative: closer than that the sign of fx carries no information.
    if (Math.abs(fx) <= 1e-13) {
      lo = x;
      hi = x;
      break;
    }
    if (fx < 0) {
      lo = x;
      flo = fx;
      if (side === -1) fhi /= 2;
      side = -1;
    } else {
      hi = x;
      fhi = fx;
      if (side === 1) flo /= 2;
      side = 1;
    }
  }
  const beta = rho <= 0 ? lo : rho >= 1 ? hi : (lo + hi) / 2;
  const pif = (t: number): number => piAt(beta, t);
  const alpha = linspace(a, b, p.points);
  const pi = alpha.map(pif);
  const ownerPayoff = alpha.map((x) => wP * u * adaptiveSimpson(pif, x, b, 1e-11));
  const payment = alpha.map((x, i) => (ownerPayoff[i] as number) + wP * x * (pi[i] as number) * u);
  const ucPayoff = alpha.map((_, i) => wS * Math.log1p((pi[i] as number) * u) - (payment[i] as number));
  // E over types of 𝔖 by Fubini: ∫_α̲^ᾱ 𝔖 = ϖ_p u ∫ π(t)(t − α̲) dt.
  const ownerInt = wP * u * adaptiveSimpson((t) => pif(t) * (t - a), a, b, 1e-11);
  const directInt = adaptiveSimpson((t) => wS * Math.log1p(pif(t) * u) - wP * t * pif(t) * u, a, b, 1e-11);
  const scale = p.owners / (b - a);
  return {
    multiplier: beta,
    meanPi: mean(beta),
    alpha,
    pi,
    payment,
    ownerPayoff,
    ucPayoff,
    ucPayoffTotal: scale * (directInt - ownerInt),
    ownerPayoffTotal: scale * ownerInt,
  };
}
