import type { Misbehavior } from "../../app/abci.js";
import type { KvReader, KvStore } from "../../app/state.js";
import type { ValidatorUpdate } from "../../app/types.js";
import { bytesEqual } from "../../crypto/hash.js";
import { isConsortiaError } from "../../errors.js";
import type { Role } from "../identity/certificate.js";
import { requireActiveIdentity } from "../identity/state.js";
import { type Candidate, diffValidatorSets, elect } from "./election.js";
import type { StakingParams } from "./params.js";
import {
  type ActiveValidator,
  getActiveSet,
  getAddressList,
  getValidator,
  setActiveSet,
  stakeOf,
  VALIDATOR_LIST_KEY,
} from "./state.js";

/** Roles of the institutions that run nodes in the five papers (Healthchain, energy, SPDS). */
export const VALIDATOR_ROLES: readonly Role[] = ["institution", "aggregator", "utility", "credit-bank"];

export function operatorIsActive(state: KvReader, operator: Uint8Array, timeMs: bigint): boolean {
  try {
    requireActiveIdentity(state, operator, timeMs, VALIDATOR_ROLES);
    return true;
  } catch (err) {
    if (isConsortiaError(err)) return false;
    throw err;
  }
}

/** Every registered validator as an election candidate, judged at block time `timeMs`. */
export function loadCandidates(state: KvReader, timeMs: bigint): Candidate[] {
  const out: Candidate[] = [];
  for (const address of getAddressList(state, VALIDATOR_LIST_KEY)) {
    const v = getValidator(state, address);
    if (!v) continue;
    out.push({
      address,
      pubKey: v.consensusPubKey,
      selfBond: v.selfBond,
      stake: stakeOf(v),
      jailed: v.jailed,
      operatorActive: operatorIsActive(state, v.operator, timeMs),
    });
  }
  return out;
}

export interface SetChange {
  readonly updates: ValidatorUpdate[];
  readonly active: ActiveValidator[];
  /** The change would have left CometBFT with no validator, so the set was kept as it was. */
  readonly kept: boolean;
}

/**
 * Replaces the stored active set with `next` and returns the updates for CometBFT. An empty
 * `next` is refused (CometBFT halts on an empty set): the chain keeps its validators until a
 * candidate qualifies. An empty stored set means staking does not manage this chain's validators
 * (no validators were bonded at genesis; CometBFT runs its genesis set), and nothing is returned.
 */
function commitSet(state: KvStore, prev: ActiveValidator[], next: ActiveValidator[]): SetChange {
  if (prev.length === 0) return { updates: [], active: prev, kept: false };
  if (next.length === 0) return { updates: [], active: prev, kept: true };
  const updates = diffValidatorSets(prev, next);
  if (updates.length > 0) setActiveSet(state, next);
  return { updates, active: next, kept: false };
}

/** The epoch-boundary election (heights divisible by epochLength). */
export function runElection(state: KvStore, p: StakingParams, timeMs: bigint): SetChange {
  return commitSet(state, getActiveSet(state), elect(loadCandidates(state, timeMs), p));
}

/**
 * Mid-epoch: validators jailed for the evidence in this block leave the set now rather than at
 * the epoch boundary (see docs/staking.md, "Slashing"); everybody else keeps their power.
 */
export function removeJailed(state: KvStore, misbehavior: readonly Misbehavior[]): SetChange | undefined {
  if (misbehavior.length === 0) return undefined;
  const prev = getActiveSet(state);
  const next = prev.filter((a) => {
    const named = misbehavior.some((m) => bytesEqual(m.validatorAddress, a.address));
    return !(named && getValidator(state, a.address)?.jailed === true);
  });
  if (next.length === prev.length) return undefined;
  return commitSet(state, prev, next);
}
