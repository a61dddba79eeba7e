/**
 * Energy paper Sec. V-B (Fig. 5): transaction confirmation time and trading speed of IIoT nodes on
 * a traditional blockchain, the energy blockchain, and the energy blockchain with credit-based
 * payment. A small discrete-event model; the paper gives only its headline parameters, the rest
 * is stated in `assumptions` of the loans experiment.
 */
import type { Prng } from "../prng.js";

export interface TradingScenario {
  /** Buyer–seller pairs (the paper: 50); each pair's buyer is the node measured. */
  readonly pairs: number;
  readonly horizonMin: number;
  /** Block interval = confirmation time of one block (traditional 60 min, energy blockchain 10 min). */
  readonly blockIntervalMin: number;
  /** With credit-based payment a node does not wait for its previous trade's confirmation. */
  readonly credit: boolean;
}

export interface TradingOutcome {
  /** Mean over nodes of Σ (confirmation − request) over the node's trades submitted within the horizon, minutes. */
  readonly totalConfirmationMin: number;
  /** Mean per-trade confirmation latency, minutes. */
  readonly meanLatencyMin: number;
  /** Mean over nodes of trades confirmed within the horizon, per hour. */
  readonly tradesPerHour: number;
}

/**
 * Each node wants to trade `frequency(node)` times per hour at evenly spaced requests with a random
 * phase. A transaction submitted at τ goes into the next block that starts at or after τ and is
 * confirmed when that block is finalised one interval later. Without credit, a node's coins are
 * locked until its previous trade is confirmed, so it cannot submit the next one before.
 */
export function simulateTrading(
  s: TradingScenario,
  frequency: (node: number) => number,
  rng: Prng,
): TradingOutcome {
  const T = s.blockIntervalMin;
  const phase = rng.uniform(0, T);
  const nextBoundary = (tau: number): number => phase + Math.ceil((tau - phase) / T) * T;
  let totalConf = 0;
  let latencySum = 0;
  let trades = 0;
  let finished = 0;
  for (let node = 0; node < s.pairs; node++) {
    const f = frequency(node);
    const gap = 60 / f;
    const offset = rng.uniform(0, gap);
    let prevConfirm = Number.NEGATIVE_INFINITY;
    let nodeConf = 0;
    for (let j = 0; ; j++) {
      const request = offset + j * gap;
      if (request >= s.horizonMin) break;
      const submit = s.credit ? request : Math.max(request, prevConfirm);
      if (submit >= s.horizonMin) break;
      const confirm = nextBoundary(submit) + T;
      prevConfirm = confirm;
      nodeConf += confirm - request;
      latencySum += confirm - request;
      trades++;
      if (confirm <= s.horizonMin) finished++;
    }
    totalConf += nodeConf;
  }
  return {
    totalConfirmationMin: totalConf / s.pairs,
    meanLatencyMin: trades > 0 ? latencySum / trades : 0,
    tradesPerHour: finished / s.pairs / (s.horizonMin / 60),
  };
}
