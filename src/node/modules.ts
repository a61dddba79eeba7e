import type { AnteCheck, FeeCharger, Module } from "../app/types.js";
import { accessModule } from "../modules/access/module.js";
import { coinFees, createCoinModule } from "../modules/coin/module.js";
import { identityAnte, identityModule } from "../modules/identity/module.js";
import { recordsModule } from "../modules/records/module.js";
import { stakingModule } from "../modules/staking/module.js";
import { operatorOf } from "../modules/staking/state.js";

/**
 * The module set of a Consortia chain, in execution order (begin/end block hooks run in this
 * order). Later modules (markets) are appended here. Genesis order matters: staking's genesis bonds
 * from coin balances of identity-registered operators, so it comes after identity and coin. The
 * block reward goes to the proposing validator's operator account. records and access only store
 * their params at genesis; their sections are optional (absent = defaults).
 */
export function defaultModules(): { modules: Module[]; ante: AnteCheck[]; fees: FeeCharger } {
  return {
    modules: [
      identityModule as Module,
      createCoinModule({ rewardRecipient: operatorOf }) as Module,
      stakingModule as Module,
      recordsModule as Module,
      accessModule as Module,
    ],
    ante: [identityAnte],
    fees: coinFees,
  };
}
