/** Exhaustive enumeration of P1's 2^n offload sets (test oracle; n ≤ ~18). */
import type { OffloadingInstance } from "../../src/economics/offloading.js";
import { assignmentCost, prepareOffloading } from "../../src/economics/offloading.js";

export function enumerateOffloading(inst: OffloadingInstance): { cost: number; x: number[] } {
  const prep = prepareOffloading(inst);
  const n = prep.n;
  const x = new Array<number>(n).fill(0);
  let best = Number.POSITIVE_INFINITY;
  let bestX = x.slice();
  for (let mask = 0; mask < 1 << n; mask++) {
    for (let i = 0; i < n; i++) x[i] = (mask >> i) & 1;
    const c = assignmentCost(prep, x);
    if (c < best) {
      best = c;
      bestX = x.slice();
    }
  }
  return { cost: best, x: bestX };
}
