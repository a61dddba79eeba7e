import { registerErrorCodes } from "../../errors.js";

/** Staking (DPoS) error codes: numeric range 1500–1549. */
export const StakingErrors = registerErrorCodes({
  STAKING_GENESIS_INVALID: { num: 1500, http: 400 },
  STAKING_ZERO_AMOUNT: { num: 1501, http: 400 },
  STAKING_BAD_MONIKER: { num: 1502, http: 400 },
  STAKING_VALIDATOR_EXISTS: { num: 1503, http: 409 },
  STAKING_OPERATOR_HAS_VALIDATOR: { num: 1504, http: 409 },
  STAKING_UNKNOWN_VALIDATOR: { num: 1505, http: 404 },
  STAKING_SELF_BOND_TOO_LOW: { num: 1506, http: 400 },
  STAKING_INSUFFICIENT_DELEGATION: { num: 1507, http: 400 },
  STAKING_TOO_MANY_CANDIDATES: { num: 1508, http: 409 },
  STAKING_TOO_MANY_DELEGATORS: { num: 1509, http: 409 },
  STAKING_TOO_MANY_UNBONDING: { num: 1510, http: 409 },
  STAKING_NOT_OPERATOR: { num: 1511, http: 403 },
  STAKING_NOT_JAILED: { num: 1512, http: 409 },
  STAKING_JAIL_NOT_SERVED: { num: 1513, http: 409 },
});
