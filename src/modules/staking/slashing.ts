import type { Misbehavior } from "../../app/abci.js";
import type { KvStore } from "../../app/state.js";
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { burn } from "../coin/state.js";
import { removeDelegator, unindexIfDone } from "./bonds.js";
import { BP_DENOMINATOR, type StakingParams } from "./params.js";
import {
  delegatorsKey,
  getAddressList,
  getDelegation,
  getUnbonding,
  getValidator,
  STAKING_POOL_ADDRESS,
  setDelegation,
  setUnbonding,
  setValidator,
  slashedKey,
} from "./state.js";

/**
 * Slashed part of one bond: floor(amount × bp / 10 000). Rounding down, per bond, means nobody
 * loses more than the stated fraction of their own stake (a 1-unit delegation is not taken whole);
 * the cost is at most one base unit per bond left unslashed.
 */
export function slashAmount(amount: bigint, bp: number): bigint {
  return (amount * BigInt(bp)) / BP_DENOMINATOR;
}

export interface SlashOutcome {
  readonly validator: string;
  readonly infractionHeight: bigint;
  readonly burned: bigint;
  readonly jailed: boolean;
}

/**
 * Applies one piece of duplicate-vote evidence: burns slashFractionDoubleSignBp of the self-bond,
 * of every delegation, and of every unbonding entry created at or after the infraction height
 * (that stake was bonded when the validator equivocated), then jails the validator. Evidence of
 * another type, for an unknown validator, for a (validator, height) already slashed, or for an
 * infraction at or before the height the validator was jailed at is ignored, so CometBFT
 * re-reporting the same equivocation costs nothing twice.
 */
export function applyEvidence(
  state: KvStore,
  p: StakingParams,
  height: bigint,
  m: Misbehavior,
): SlashOutcome | undefined {
  if (m.type !== "duplicate_vote") return undefined;
  const cons = m.validatorAddress;
  const v = getValidator(state, cons);
  if (!v) return undefined;
  // One equivocation incident is punished once: CometBFT commits evidence for every height the
  // double signer signed twice before its removal takes effect, and those all predate the jailing
  // (Cosmos SDK tombstones for the same reason). A later, new infraction would still count.
  if (v.jailed && m.height <= v.jailedHeight) return undefined;
  const mark = slashedKey(cons, m.height);
  if (state.get(mark) !== undefined) return undefined;
  state.set(mark, ONE);

  const bp = p.slashFractionDoubleSignBp;
  let burned = 0n;
  const selfCut = slashAmount(v.selfBond, bp);
  v.selfBond -= selfCut;
  burned += selfCut;

  let delegatedCut = 0n;
  const emptied: Uint8Array[] = [];
  for (const d of getAddressList(state, delegatorsKey(cons))) {
    const amount = getDelegation(state, cons, d);
    const cut = slashAmount(amount, bp);
    if (cut === 0n) continue;
    setDelegation(state, cons, d, amount - cut);
    if (amount === cut) {
      removeDelegator(state, cons, d);
      emptied.push(d);
    }
    delegatedCut += cut;
  }
  v.delegated -= delegatedCut;
  burned += delegatedCut;

  const entries = getUnbonding(state, cons);
  let touched = false;
  const kept = entries.flatMap((e) => {
    if (e.creationHeight < m.height) return [e];
    const cut = slashAmount(e.amount, bp);
    burned += cut;
    touched ||= cut > 0n;
    return e.amount === cut ? [] : [{ ...e, amount: e.amount - cut }];
  });
  if (touched) setUnbonding(state, cons, kept);
  // A bond slashed to nothing may have been the pair's last tie (only at a 100 % fraction).
  const untied = touched ? [...emptied, ...entries.map((e) => e.delegator)] : emptied;
  for (const d of untied) if (!bytesEqual(d, v.operator)) unindexIfDone(state, cons, d, kept);

  const jailed = p.jailOnDoubleSign;
  if (jailed) {
    v.jailed = true;
    v.jailedHeight = height;
  }
  setValidator(state, cons, v);
  if (burned > 0n) burn(state, STAKING_POOL_ADDRESS, burned);
  return { validator: toHex(cons), infractionHeight: m.height, burned, jailed };
}

const ONE = new Uint8Array([1]);
