/** Random SPDS contract parameters for the contract tests (broad: every clamping regime occurs). */
import type { ContractMenuParams } from "../../src/economics/contractMenu.js";
import type { Prng } from "../../src/sim/prng.js";
import { logUniform } from "./bruteForce.js";

export function randomContractParams(r: Prng, points = 41): ContractMenuParams {
  const owners = r.int(1, 1000);
  const alphaMin = r.next() < 0.2 ? 0 : r.uniform(0, 2);
  const alphaMax = alphaMin + logUniform(r.next(), 1e-3, 5);
  const uMax = logUniform(r.next(), 0.01, 100);
  const u = r.next();
  const rho = u < 0.05 ? 0 : u < 0.1 ? 1 : r.next();
  return {
    owners,
    alphaMin,
    alphaMax,
    uMax,
    wP: logUniform(r.next(), 0.01, 10),
    wS: logUniform(r.next(), 0.01, 100),
    uReq: rho * owners * uMax,
    points,
  };
}

/** Largest gain of any grid type from taking another grid type's item (IC: should be ≤ ~0). */
export function maxMisreportGain(
  alpha: readonly number[],
  pi: ArrayLike<number>,
  payment: ArrayLike<number>,
  wP: number,
  uMax: number,
): number {
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i] as number;
    const own = (payment[i] as number) - wP * a * (pi[i] as number) * uMax;
    for (let j = 0; j < alpha.length; j++) {
      const gain = (payment[j] as number) - wP * a * (pi[j] as number) * uMax - own;
      if (gain > worst) worst = gain;
    }
  }
  return worst;
}
