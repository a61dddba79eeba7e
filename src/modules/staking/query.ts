import { AppErrors } from "../../app/errors.js";
import type { KvReader } from "../../app/state.js";
import type { QueryContext } from "../../app/types.js";
import { bytesEqual, fromHex, toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { totalPower } from "./election.js";
import { powerOf, type StakingParams } from "./params.js";
import {
  type ActiveValidator,
  delegatorIndexKey,
  getActiveSet,
  getAddressList,
  getDelegation,
  getParams,
  getUnbonding,
  getValidator,
  STAKING_POOL_ADDRESS,
  stakeOf,
  VALIDATOR_LIST_KEY,
  validatorOfOperator,
} from "./state.js";

export type ValidatorStatus = "active" | "candidate" | "jailed";

export interface ValidatorView {
  readonly address: string;
  readonly operator: string;
  readonly consensusPubKey: string;
  readonly moniker: string;
  readonly status: ValidatorStatus;
  /** Jailed, whatever `status` says (a jailed last member stays "active", see docs/staking.md). */
  readonly jailed: boolean;
  readonly selfBond: bigint;
  readonly delegated: bigint;
  readonly stake: bigint;
  /** Voting power CometBFT runs it with now (0 unless active). */
  readonly power: bigint;
  /** Power its stake would get at the next election: floor(stake / powerReduction), capped. */
  readonly stakePower: bigint;
  readonly jailedHeight: bigint;
  readonly createdHeight: bigint;
}

function parseAddr(text: string | undefined, what: string): Uint8Array {
  if (text === undefined || !/^[0-9a-f]{40}$/.test(text)) {
    throw new ConsortiaError(AppErrors.QUERY_BAD_PARAMS, `${what} must be 40 lowercase hex characters`);
  }
  return fromHex(text);
}

function viewOf(
  state: KvReader,
  address: Uint8Array,
  active: readonly ActiveValidator[],
  p: StakingParams,
): ValidatorView | undefined {
  const v = getValidator(state, address);
  if (!v) return undefined;
  const member = active.find((a) => bytesEqual(a.address, address));
  const status: ValidatorStatus = member ? "active" : v.jailed ? "jailed" : "candidate";
  return {
    address: toHex(address),
    operator: toHex(v.operator),
    consensusPubKey: toHex(v.consensusPubKey),
    moniker: v.moniker,
    status,
    jailed: v.jailed,
    selfBond: v.selfBond,
    delegated: v.delegated,
    stake: stakeOf(v),
    power: member?.power ?? 0n,
    stakePower: powerOf(stakeOf(v), p),
    jailedHeight: v.jailedHeight,
    createdHeight: v.createdHeight,
  };
}

/**
 * `staking/validators`, `staking/validator/<consAddrHex>`, `staking/delegations/<delegatorHex>`,
 * `staking/params`, `staking/active`. A validator still in CometBFT's set while jailed (it was
 * the last one, see docs/staking.md) reports "active": status describes consensus, not the jail.
 */
export function stakingQuery(path: readonly string[], ctx: QueryContext): unknown {
  const [what, arg] = path;
  const state = ctx.state;
  if (what === "params" && path.length === 1) return getParams(state);
  if (what === "active" && path.length === 1) {
    const set = getActiveSet(state);
    return {
      validators: set.map((a) => ({ address: toHex(a.address), pubKey: toHex(a.pubKey), power: a.power })),
      totalPower: totalPower(set),
    };
  }
  if (what === "validators" && path.length === 1) {
    const p = getParams(state);
    const active = getActiveSet(state);
    const list = getAddressList(state, VALIDATOR_LIST_KEY).flatMap((a) => viewOf(state, a, active, p) ?? []);
    return { validators: list, pool: toHex(STAKING_POOL_ADDRESS) };
  }
  if (what === "validator" && path.length === 2) {
    const address = parseAddr(arg, "validator address");
    const v = viewOf(state, address, getActiveSet(state), getParams(state));
    if (!v) throw new ConsortiaError(AppErrors.QUERY_BAD_PARAMS, `no validator ${arg}`);
    return v;
  }
  if (what === "delegations" && path.length === 2)
    return delegationsOf(state, parseAddr(arg, "delegator address"));
  throw new ConsortiaError(AppErrors.QUERY_UNKNOWN_PATH, `unknown staking query ${path.join("/")}`);
}

function delegationsOf(state: KvReader, delegator: Uint8Array) {
  const delegations: { validator: string; amount: bigint; self: boolean }[] = [];
  const unbonding: { validator: string; amount: bigint; creationHeight: bigint; completionHeight: bigint }[] =
    [];
  const own = validatorOfOperator(state, delegator);
  const validators = [...(own ? [own] : []), ...getAddressList(state, delegatorIndexKey(delegator))];
  for (const cons of validators) {
    const isSelf = own !== undefined && bytesEqual(cons, own);
    const amount = isSelf
      ? (getValidator(state, cons)?.selfBond ?? 0n)
      : getDelegation(state, cons, delegator);
    if (amount > 0n) delegations.push({ validator: toHex(cons), amount, self: isSelf });
    for (const e of getUnbonding(state, cons)) {
      if (!bytesEqual(e.delegator, delegator)) continue;
      unbonding.push({
        validator: toHex(cons),
        amount: e.amount,
        creationHeight: e.creationHeight,
        completionHeight: e.completionHeight,
      });
    }
  }
  return { delegator: toHex(delegator), delegations, unbonding };
}
