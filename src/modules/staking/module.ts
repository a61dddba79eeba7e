import type { Module, ValidatorUpdate } from "../../app/types.js";
import { toHex } from "../../crypto/hash.js";
import { matureUnbondings } from "./bonds.js";
import { removeJailed, runElection, type SetChange } from "./epoch.js";
import { initStakingGenesis, type StakingGenesis, stakingGenesisSchema } from "./genesis.js";
import { stakingMessages } from "./messages.js";
import { stakingQuery } from "./query.js";
import { applyEvidence } from "./slashing.js";
import { findParams } from "./state.js";

/**
 * DPoS staking (docs/staking.md). Block order: BeginBlock applies evidence (slash + jail), then the
 * block's transactions bond and unbond, then EndBlock pays matured unbondings and — at epoch
 * boundaries — elects the top M validators by stake and returns CometBFT the difference.
 */
export const stakingModule: Module<StakingGenesis> = {
  name: "staking",
  genesisSchema: stakingGenesisSchema,
  messages: stakingMessages,
  initGenesis(state, g, block) {
    initStakingGenesis(state, g, block);
  },
  beginBlock(ctx) {
    const p = ctx.misbehavior.length === 0 ? undefined : findParams(ctx.state);
    if (!p) return;
    for (const m of ctx.misbehavior) {
      const out = applyEvidence(ctx.state, p, ctx.block.height, m);
      if (!out) continue;
      ctx.emit("staking.slash", {
        validator: out.validator,
        infractionHeight: out.infractionHeight.toString(),
        burned: out.burned.toString(),
        jailed: String(out.jailed),
      });
    }
  },
  endBlock(ctx): readonly ValidatorUpdate[] {
    const p = findParams(ctx.state);
    if (!p) return [];
    const height = ctx.block.height;
    matureUnbondings(ctx.state, height, (attrs) => ctx.emit("staking.unbonding_complete", attrs));
    const change: SetChange | undefined =
      height % p.epochLength === 0n
        ? runElection(ctx.state, p, ctx.block.timeMs)
        : removeJailed(ctx.state, ctx.misbehavior);
    if (!change) return [];
    if (change.kept) {
      ctx.emit("staking.set_kept", { height: height.toString(), reason: "no eligible validator" });
    }
    if (change.updates.length > 0) {
      ctx.emit("staking.validator_set", {
        height: height.toString(),
        size: String(change.active.length),
        updates: change.updates.map((u) => `${toHex(u.pubKey)}:${u.power}`).join(","),
      });
    }
    return change.updates;
  },
  query(path, _params, ctx) {
    return stakingQuery(path, ctx);
  },
};
