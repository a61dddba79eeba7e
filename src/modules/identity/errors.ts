import { registerErrorCodes } from "../../errors.js";

export const IdentityErrors = registerErrorCodes({
  IDENTITY_NOT_REGISTERED: { num: 501, http: 403 },
  IDENTITY_REVOKED: { num: 502, http: 403 },
  IDENTITY_EXPIRED: { num: 503, http: 403 },
  IDENTITY_ALREADY_REGISTERED: { num: 504, http: 409 },
  CERT_UNKNOWN_CA: { num: 505, http: 403 },
  CERT_BAD_SIGNATURE: { num: 506, http: 403 },
  CERT_NOT_YET_VALID: { num: 507, http: 403 },
  CERT_EXPIRED: { num: 508, http: 403 },
  CERT_WRONG_CHAIN: { num: 509, http: 400 },
  CERT_KEY_MISMATCH: { num: 510, http: 403 },
  CERT_SERIAL_REUSED: { num: 511, http: 409 },
  IDENTITY_NOT_CA: { num: 512, http: 403 },
  IDENTITY_WRONG_ROLE: { num: 513, http: 403 },
  CERT_INVALID: { num: 514, http: 400 },
});
