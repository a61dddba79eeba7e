import { registerErrorCodes } from "../errors.js";

export const AppErrors = registerErrorCodes({
  TX_MALFORMED: { num: 401, http: 400 },
  TX_TOO_LARGE: { num: 402, http: 413 },
  TX_BAD_SIGNATURE: { num: 403, http: 401 },
  TX_WRONG_CHAIN: { num: 404, http: 400 },
  TX_UNKNOWN_TYPE: { num: 405, http: 400 },
  TX_FEE_TOO_LOW: { num: 406, http: 400 },
  TX_BAD_NONCE: { num: 407, http: 409 },
  TX_NONCE_TOO_FAR: { num: 408, http: 409 },
  TX_WORK_EXCEEDED: { num: 409, http: 400 },
  TX_INVALID_MESSAGE: { num: 410, http: 400 },
  TX_UNAUTHORIZED: { num: 411, http: 403 },
  BLOCK_INVALID: { num: 420, http: 400 },
  GENESIS_INVALID: { num: 430, http: 400 },
  QUERY_UNKNOWN_PATH: { num: 440, http: 404 },
  QUERY_BAD_PARAMS: { num: 441, http: 400 },
  APP_NOT_INITIALIZED: { num: 450, http: 503 },
  APP_STATE_MISMATCH: { num: 451, http: 500 },
});
