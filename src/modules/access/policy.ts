import type { Role } from "../identity/certificate.js";

/**
 * Vocabulary of the access-control policy. Appending is safe; reordering breaks stored encodings
 * (every enum is stored as its index).
 */

/** FHIR v3-ActReason purposes of use (http://terminology.hl7.org/CodeSystem/v3-ActReason). */
export const PURPOSES = ["TREAT", "ETREAT", "HRESCH", "HPAYMT", "HOPERAT", "PUBHLTH"] as const;
export type Purpose = (typeof PURPOSES)[number];

export const DECISIONS = ["permit", "deny"] as const;
export type Decision = (typeof DECISIONS)[number];

export const OUTCOMES = ["granted", "denied"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Why an evaluation ended as it did, in evaluation order (docs/records-onchain.md). */
export const REASONS = [
  "identity-invalid",
  "suspended",
  "erased",
  "owner",
  "not-affiliated",
  "user-deleted",
  "consent-deny",
  "consent",
  "no-consent",
] as const;
export type Reason = (typeof REASONS)[number];

/**
 * Denials that cost the requester a penalty: asking for what it had no business asking for. A user
 * an institution removed ("user-deleted") is not penalised: stale requests are not an attack.
 */
export const PENALIZED: ReadonlySet<Reason> = new Set<Reason>([
  "not-affiliated",
  "consent-deny",
  "no-consent",
  "suspended",
]);

/** Roles an institution can add as users (edge-cloud AddUser(PK, userRole)). */
export const USER_ROLES: readonly Role[] = ["doctor", "researcher", "auditor", "insurer"];

export const MAX_PURPOSES = PURPOSES.length;
export const MAX_CONSENT_RECORD_IDS = 64;
export const MAX_CONSENT_RECORD_TYPES = 16;
/** Institutions one user may be affiliated with at once; bounds the affiliation scan. */
export const MAX_AFFILIATIONS_PER_USER = 32;
export const MAX_ENDPOINT_BYTES = 256;
/** Largest time a JS Date can print (±8.64e15 ms): consent periods must stay printable as FHIR. */
export const MAX_TIME_MS = 8_640_000_000_000_000n;
