import type { KvReader, KvStore } from "../../app/state.js";
import {
  amount,
  array,
  bool,
  type Codec,
  decode,
  encode,
  fixedBytes,
  string,
  struct,
  u64,
} from "../../codec/schema.js";
import { bytesEqual, sha256, toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { StakingErrors } from "./errors.js";
import { paramsCodec, type StakingParams } from "./params.js";

/**
 * State keys owned by the staking module (listed in src/storage/keys.ts). The store has no range
 * scans, so every "all X of Y" question is answered by an explicit, bounded index list.
 */
export const PARAMS_KEY = "staking/params";
export const VALIDATOR_LIST_KEY = "staking/vals";
export const ACTIVE_KEY = "staking/active";
export const VALIDATOR_PREFIX = "staking/v/";
export const OPERATOR_PREFIX = "staking/o/";
export const DELEGATION_PREFIX = "staking/d/";
export const DELEGATORS_PREFIX = "staking/dv/";
export const DELEGATOR_INDEX_PREFIX = "staking/dd/";
export const UNBONDING_PREFIX = "staking/ub/";
export const UNBONDING_QUEUE_PREFIX = "staking/uq/";
export const SLASHED_PREFIX = "staking/sl/";

/** The bonded pool: a module account no key controls (sha256("consortia/module/staking")[0..20]). */
export const STAKING_POOL_ADDRESS: Uint8Array = sha256(Buffer.from("consortia/module/staking")).slice(0, 20);

/** Max moniker length in UTF-8 bytes. */
export const MAX_MONIKER_BYTES = 64;

export interface ValidatorRecord {
  operator: Uint8Array;
  consensusPubKey: Uint8Array;
  moniker: string;
  selfBond: bigint;
  /** Sum of the other delegators' bonds (kept so elections read one record per candidate). */
  delegated: bigint;
  jailed: boolean;
  /** Height at which it was last jailed (0 = never). */
  jailedHeight: bigint;
  createdHeight: bigint;
}

export interface UnbondingEntry {
  delegator: Uint8Array;
  amount: bigint;
  creationHeight: bigint;
  completionHeight: bigint;
}

/** A member of the validator set CometBFT currently runs with (as this module last told it). */
export interface ActiveValidator {
  address: Uint8Array;
  pubKey: Uint8Array;
  power: bigint;
}

const validatorCodec = struct({
  operator: fixedBytes(20),
  consensusPubKey: fixedBytes(32),
  moniker: string(MAX_MONIKER_BYTES),
  selfBond: amount,
  delegated: amount,
  jailed: bool,
  jailedHeight: u64,
  createdHeight: u64,
});
const addressList = array(fixedBytes(20), 1_000_000);
const unbondingCodec = array(
  struct({ delegator: fixedBytes(20), amount, creationHeight: u64, completionHeight: u64 }),
  1_000_000,
);
const activeCodec = array(struct({ address: fixedBytes(20), pubKey: fixedBytes(32), power: u64 }), 1_000);
const amountCodec: Codec<bigint> = amount;

export const validatorKey = (cons: Uint8Array): string => VALIDATOR_PREFIX + toHex(cons);
export const operatorKey = (operator: Uint8Array): string => OPERATOR_PREFIX + toHex(operator);
export const delegationKey = (cons: Uint8Array, delegator: Uint8Array): string =>
  `${DELEGATION_PREFIX}${toHex(cons)}/${toHex(delegator)}`;
export const delegatorsKey = (cons: Uint8Array): string => DELEGATORS_PREFIX + toHex(cons);
export const delegatorIndexKey = (delegator: Uint8Array): string => DELEGATOR_INDEX_PREFIX + toHex(delegator);
export const unbondingKey = (cons: Uint8Array): string => UNBONDING_PREFIX + toHex(cons);
export const unbondingQueueKey = (height: bigint): string =>
  UNBONDING_QUEUE_PREFIX + height.toString().padStart(20, "0");
export const slashedKey = (cons: Uint8Array, infractionHeight: bigint): string =>
  `${SLASHED_PREFIX}${toHex(cons)}/${infractionHeight.toString().padStart(20, "0")}`;

export function getParams(state: KvReader): StakingParams {
  const v = state.get(PARAMS_KEY);
  if (v === undefined)
    throw new ConsortiaError(StakingErrors.STAKING_GENESIS_INVALID, "staking params not initialised");
  return decode(paramsCodec, v);
}

/** Params, or undefined on a chain whose genesis predates the staking module (it stays inert). */
export function findParams(state: KvReader): StakingParams | undefined {
  const v = state.get(PARAMS_KEY);
  return v === undefined ? undefined : decode(paramsCodec, v);
}

export function setParams(state: KvStore, p: StakingParams): void {
  state.set(PARAMS_KEY, encode(paramsCodec, p));
}

export function getValidator(state: KvReader, cons: Uint8Array): ValidatorRecord | undefined {
  const v = state.get(validatorKey(cons));
  return v === undefined ? undefined : decode(validatorCodec, v);
}

export function requireValidator(state: KvReader, cons: Uint8Array): ValidatorRecord {
  const v = getValidator(state, cons);
  if (!v)
    throw new ConsortiaError(
      StakingErrors.STAKING_UNKNOWN_VALIDATOR,
      `validator ${toHex(cons)} does not exist`,
    );
  return v;
}

export function setValidator(state: KvStore, cons: Uint8Array, v: ValidatorRecord): void {
  state.set(validatorKey(cons), encode(validatorCodec, v, 128));
}

export function stakeOf(v: ValidatorRecord): bigint {
  return v.selfBond + v.delegated;
}

/** Consensus address of the validator an operator runs, if any. */
export function validatorOfOperator(state: KvReader, operator: Uint8Array): Uint8Array | undefined {
  return state.get(operatorKey(operator));
}

/**
 * The account that receives a block proposer's reward: the operator institution of the validator
 * with that consensus address, or the address itself when staking does not know it (chains whose
 * validators are CometBFT genesis validators only). Passed to coin as `rewardRecipient`.
 */
export function operatorOf(state: KvReader, consensusAddress: Uint8Array): Uint8Array {
  return getValidator(state, consensusAddress)?.operator ?? consensusAddress;
}

export function getAddressList(state: KvReader, key: string): Uint8Array[] {
  const v = state.get(key);
  return v === undefined ? [] : decode(addressList, v);
}

export function setAddressList(state: KvStore, key: string, list: readonly Uint8Array[]): void {
  if (list.length === 0) state.delete(key);
  else state.set(key, encode(addressList, [...list], 21 * list.length + 4));
}

export function listHas(list: readonly Uint8Array[], a: Uint8Array): boolean {
  return list.some((x) => bytesEqual(x, a));
}

export function getDelegation(state: KvReader, cons: Uint8Array, delegator: Uint8Array): bigint {
  const v = state.get(delegationKey(cons, delegator));
  return v === undefined ? 0n : decode(amountCodec, v);
}

export function setDelegation(state: KvStore, cons: Uint8Array, delegator: Uint8Array, value: bigint): void {
  if (value === 0n) state.delete(delegationKey(cons, delegator));
  else state.set(delegationKey(cons, delegator), encode(amountCodec, value, 20));
}

export function getUnbonding(state: KvReader, cons: Uint8Array): UnbondingEntry[] {
  const v = state.get(unbondingKey(cons));
  return v === undefined ? [] : decode(unbondingCodec, v);
}

export function setUnbonding(state: KvStore, cons: Uint8Array, entries: readonly UnbondingEntry[]): void {
  if (entries.length === 0) state.delete(unbondingKey(cons));
  else state.set(unbondingKey(cons), encode(unbondingCodec, [...entries], 64 * entries.length + 4));
}

export function getActiveSet(state: KvReader): ActiveValidator[] {
  const v = state.get(ACTIVE_KEY);
  return v === undefined ? [] : decode(activeCodec, v);
}

export function setActiveSet(state: KvStore, set: readonly ActiveValidator[]): void {
  state.set(ACTIVE_KEY, encode(activeCodec, [...set], 64 * set.length + 4));
}
