import { registerErrorCodes } from "../errors.js";

/** ABCI socket server codes (range 1600–1649). Query-side codes reach clients as ResponseQuery.code. */
export const AbciErrors = registerErrorCodes({
  ABCI_BAD_ADDRESS: { num: 1600, http: 400 },
  ABCI_MALFORMED_FRAME: { num: 1601, http: 400 },
  ABCI_FRAME_TOO_LARGE: { num: 1602, http: 413 },
  ABCI_UNKNOWN_REQUEST: { num: 1603, http: 400 },
  ABCI_BAD_REQUEST: { num: 1604, http: 400 },
  ABCI_QUERY_BAD_DATA: { num: 1605, http: 400 },
  ABCI_QUERY_UNSUPPORTED: { num: 1606, http: 400 },
  ABCI_SERVER_STATE: { num: 1607, http: 503 },
  ABCI_CONNECTION_CLOSED: { num: 1608, http: 503 },
  ABCI_BAD_OPTION: { num: 1609, http: 400 },
});
