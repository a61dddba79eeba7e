import type { KvStore } from "../../app/state.js";
import { addressFromPublicKey } from "../../crypto/address.js";
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { transfer } from "../coin/state.js";
import { StakingErrors } from "./errors.js";
import { MAX_ENTRIES_PER_PAIR, type StakingParams } from "./params.js";
import {
  delegatorIndexKey,
  delegatorsKey,
  getAddressList,
  getDelegation,
  getUnbonding,
  getValidator,
  listHas,
  operatorKey,
  requireValidator,
  STAKING_POOL_ADDRESS,
  setAddressList,
  setDelegation,
  setUnbonding,
  setValidator,
  type UnbondingEntry,
  unbondingQueueKey,
  VALIDATOR_LIST_KEY,
  type ValidatorRecord,
  validatorOfOperator,
} from "./state.js";

/**
 * Bond bookkeeping. Every function keeps the pool invariant
 *   balance(pool) = Σ selfBond + Σ delegations + Σ unbonding entries
 * by moving exactly the bonded amount with coin's `transfer` (supply unchanged) or `burn`.
 */

export interface NewValidator {
  readonly operator: Uint8Array;
  readonly consensusPubKey: Uint8Array;
  readonly moniker: string;
  readonly selfBond: bigint;
}

/**
 * Registers a validator candidate and bonds its self-bond (shared by genesis and
 * `staking/create-validator`). It stands for election from the next epoch boundary on.
 */
export function createValidator(
  state: KvStore,
  p: StakingParams,
  height: bigint,
  n: NewValidator,
): Uint8Array {
  const cons = addressFromPublicKey(n.consensusPubKey);
  if (getValidator(state, cons)) {
    throw new ConsortiaError(
      StakingErrors.STAKING_VALIDATOR_EXISTS,
      `consensusPubKey of ${toHex(cons)} is already a validator`,
    );
  }
  if (validatorOfOperator(state, n.operator)) {
    throw new ConsortiaError(
      StakingErrors.STAKING_OPERATOR_HAS_VALIDATOR,
      `operator ${toHex(n.operator)} already runs a validator`,
    );
  }
  if (n.selfBond < p.minSelfBond || n.selfBond === 0n) {
    throw new ConsortiaError(
      StakingErrors.STAKING_SELF_BOND_TOO_LOW,
      `selfBond ${n.selfBond} must be > 0 and >= minSelfBond ${p.minSelfBond}`,
      { selfBond: n.selfBond.toString(), minSelfBond: p.minSelfBond.toString() },
    );
  }
  const all = getAddressList(state, VALIDATOR_LIST_KEY);
  if (all.length >= p.maxCandidates) {
    throw new ConsortiaError(
      StakingErrors.STAKING_TOO_MANY_CANDIDATES,
      `maxCandidates=${p.maxCandidates} validators already exist`,
    );
  }
  transfer(state, n.operator, STAKING_POOL_ADDRESS, n.selfBond);
  setValidator(state, cons, {
    operator: n.operator,
    consensusPubKey: n.consensusPubKey,
    moniker: n.moniker,
    selfBond: n.selfBond,
    delegated: 0n,
    jailed: false,
    jailedHeight: 0n,
    createdHeight: height,
  });
  state.set(operatorKey(n.operator), cons);
  setAddressList(state, VALIDATOR_LIST_KEY, [...all, cons]);
  return cons;
}

/** Adds `value` to `delegator`'s bond with validator `cons` (the operator's bond is its self-bond). */
export function bond(
  state: KvStore,
  p: StakingParams,
  cons: Uint8Array,
  delegator: Uint8Array,
  value: bigint,
  work: (units: number) => void = noWork,
): ValidatorRecord {
  const v = requireValidator(state, cons);
  transfer(state, delegator, STAKING_POOL_ADDRESS, value);
  if (bytesEqual(delegator, v.operator)) {
    v.selfBond += value;
  } else {
    const before = getDelegation(state, cons, delegator);
    if (before === 0n) {
      const delegators = getAddressList(state, delegatorsKey(cons));
      work(delegators.length);
      if (delegators.length >= p.maxDelegatorsPerValidator) {
        throw new ConsortiaError(
          StakingErrors.STAKING_TOO_MANY_DELEGATORS,
          `validator ${toHex(cons)} already has maxDelegatorsPerValidator=${p.maxDelegatorsPerValidator} delegators`,
        );
      }
      setAddressList(state, delegatorsKey(cons), [...delegators, delegator]);
      indexDelegator(state, delegator, cons, work);
    }
    setDelegation(state, cons, delegator, before + value);
    v.delegated += value;
  }
  setValidator(state, cons, v);
  return v;
}

/**
 * Moves `value` of `delegator`'s bond with `cons` into the unbonding queue; the funds stay in the
 * pool until `height + unbondingBlocks` (they can still be slashed for infractions committed while
 * they were bonded).
 */
