import { registerErrorCodes } from "../../errors.js";

export const CoinErrors = registerErrorCodes({
  COIN_INSUFFICIENT_FUNDS: { num: 601, http: 402 },
  COIN_ZERO_AMOUNT: { num: 602, http: 400 },
  COIN_SELF_TRANSFER: { num: 603, http: 400 },
  COIN_OVERFLOW: { num: 604, http: 400 },
});
