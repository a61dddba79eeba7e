import { type AnyMessageHandler, defineMessage } from "../../app/types.js";
import { amount, fixedBytes, string, struct } from "../../codec/schema.js";
import { toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { requireActiveIdentity } from "../identity/state.js";
import { bond, createValidator, unbond } from "./bonds.js";
import { VALIDATOR_ROLES } from "./epoch.js";
import { StakingErrors } from "./errors.js";
import {
  getParams,
  MAX_MONIKER_BYTES,
  requireValidator,
  setValidator,
  validatorOfOperator,
} from "./state.js";

/** Wire formats (canonical codec, docs/codec.md); the SDK builds transactions from these. */
export const createValidatorMsg = struct({
  consensusPubKey: fixedBytes(32),
  selfBond: amount,
  moniker: string(MAX_MONIKER_BYTES),
});
export const delegateMsg = struct({ validator: fixedBytes(20), amount });
export const undelegateMsg = struct({ validator: fixedBytes(20), amount });
export const unjailMsg = struct({});

function positive(field: string, v: bigint): void {
  if (v === 0n)
    throw new ConsortiaError(StakingErrors.STAKING_ZERO_AMOUNT, `${field} must be > 0`, { field });
}

export const stakingMessages: readonly AnyMessageHandler[] = [
  defineMessage({
    type: "staking/create-validator",
    codec: createValidatorMsg,
    baseWork: 3_000,
    validate(msg) {
      positive("selfBond", msg.selfBond);
      if (msg.moniker.trim().length === 0) {
        throw new ConsortiaError(StakingErrors.STAKING_BAD_MONIKER, "moniker must not be blank", {
          field: "moniker",
        });
      }
    },
    execute(ctx, msg) {
      // Only consortium institutions run nodes (Healthchain hospitals, energy aggregators and credit
      // banks, SPDS utilities); patients and prosumers take part by delegating.
      requireActiveIdentity(ctx.state, ctx.sender, ctx.block.timeMs, VALIDATOR_ROLES);
      const p = getParams(ctx.state);
      const cons = createValidator(ctx.state, p, ctx.block.height, {
        operator: ctx.sender,
        consensusPubKey: msg.consensusPubKey,
        moniker: msg.moniker,
        selfBond: msg.selfBond,
      });
      ctx.emit("staking.create_validator", {
        validator: toHex(cons),
        operator: ctx.senderHex,
        selfBond: msg.selfBond.toString(),
        moniker: msg.moniker,
      });
    },
  }),
  defineMessage({
    type: "staking/delegate",
    codec: delegateMsg,
    baseWork: 2_000,
    validate(msg) {
      positive("amount", msg.amount);
    },
    execute(ctx, msg) {
      const v = bond(ctx.state, getParams(ctx.state), msg.validator, ctx.sender, msg.amount, ctx.work);
      ctx.emit("staking.delegate", {
        validator: toHex(msg.validator),
        delegator: ctx.senderHex,
        amount: msg.amount.toString(),
        stake: (v.selfBond + v.delegated).toString(),
      });
    },
  }),
  defineMessage({
    type: "staking/undelegate",
    codec: undelegateMsg,
    baseWork: 3_000,
    validate(msg) {
      positive("amount", msg.amount);
    },
    execute(ctx, msg) {
      const p = getParams(ctx.state);
      const e = unbond(ctx.state, p, ctx.block.height, msg.validator, ctx.sender, msg.amount, ctx.work);
      ctx.emit("staking.undelegate", {
        validator: toHex(msg.validator),
        delegator: ctx.senderHex,
        amount: msg.amount.toString(),
        completionHeight: e.completionHeight.toString(),
      });
    },
  }),
  defineMessage({
    type: "staking/unjail",
    codec: unjailMsg,
    baseWork: 1_000,
    execute(ctx) {
      const cons = validatorOfOperator(ctx.state, ctx.sender);
      if (!cons) {
        throw new ConsortiaError(
          StakingErrors.STAKING_NOT_OPERATOR,
          `${ctx.senderHex} does not operate a validator`,
        );
      }
      const v = requireValidator(ctx.state, cons);
      if (!v.jailed)
        throw new ConsortiaError(StakingErrors.STAKING_NOT_JAILED, `validator ${toHex(cons)} is not jailed`);
      const p = getParams(ctx.state);
      const until = v.jailedHeight + p.jailBlocks;
      if (ctx.block.height < until) {
        throw new ConsortiaError(
          StakingErrors.STAKING_JAIL_NOT_SERVED,
          `validator ${toHex(cons)} stays jailed until height ${until} (jailBlocks=${p.jailBlocks})`,
          { until: until.toString() },
        );
      }
      if (v.selfBond < p.minSelfBond) {
        throw new ConsortiaError(
          StakingErrors.STAKING_SELF_BOND_TOO_LOW,
          `selfBond ${v.selfBond} is below minSelfBond ${p.minSelfBond}; delegate to yourself first`,
        );
      }
      setValidator(ctx.state, cons, { ...v, jailed: false });
      ctx.emit("staking.unjail", { validator: toHex(cons), operator: ctx.senderHex });
    },
  }),
];
