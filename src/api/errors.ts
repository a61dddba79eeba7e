import { registerErrorCodes } from "../errors.js";

/** Codes of the HTTP boundary and its client (range 900–949). */
export const ApiErrors = registerErrorCodes({
  API_BAD_REQUEST: { num: 900, http: 400 },
  API_NOT_FOUND: { num: 901, http: 404 },
  API_BAD_JSON: { num: 902, http: 400 },
  API_UNSUPPORTED_MEDIA: { num: 903, http: 415 },
  API_BODY_TOO_LARGE: { num: 904, http: 413 },
  TX_NOT_FOUND: { num: 905, http: 404 },
  BLOCK_NOT_FOUND: { num: 906, http: 404 },
  RECEIPT_UNAVAILABLE: { num: 907, http: 409 },
  API_UNREACHABLE: { num: 908, http: 503 },
  API_BAD_RESPONSE: { num: 909, http: 502 },
  API_SHUTTING_DOWN: { num: 910, http: 503 },
});