export function unbond(
  state: KvStore,
  p: StakingParams,
  height: bigint,
  cons: Uint8Array,
  delegator: Uint8Array,
  value: bigint,
  work: (units: number) => void = noWork,
): UnbondingEntry {
  const v = requireValidator(state, cons);
  const isSelf = bytesEqual(delegator, v.operator);
  const bonded = isSelf ? v.selfBond : getDelegation(state, cons, delegator);
  if (bonded < value) {
    throw new ConsortiaError(
      StakingErrors.STAKING_INSUFFICIENT_DELEGATION,
      `amount ${value} exceeds the ${isSelf ? "self-bond" : "delegation"} of ${bonded} to ${toHex(cons)}`,
      { bonded: bonded.toString(), amount: value.toString() },
    );
  }
  const entries = getUnbonding(state, cons);
  work(entries.length);
  if (entries.length >= p.maxUnbondingEntries) {
    throw new ConsortiaError(
      StakingErrors.STAKING_TOO_MANY_UNBONDING,
      `validator ${toHex(cons)} has maxUnbondingEntries=${p.maxUnbondingEntries} unbonding entries`,
    );
  }
  if (entries.filter((e) => bytesEqual(e.delegator, delegator)).length >= MAX_ENTRIES_PER_PAIR) {
    throw new ConsortiaError(
      StakingErrors.STAKING_TOO_MANY_UNBONDING,
      `delegator already has ${MAX_ENTRIES_PER_PAIR} unbonding entries with ${toHex(cons)}`,
    );
  }
  if (isSelf) {
    v.selfBond -= value;
  } else {
    const rest = bonded - value;
    setDelegation(state, cons, delegator, rest);
    if (rest === 0n) removeDelegator(state, cons, delegator, work);
    v.delegated -= value;
  }
  setValidator(state, cons, v);
  const entry: UnbondingEntry = {
    delegator,
    amount: value,
    creationHeight: height,
    completionHeight: height + p.unbondingBlocks,
  };
  setUnbonding(state, cons, [...entries, entry]);
  const qk = unbondingQueueKey(entry.completionHeight);
  const queued = getAddressList(state, qk);
  if (!listHas(queued, cons)) setAddressList(state, qk, [...queued, cons]);
  return entry;
}

/** Pays out every unbonding entry that completes at `height` (run once per block, in EndBlock). */
export function matureUnbondings(
  state: KvStore,
  height: bigint,
  emit: (attrs: Readonly<Record<string, string>>) => void,
): void {
  const qk = unbondingQueueKey(height);
  const validators = getAddressList(state, qk);
  for (const cons of validators) {
    const entries = getUnbonding(state, cons);
    const keep: UnbondingEntry[] = [];
    const paid: UnbondingEntry[] = [];
    for (const e of entries) (e.completionHeight <= height ? paid : keep).push(e);
    setUnbonding(state, cons, keep);
    const operator = requireValidator(state, cons).operator;
    for (const e of paid) {
      if (e.amount > 0n) transfer(state, STAKING_POOL_ADDRESS, e.delegator, e.amount);
      if (!bytesEqual(e.delegator, operator)) unindexIfDone(state, cons, e.delegator, keep);
      emit({ validator: toHex(cons), delegator: toHex(e.delegator), amount: e.amount.toString() });
    }
  }
  state.delete(qk);
}

/** Drops `delegator` from the validator's delegator list (its delegation reached zero). */
export function removeDelegator(
  state: KvStore,
  cons: Uint8Array,
  delegator: Uint8Array,
  work: (units: number) => void = noWork,
): void {
  const list = getAddressList(state, delegatorsKey(cons));
  work(list.length);
  setAddressList(
    state,
    delegatorsKey(cons),
    list.filter((a) => !bytesEqual(a, delegator)),
  );
}

/** Per-delegator index of validators it has a delegation or unbonding entry with (for queries). */
function indexDelegator(
  state: KvStore,
  delegator: Uint8Array,
  cons: Uint8Array,
  work: (units: number) => void,
) {
  const key = delegatorIndexKey(delegator);
  const list = getAddressList(state, key);
  work(list.length);
  if (!listHas(list, cons)) setAddressList(state, key, [...list, cons]);
}

/** Removes `cons` from the delegator's index once nothing ties them together any more. */
export function unindexIfDone(
  state: KvStore,
  cons: Uint8Array,
  delegator: Uint8Array,
  entries: readonly UnbondingEntry[],
): void {
  if (getDelegation(state, cons, delegator) > 0n) return;
  if (entries.some((e) => bytesEqual(e.delegator, delegator))) return;
  const key = delegatorIndexKey(delegator);
  setAddressList(
    state,
    key,
    getAddressList(state, key).filter((a) => !bytesEqual(a, cons)),
  );
}

function noWork(_units: number): void {}
