import { registerErrorCodes } from "../errors.js";

export const EngineErrors = registerErrorCodes({
  MEMPOOL_FULL: { num: 801, http: 503 },
  MEMPOOL_DUPLICATE: { num: 802, http: 409 },
  ENGINE_STOPPED: { num: 803, http: 503 },
  ENGINE_TIMEOUT: { num: 804, http: 504 },
});
