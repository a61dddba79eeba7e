import type { KvReader } from "../../app/state.js";
import { type AnyMessageHandler, defineMessage } from "../../app/types.js";
import { fixedBytes, string, struct, u64 } from "../../codec/schema.js";
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { ConsortiaError, isConsortiaError } from "../../errors.js";
import { isActiveUserOf, isSuspended } from "../access/state.js";
import { requireActiveIdentity } from "../identity/state.js";
import { RecordsErrors } from "./errors.js";
import { indexCount, indexInsert } from "./ordered.js";
import { getRecordsParams } from "./params.js";
import {
  getRecord,
  HOLDER_ROLES,
  holderIndex,
  isCid,
  isRecordType,
  MAX_CID_CHARS,
  MAX_ERASE_REASON_BYTES,
  MAX_RECORD_TYPE_BYTES,
  patientIndex,
  requireRecord,
  setRecord,
} from "./state.js";

/** Wire formats (canonical codec, docs/codec.md); the SDK builds transactions from these. */
export const recordPutMsg = struct({
  id: fixedBytes(32),
  cid: string(MAX_CID_CHARS),
  patient: fixedBytes(20),
  uploader: fixedBytes(20),
  recordType: string(MAX_RECORD_TYPE_BYTES),
  size: u64,
});
export const recordEraseMsg = struct({ id: fixedBytes(32), reason: string(MAX_ERASE_REASON_BYTES) });

function invalid(field: string, message: string): never {
  throw new ConsortiaError(RecordsErrors.RECORDS_INVALID, message, { field });
}

export const recordsMessages: readonly AnyMessageHandler[] = [
  defineMessage({
    type: "records/put",
    codec: recordPutMsg,
    baseWork: 3_000,
    validate(msg) {
      if (!isCid(msg.cid)) invalid("cid", `cid must be 1..${MAX_CID_CHARS} letters and digits`);
      if (!isRecordType(msg.recordType)) {
        invalid("recordType", "recordType must be fhir:<ResourceType> or binary:<mime/type>, ≤ 64 bytes");
      }
      if (msg.size === 0n) invalid("size", "size must be > 0 (the envelope's length in bytes)");
    },
    execute(ctx, msg) {
      const { state } = ctx;
      const now = ctx.block.timeMs;
      requireActiveIdentity(state, ctx.sender, now, HOLDER_ROLES);
      const p = getRecordsParams(state);
      if (msg.size > p.maxRecordBytes) {
        throw new ConsortiaError(
          RecordsErrors.RECORDS_TOO_LARGE,
          `size ${msg.size} exceeds maxRecordBytes ${p.maxRecordBytes}`,
          { size: msg.size.toString(), max: p.maxRecordBytes.toString() },
        );
      }
      if (getRecord(state, msg.id)) {
        throw new ConsortiaError(RecordsErrors.RECORDS_EXISTS, `record ${toHex(msg.id)} already exists`);
      }
      requirePatient(state, msg.patient, now);
      if (!bytesEqual(msg.uploader, msg.patient) && !uploaderVouched(state, ctx.sender, msg.uploader, now)) {
        throw new ConsortiaError(
          RecordsErrors.RECORDS_BAD_UPLOADER,
          `uploader ${toHex(msg.uploader)} is neither the patient nor an active user of ${ctx.senderHex}`,
        );
      }
      const byPatient = patientIndex(msg.patient);
      if (indexCount(state, byPatient) >= p.maxRecordsPerPatient) {
        throw new ConsortiaError(
          RecordsErrors.RECORDS_PATIENT_FULL,
          `patient ${toHex(msg.patient)} already has maxRecordsPerPatient=${p.maxRecordsPerPatient} records`,
        );
      }
      setRecord(state, {
        id: msg.id,
        cid: msg.cid,
        patient: msg.patient,
        holder: ctx.sender,
        uploader: msg.uploader,
        recordType: msg.recordType,
        size: msg.size,
        createdMs: now,
        height: ctx.block.height,
        erased: false,
        erasedHeight: 0n,
      });
      const entry = { height: ctx.block.height, id: msg.id };
      indexInsert(state, byPatient, entry, ctx.work);
      indexInsert(state, holderIndex(ctx.sender), entry, ctx.work);
      ctx.emit("records.put", {
        id: toHex(msg.id),
        cid: msg.cid,
        patient: toHex(msg.patient),
        holder: ctx.senderHex,
        uploader: toHex(msg.uploader),
        recordType: msg.recordType,
        size: msg.size.toString(),
      });
    },
  }),
  defineMessage({
    type: "records/erase",
    codec: recordEraseMsg,
    baseWork: 1_000,
    validate(msg) {
      if (Buffer.byteLength(msg.reason, "utf8") > MAX_ERASE_REASON_BYTES) {
        invalid("reason", `reason must be at most ${MAX_ERASE_REASON_BYTES} UTF-8 bytes`);
      }
    },
    execute(ctx, msg) {
      const r = requireRecord(ctx.state, msg.id);
      // The holder deletes its copy, or the patient withdraws the record (right to erasure).
      if (!bytesEqual(ctx.sender, r.holder) && !bytesEqual(ctx.sender, r.patient)) {
        throw new ConsortiaError(
          RecordsErrors.RECORDS_NOT_AUTHORIZED,
          `only the holder or the patient may erase record ${toHex(msg.id)}`,
        );
      }
      if (r.erased) {
        throw new ConsortiaError(
          RecordsErrors.RECORDS_ERASED,
          `record ${toHex(msg.id)} was erased at height ${r.erasedHeight}`,
        );
      }
      setRecord(ctx.state, { ...r, erased: true, erasedHeight: ctx.block.height });
      ctx.emit("records.erase", { id: toHex(msg.id), by: ctx.senderHex, reason: msg.reason });
    },
  }),
];

function requirePatient(state: KvReader, patient: Uint8Array, now: bigint) {
  try {
    requireActiveIdentity(state, patient, now, ["patient"]);
  } catch (err) {
    if (!isConsortiaError(err)) throw err;
    throw new ConsortiaError(
      RecordsErrors.RECORDS_UNKNOWN_PATIENT,
      `patient ${toHex(patient)} is not an active patient identity: ${err.message}`,
      { reason: err.code },
    );
  }
}

/** A clinician the holding institution added (access/add-user), still active and not suspended. */
function uploaderVouched(
  state: KvReader,
  institution: Uint8Array,
  uploader: Uint8Array,
  now: bigint,
): boolean {
  if (!isActiveUserOf(state, institution, uploader, now) || isSuspended(state, uploader)) return false;
  try {
    requireActiveIdentity(state, uploader, now);
    return true;
  } catch (err) {
    if (isConsortiaError(err)) return false;
    throw err;
  }
}
