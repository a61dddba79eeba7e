/** Random instances shared by the economics tests (broad ranges so every regime occurs). */
import type { DataPriceParams } from "../../src/economics/dataPricing.js";
import type { LoanParams } from "../../src/economics/loanPricing.js";
import type { Prng } from "../../src/sim/prng.js";
import { logUniform } from "./bruteForce.js";

/** Broad random instances: every regime (interior, kink, both bounds) shows up. */
export function randomDataPriceParams(r: Prng, participation = false): DataPriceParams {
  const alpha = logUniform(r.next(), 0.5, 2e4);
  const dMin = logUniform(r.next(), 0.05, 2e3);
  const c = logUniform(r.next(), 0.05, 2e3);
  const gamma = r.next() < 0.1 ? 0 : logUniform(r.next(), 0.01, 50);
  const priceMin = gamma + logUniform(r.next(), 1e-3, 50);
  const priceMax = r.next() < 0.05 ? priceMin : priceMin + logUniform(r.next(), 1e-3, 1e3);
  return { alpha, dMin, c, gamma, priceMin, priceMax, participation };
}

/** Broad random instances covering k < 0 and k ≥ 0, interior, α_max and no-loan regimes. */
export function randomLoanParams(r: Prng): LoanParams {
  return {
    repayAbility: r.next() < 0.1 ? 1 : r.uniform(0.01, 1),
    d: logUniform(r.next(), 1, 1e5),
    t: r.uniform(0.1, 10),
    eta: 1 + logUniform(r.next(), 0.01, 10),
    qMin: r.uniform(0, 3000),
    price: logUniform(r.next(), 0.1, 10),
    theta: r.uniform(1, 3000),
    creditFactor: r.next() < 0.1 ? 1 : r.uniform(0.01, 1),
    unitCost: logUniform(r.next(), 0.01, 1),
    alphaMax: logUniform(r.next(), 0.01, 100),
  };
}
