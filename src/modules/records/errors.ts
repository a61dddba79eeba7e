import { registerErrorCodes } from "../../errors.js";

/** Records (on-chain EHR index) error codes: numeric range 1700–1729. */
export const RecordsErrors = registerErrorCodes({
  RECORDS_INVALID: { num: 1700, http: 400 },
  RECORDS_EXISTS: { num: 1701, http: 409 },
  RECORDS_NOT_FOUND: { num: 1702, http: 404 },
  RECORDS_UNKNOWN_PATIENT: { num: 1703, http: 400 },
  RECORDS_BAD_UPLOADER: { num: 1704, http: 403 },
  RECORDS_TOO_LARGE: { num: 1705, http: 413 },
  RECORDS_PATIENT_FULL: { num: 1706, http: 409 },
  RECORDS_NOT_AUTHORIZED: { num: 1707, http: 403 },
  RECORDS_ERASED: { num: 1708, http: 409 },
});
