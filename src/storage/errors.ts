import { registerErrorCodes } from "../errors.js";

export const StorageErrors = registerErrorCodes({
  STORAGE_CORRUPT: { num: 701, http: 500 },
  STORAGE_CLOSED: { num: 702, http: 503 },
  STORAGE_HEIGHT_GAP: { num: 703, http: 500 },
  STORAGE_LOCKED: { num: 704, http: 409 },
});
