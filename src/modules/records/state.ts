import type { KvReader, KvStore } from "../../app/state.js";
import { bool, decode, encode, fixedBytes, string, struct, u64 } from "../../codec/schema.js";
import { toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import type { Role } from "../identity/certificate.js";
import { RecordsErrors } from "./errors.js";
import type { OrderedIndex } from "./ordered.js";

/**
 * State keys owned by the records module (listed in src/storage/keys.ts). One entry per record,
 * keyed by its content hash, plus two ordered indexes (per patient, per holder).
 */
export const RECORD_PREFIX = "records/r/";
export const PATIENT_INDEX_PREFIX = "records/p/";
export const PATIENT_COUNT_PREFIX = "records/pn/";
export const HOLDER_INDEX_PREFIX = "records/h/";
export const HOLDER_COUNT_PREFIX = "records/hn/";

/** Roles that hold (store and serve) records: BEdgeHealth's MEC servers, edge-cloud's EHRs manager. */
export const HOLDER_ROLES: readonly Role[] = ["institution", "storage"];

export const MAX_CID_CHARS = 128;
export const MAX_RECORD_TYPE_BYTES = 64;
export const MAX_ERASE_REASON_BYTES = 256;

/** CIDs are only syntax-checked: the chain never fetches content, the serving node verifies it. */
const CID_RE = /^[a-z0-9]+$/i;
/** A FHIR resource type (`fhir:Observation`) or a MIME type (`binary:application/pdf`). */
const RECORD_TYPE_RE = /^(fhir:[A-Za-z]+|binary:[a-z0-9.+-]+\/[a-z0-9.+-]+)$/;

export function isCid(s: string): boolean {
  return s.length > 0 && s.length <= MAX_CID_CHARS && CID_RE.test(s);
}

export function isRecordType(s: string): boolean {
  return s.length <= MAX_RECORD_TYPE_BYTES && RECORD_TYPE_RE.test(s);
}

/**
 * BEdgeHealth eq. (12) `(h_j, PID_j, PKM_m, timestamp)` plus the CID, uploader and type: the
 * record's id is h_j, the sha256 of the stored envelope. Nothing about the content is on chain.
 */
export interface RecordEntry {
  readonly id: Uint8Array;
  readonly cid: string;
  readonly patient: Uint8Array;
  readonly holder: Uint8Array;
  readonly uploader: Uint8Array;
  readonly recordType: string;
  readonly size: bigint;
  readonly createdMs: bigint;
  readonly height: bigint;
  readonly erased: boolean;
  readonly erasedHeight: bigint;
}

// The id is the key; storing it again would only cost bytes.
const recordCodec = struct({
  cid: string(MAX_CID_CHARS),
  patient: fixedBytes(20),
  holder: fixedBytes(20),
  uploader: fixedBytes(20),
  recordType: string(MAX_RECORD_TYPE_BYTES),
  size: u64,
  createdMs: u64,
  height: u64,
  erased: bool,
  erasedHeight: u64,
});

export const recordKey = (id: Uint8Array): string => RECORD_PREFIX + toHex(id);

export function patientIndex(patient: Uint8Array): OrderedIndex {
  const a = toHex(patient);
  return { prefix: `${PATIENT_INDEX_PREFIX}${a}/`, countKey: PATIENT_COUNT_PREFIX + a };
}

export function holderIndex(holder: Uint8Array): OrderedIndex {
  const a = toHex(holder);
  return { prefix: `${HOLDER_INDEX_PREFIX}${a}/`, countKey: HOLDER_COUNT_PREFIX + a };
}

export function getRecord(state: KvReader, id: Uint8Array): RecordEntry | undefined {
  const v = state.get(recordKey(id));
  if (v === undefined) return undefined;
  return { id: Uint8Array.from(id), ...decode(recordCodec, v) };
}

export function requireRecord(state: KvReader, id: Uint8Array): RecordEntry {
  const r = getRecord(state, id);
  if (!r) throw new ConsortiaError(RecordsErrors.RECORDS_NOT_FOUND, `no record ${toHex(id)}`);
  return r;
}

export function setRecord(state: KvStore, r: RecordEntry): void {
  const { id, ...body } = r;
  state.set(recordKey(id), encode(recordCodec, body, 256));
}

/** The JSON view queries return (bigints stay bigints; the API prints them as decimals). */
export function recordView(r: RecordEntry) {
  return {
    id: toHex(r.id),
    cid: r.cid,
    patient: toHex(r.patient),
    holder: toHex(r.holder),
    uploader: toHex(r.uploader),
    recordType: r.recordType,
    size: r.size,
    createdMs: r.createdMs,
    height: r.height,
    erased: r.erased,
    erasedHeight: r.erasedHeight,
  };
}
