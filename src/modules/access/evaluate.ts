import type { KvReader } from "../../app/state.js";
import { bytesEqual } from "../../crypto/hash.js";
import { isConsortiaError } from "../../errors.js";
import { requireActiveIdentity } from "../identity/state.js";
import type { RecordEntry } from "../records/state.js";
import type { Outcome, Purpose, Reason } from "./policy.js";
import {
  type Consent,
  getConsent,
  getLiveConsentIds,
  getUserStatus,
  isAffiliatedAnywhere,
  isSuspended,
} from "./state.js";

export interface AccessDecision {
  readonly outcome: Outcome;
  readonly reason: Reason;
}

/** The parts of a record evaluation looks at. */
export type EvaluatedRecord = Pick<RecordEntry, "id" | "patient" | "recordType" | "erased">;

/**
 * A consent applies to a request when it names the requester, lists the purpose, its period
 * [start, end) covers the block time, and it covers the record: by id, by type, or — with both
 * lists empty — every record of the patient. Revoked consents never reach here (not live).
 */
export function consentMatches(
  c: Pick<Consent, "recipient" | "purposes" | "recordIds" | "recordTypes" | "periodStartMs" | "periodEndMs">,
  requester: Uint8Array,
  purpose: Purpose,
  record: Pick<RecordEntry, "id" | "recordType">,
  timeMs: bigint,
): boolean {
  if (!bytesEqual(c.recipient, requester)) return false;
  if (!c.purposes.includes(purpose)) return false;
  if (timeMs < c.periodStartMs || timeMs >= c.periodEndMs) return false;
  if (c.recordIds.length === 0 && c.recordTypes.length === 0) return true;
  return c.recordIds.some((id) => bytesEqual(id, record.id)) || c.recordTypes.includes(record.recordType);
}

function identityValid(state: KvReader, address: Uint8Array, timeMs: bigint): boolean {
  try {
    requireActiveIdentity(state, address, timeMs);
    return true;
  } catch (err) {
    if (isConsortiaError(err)) return false;
    throw err;
  }
}

/**
 * The access decision for `requester` asking for `record` with `purpose` at block time `timeMs`.
 * Pure: reads state, writes nothing, so the serving node can run it as a pre-check against its
 * latest committed state and get the answer the chain will record. First match wins:
 *
 *   1. requester identity not registered / revoked / expired  → denied  identity-invalid
 *   2. requester suspended                                     → denied  suspended
 *   3. record erased                                           → denied  erased
 *   4. requester is the record's patient                       → granted owner
 *   5. requester is no active user of an active institution    → denied  user-deleted if some
 *      institution deleted it before, else                          denied  not-affiliated
 *   6. a live deny consent of the patient matches              → denied  consent-deny
 *   7. a live permit consent of the patient matches            → granted consent
 *   8. otherwise                                               → denied  no-consent
 *
 * `work` is charged one unit per affiliation and per consent examined.
 */
export function evaluateAccess(
  state: KvReader,
  timeMs: bigint,
  requester: Uint8Array,
  record: EvaluatedRecord,
  purpose: Purpose,
  work: (units: number) => void = noWork,
): AccessDecision {
  if (!identityValid(state, requester, timeMs)) return denied("identity-invalid");
  if (isSuspended(state, requester)) return denied("suspended");
  if (record.erased) return denied("erased");
  if (bytesEqual(requester, record.patient)) return { outcome: "granted", reason: "owner" };
  if (!isAffiliatedAnywhere(state, requester, timeMs, work)) {
    return denied(getUserStatus(state, requester).lastDeletedHeight > 0n ? "user-deleted" : "not-affiliated");
  }
  let permit = false;
  for (const id of getLiveConsentIds(state, record.patient)) {
    work(1);
    const c = getConsent(state, id);
    if (!c || c.revoked || !consentMatches(c, requester, purpose, record, timeMs)) continue;
    if (c.decision === "deny") return denied("consent-deny");
    permit = true;
  }
  return permit ? { outcome: "granted", reason: "consent" } : denied("no-consent");
}

function denied(reason: Reason): AccessDecision {
  return { outcome: "denied", reason };
}

function noWork(_units: number): void {}
