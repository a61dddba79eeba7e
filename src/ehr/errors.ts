import { registerErrorCodes } from "../errors.js";

/** Errors of the health-record service at an institution node (docs/records.md). */
export const EhrErrors = registerErrorCodes({
  /** A FHIR record that is not a structurally valid FHIR R4 resource or Bundle. */
  EHR_FHIR_INVALID: { num: 1790, http: 400 },
  /** The record is larger than this node accepts (ehr.maxRecordBytes). */
  EHR_TOO_LARGE: { num: 1791, http: 413 },
  /** A request that does not decode, or whose fields contradict each other. */
  EHR_BAD_REQUEST: { num: 1792, http: 400 },
  /** The signature of an upload, retrieval or erasure request does not verify. */
  EHR_BAD_SIGNATURE: { num: 1793, http: 401 },
  /** A request timestamped outside the accepted window (replays and stale requests). */
  EHR_REQUEST_EXPIRED: { num: 1794, http: 401 },
  /** The chain's access-control decision for this request is "denied" (logged, maybe penalised). */
  EHR_DENIED: { num: 1795, http: 403 },
  /** The record was erased at the patient's request; only its index entry and log remain. */
  EHR_ERASED: { num: 1796, http: 410 },
  /** The holder's stored copy no longer matches its on-chain hash: tampered or corrupted; not served. */
  EHR_TAMPERED: { num: 1797, http: 502 },
  /** This node is not the holder the chain names for the record (ask the holder). */
  EHR_NOT_HOLDER: { num: 1798, http: 421 },
  /** No record with this id on chain. */
  EHR_UNKNOWN_RECORD: { num: 1799, http: 404 },
  /** The requester or holder has published no encryption key (access/set-profile). */
  EHR_NO_PROFILE: { num: 1800, http: 409 },
  /** This node runs without an institution key, so it cannot hold records. */
  EHR_UNAVAILABLE: { num: 1801, http: 503 },
  /** A gateway request without a valid, unexpired retrieval grant for this CID. */
  EHR_BAD_GRANT: { num: 1802, http: 403 },
  /** The transaction recording the operation failed on chain; its code is in the details. */
  EHR_TX_FAILED: { num: 1803, http: 409 },
  /** The envelope is not addressed to the patient and the holder, or not to the one asking. */
  EHR_BAD_ENVELOPE: { num: 1804, http: 400 },
});
