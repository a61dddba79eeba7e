import { toHex } from "../../crypto/hash.js";
import { isoFromMs } from "../../util/isoTime.js";
import type { Consent } from "./state.js";

/** Identifier systems for on-chain values inside FHIR-shaped JSON. */
export const ADDRESS_SYSTEM = "urn:consortia:address";
export const RECORD_SYSTEM = "urn:consortia:record";
export const RECORD_TYPE_SYSTEM = "urn:consortia:record-type";
export const ACT_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
const PARTICIPATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";

const iso = isoFromMs;
const addressRef = (a: Uint8Array) => ({ identifier: { system: ADDRESS_SYSTEM, value: toHex(a) } });

/**
 * A consent as a FHIR R5 Consent resource (status, subject, grantor, decision, provision with
 * period, actor, purpose, data/documentType), plus the chain's own bookkeeping under `consortia`.
 * `status` is "inactive" once revoked or, when the time is known, once the period has ended.
 * Periods are bounded by MAX_TIME_MS at grant time, so `iso` never sees an unprintable time.
 */
export function consentResource(c: Consent, timeMs: bigint | undefined) {
  const ended = timeMs !== undefined && c.periodEndMs <= timeMs;
  return {
    resourceType: "Consent" as const,
    id: toHex(c.id),
    status: c.revoked || ended ? ("inactive" as const) : ("active" as const),
    subject: addressRef(c.patient),
    date: iso(c.createdMs),
    grantor: [addressRef(c.patient)],
    decision: c.decision,
    provision: [
      {
        period: { start: iso(c.periodStartMs), end: iso(c.periodEndMs) },
        actor: [
          {
            role: {
              coding: [{ system: PARTICIPATION_SYSTEM, code: "IRCP", display: "information recipient" }],
            },
            reference: addressRef(c.recipient),
          },
        ],
        purpose: c.purposes.map((code) => ({ system: ACT_REASON_SYSTEM, code })),
        // Both lists empty: the provision covers every record of the patient.
        data: c.recordIds.map((id) => ({
          meaning: "instance" as const,
          reference: { identifier: { system: RECORD_SYSTEM, value: toHex(id) } },
        })),
        documentType: c.recordTypes.map((code) => ({ system: RECORD_TYPE_SYSTEM, code })),
      },
    ],
    consortia: {
      patient: toHex(c.patient),
      recipient: toHex(c.recipient),
      periodStartMs: c.periodStartMs,
      periodEndMs: c.periodEndMs,
      createdHeight: c.createdHeight,
      createdMs: c.createdMs,
      revoked: c.revoked,
      revokedHeight: c.revokedHeight,
    },
  };
}
