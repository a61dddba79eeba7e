import { registerErrorCodes } from "../../errors.js";

/** Access-control (ACSC / sharing contract) error codes: numeric range 1730–1769. */
export const AccessErrors = registerErrorCodes({
  ACCESS_INVALID: { num: 1730, http: 400 },
  ACCESS_BAD_ROLE: { num: 1731, http: 400 },
  ACCESS_ROLE_MISMATCH: { num: 1732, http: 403 },
  ACCESS_ALREADY_ADDED: { num: 1733, http: 409 },
  ACCESS_NOT_AFFILIATED: { num: 1734, http: 404 },
  ACCESS_TOO_MANY_AFFILIATIONS: { num: 1735, http: 409 },
  ACCESS_BAD_ENDPOINT: { num: 1736, http: 400 },
  ACCESS_BAD_KEY: { num: 1737, http: 400 },
  ACCESS_BAD_PERIOD: { num: 1738, http: 400 },
  ACCESS_RECORD_NOT_OWNED: { num: 1739, http: 403 },
  ACCESS_TOO_MANY_CONSENTS: { num: 1740, http: 409 },
  ACCESS_CONSENT_NOT_FOUND: { num: 1741, http: 404 },
  ACCESS_NOT_GRANTOR: { num: 1742, http: 403 },
  ACCESS_CONSENT_REVOKED: { num: 1743, http: 409 },
  ACCESS_BAD_SIGNATURE: { num: 1744, http: 401 },
  ACCESS_WRONG_CHAIN: { num: 1745, http: 400 },
  ACCESS_WRONG_HOLDER: { num: 1746, http: 403 },
  ACCESS_REQUEST_EXPIRED: { num: 1747, http: 400 },
  ACCESS_REPLAY: { num: 1748, http: 409 },
  ACCESS_BAD_RECIPIENT: { num: 1749, http: 400 },
});
