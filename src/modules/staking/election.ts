import type { ValidatorUpdate } from "../../app/types.js";
import { toHex } from "../../crypto/hash.js";
import { powerOf, type StakingParams } from "./params.js";
import type { ActiveValidator } from "./state.js";

/** What the election needs to know about one validator. */
export interface Candidate {
  readonly address: Uint8Array;
  readonly pubKey: Uint8Array;
  readonly selfBond: bigint;
  readonly stake: bigint;
  readonly jailed: boolean;
  /** The operator still holds an active identity with a validator role. */
  readonly operatorActive: boolean;
}

type ElectionParams = Pick<StakingParams, "maxValidators" | "minSelfBond" | "powerReduction">;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Ranking order: larger stake first, then consensus address ascending (bytewise = hex order). */
export function compareCandidates(
  a: Pick<Candidate, "stake" | "address">,
  b: Pick<Candidate, "stake" | "address">,
) {
  if (a.stake !== b.stake) return a.stake > b.stake ? -1 : 1;
  return compareBytes(a.address, b.address);
}

export function isEligible(c: Candidate, p: ElectionParams): boolean {
  return !c.jailed && c.operatorActive && c.selfBond >= p.minSelfBond && powerOf(c.stake, p) >= 1n;
}

/**
 * DPoS election: eligible candidates ranked by total stake (ties by address), top M kept. The
 * result is sorted by address, the order the active set is stored in.
 */
export function elect(candidates: readonly Candidate[], p: ElectionParams): ActiveValidator[] {
  const ranked = candidates.filter((c) => isEligible(c, p)).sort(compareCandidates);
  return ranked
    .slice(0, p.maxValidators)
    .map((c) => ({ address: c.address, pubKey: c.pubKey, power: powerOf(c.stake, p) }))
    .sort((a, b) => compareBytes(a.address, b.address));
}

/**
 * The ValidatorUpdates that turn CometBFT's set `prev` into `next`: new or re-powered members
 * with their power, departed members with power 0, nothing for unchanged members. One update per
 * address, sorted by address (CometBFT refuses duplicates).
 */
export function diffValidatorSets(
  prev: readonly ActiveValidator[],
  next: readonly ActiveValidator[],
): ValidatorUpdate[] {
  const before = new Map(prev.map((v) => [toHex(v.address), v]));
  const after = new Map(next.map((v) => [toHex(v.address), v]));
  const out: { key: string; u: ValidatorUpdate }[] = [];
  for (const [key, v] of after) {
    if (before.get(key)?.power !== v.power) out.push({ key, u: { pubKey: v.pubKey, power: v.power } });
  }
  for (const [key, v] of before) {
    if (!after.has(key)) out.push({ key, u: { pubKey: v.pubKey, power: 0n } });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((x) => x.u);
}

export function totalPower(set: readonly { power: bigint }[]): bigint {
  return set.reduce((s, v) => s + v.power, 0n);
}
