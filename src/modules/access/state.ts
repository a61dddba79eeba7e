import type { KvReader, KvStore } from "../../app/state.js";
import { encodeUvarintBig, Reader } from "../../codec/binary.js";
import {
  array,
  bool,
  decode,
  encode,
  enumOf,
  fixedBytes,
  string,
  struct,
  u64,
  uint,
} from "../../codec/schema.js";
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { isConsortiaError } from "../../errors.js";
import { ROLES, type Role } from "../identity/certificate.js";
import { requireActiveIdentity } from "../identity/state.js";
import {
  DECISIONS,
  type Decision,
  MAX_AFFILIATIONS_PER_USER,
  MAX_CONSENT_RECORD_IDS,
  MAX_CONSENT_RECORD_TYPES,
  MAX_ENDPOINT_BYTES,
  MAX_PURPOSES,
  OUTCOMES,
  type Outcome,
  PURPOSES,
  type Purpose,
  REASONS,
  type Reason,
} from "./policy.js";

/**
 * State keys owned by the access module (listed in src/storage/keys.ts). The store has no range
 * scans: every list is either one bounded value or a counted run of `<prefix><n:010d>` keys.
 */
export const AFFILIATION_PREFIX = "access/a/";
export const USER_INSTITUTIONS_PREFIX = "access/ui/";
export const USER_STATUS_PREFIX = "access/u/";
export const PENALTY_LOG_PREFIX = "access/pl/";
export const PROFILE_PREFIX = "access/pr/";
export const CONSENT_PREFIX = "access/c/";
export const PATIENT_CONSENTS_PREFIX = "access/cp/";
export const PATIENT_CONSENT_COUNT_PREFIX = "access/cpn/";
export const LIVE_CONSENTS_PREFIX = "access/cl/";
export const ACCESS_LOG_PREFIX = "access/l/";
export const ACCESS_LOG_COUNT_PREFIX = "access/ln/";

const pad10 = (n: number | bigint): string => n.toString().padStart(10, "0");
const addressList = array(fixedBytes(20), MAX_AFFILIATIONS_PER_USER);

function readCount(state: KvReader, key: string): number {
  const v = state.get(key);
  return v === undefined ? 0 : Number(new Reader(v).ubigvarint(BigInt(Number.MAX_SAFE_INTEGER)));
}

function writeCount(state: KvStore, key: string, n: number): void {
  state.set(key, encodeUvarintBig(BigInt(n)));
}

// ---- affiliations (edge-cloud AddUser / DeleteUser) ------------------------------------------

export interface Affiliation {
  readonly role: Role;
  readonly active: boolean;
  readonly addedHeight: bigint;
  /** Height of the last delete-user (0 = never deleted). */
  readonly deletedHeight: bigint;
}

const affiliationCodec = struct({ role: enumOf(ROLES), active: bool, addedHeight: u64, deletedHeight: u64 });

export const affiliationKey = (institution: Uint8Array, user: Uint8Array): string =>
  `${AFFILIATION_PREFIX}${toHex(institution)}/${toHex(user)}`;
export const userInstitutionsKey = (user: Uint8Array): string => USER_INSTITUTIONS_PREFIX + toHex(user);

export function getAffiliation(
  state: KvReader,
  institution: Uint8Array,
  user: Uint8Array,
): Affiliation | undefined {
  const v = state.get(affiliationKey(institution, user));
  return v === undefined ? undefined : decode(affiliationCodec, v);
}

export function setAffiliation(state: KvStore, institution: Uint8Array, user: Uint8Array, a: Affiliation) {
  state.set(affiliationKey(institution, user), encode(affiliationCodec, { ...a }, 32));
}

/** Institutions the user is currently (not deleted) affiliated with, in the order they added it. */
export function getUserInstitutions(state: KvReader, user: Uint8Array): Uint8Array[] {
  const v = state.get(userInstitutionsKey(user));
  return v === undefined ? [] : decode(addressList, v);
}

export function setUserInstitutions(state: KvStore, user: Uint8Array, list: readonly Uint8Array[]): void {
  if (list.length === 0) state.delete(userInstitutionsKey(user));
  else state.set(userInstitutionsKey(user), encode(addressList, [...list], 21 * list.length + 2));
}

function isActiveInstitution(state: KvReader, address: Uint8Array, timeMs: bigint): boolean {
  try {
    requireActiveIdentity(state, address, timeMs, ["institution"]);
    return true;
  } catch (err) {
    if (isConsortiaError(err)) return false;
    throw err;
  }
}

/**
 * The user is an active member of `institution`: added and not deleted, and the institution itself
 * still holds an active institution identity (a revoked hospital vouches for nobody).
 */
export function isActiveUserOf(
  state: KvReader,
  institution: Uint8Array,
  user: Uint8Array,
  timeMs: bigint,
): boolean {
  return (
    getAffiliation(state, institution, user)?.active === true &&
    isActiveInstitution(state, institution, timeMs)
  );
}

/** True if at least one institution vouches for the user (evaluation step "not-affiliated"). */
export function isAffiliatedAnywhere(
  state: KvReader,
  user: Uint8Array,
  timeMs: bigint,
  work: (units: number) => void = noWork,
): boolean {
  const list = getUserInstitutions(state, user);
  for (const inst of list) {
    work(1);
    if (isActiveUserOf(state, inst, user, timeMs)) return true;
  }
  return false;
}

// ---- penalties and suspension (edge-cloud Penalty(PK, action)) ------------------------------

export interface UserStatus {
  readonly penalties: number;
  readonly suspended: boolean;
  readonly suspendedHeight: bigint;
  /** Height of the last access/delete-user naming this user (0 = never deleted anywhere). */
  readonly lastDeletedHeight: bigint;
}

export interface PenaltyEntry {
  readonly action: Reason;
  readonly height: bigint;
}

const userStatusCodec = struct({
  penalties: uint(),
  suspended: bool,
  suspendedHeight: u64,
  lastDeletedHeight: u64,
});
const penaltyCodec = struct({ action: enumOf(REASONS), height: u64 });
const NO_STATUS: UserStatus = { penalties: 0, suspended: false, suspendedHeight: 0n, lastDeletedHeight: 0n };

export const userStatusKey = (user: Uint8Array): string => USER_STATUS_PREFIX + toHex(user);
export const penaltyKey = (user: Uint8Array, n: number): string =>
  `${PENALTY_LOG_PREFIX}${toHex(user)}/${pad10(n)}`;

export function getUserStatus(state: KvReader, user: Uint8Array): UserStatus {
  const v = state.get(userStatusKey(user));
  return v === undefined ? NO_STATUS : decode(userStatusCodec, v);
}

export function isSuspended(state: KvReader, user: Uint8Array): boolean {
  return getUserStatus(state, user).suspended;
}

/**
 * Records one penalty; returns the new status. Reaching `maxPenalties` suspends the user for good
 * (there is no message that lifts a suspension: that is the CA's call, by revoking or re-issuing).
 */
export function addPenalty(
  state: KvStore,
  user: Uint8Array,
  action: Reason,
  height: bigint,
  maxPenalties: number,
): { status: UserStatus; newlySuspended: boolean } {
  const before = getUserStatus(state, user);
  state.set(penaltyKey(user, before.penalties), encode(penaltyCodec, { action, height }, 16));
  const penalties = before.penalties + 1;
  const newlySuspended = !before.suspended && penalties >= maxPenalties;
  const status: UserStatus = newlySuspended
    ? { ...before, penalties, suspended: true, suspendedHeight: height }
    : { ...before, penalties };
  setUserStatus(state, user, status);
  return { status, newlySuspended };
}

export function setUserStatus(state: KvStore, user: Uint8Array, status: UserStatus): void {
  state.set(userStatusKey(user), encode(userStatusCodec, { ...status }, 32));
}

/** Penalty entries n ∈ [from, to) (the log is append-only, numbered from 0). */
export function getPenalties(state: KvReader, user: Uint8Array, from: number, to: number): PenaltyEntry[] {
  const out: PenaltyEntry[] = [];
  for (let n = from; n < to; n++) {
    const v = state.get(penaltyKey(user, n));
    if (v !== undefined) out.push(decode(penaltyCodec, v));
  }
  return out;
}

// ---- profiles (HPKE key, serving endpoint) ----------------------------------------------------

export interface Profile {
  readonly encryptionKey: Uint8Array;
  readonly endpoint: string;
  readonly updatedHeight: bigint;
}

const profileCodec = struct({
  encryptionKey: fixedBytes(32),
  endpoint: string(MAX_ENDPOINT_BYTES),
  updatedHeight: u64,
});

export const profileKey = (address: Uint8Array): string => PROFILE_PREFIX + toHex(address);

export function getProfile(state: KvReader, address: Uint8Array): Profile | undefined {
  const v = state.get(profileKey(address));
  return v === undefined ? undefined : decode(profileCodec, v);
}

export function setProfile(state: KvStore, address: Uint8Array, p: Profile): void {
  state.set(profileKey(address), encode(profileCodec, { ...p }, 320));
}

// ---- consents (edge-cloud PolicyList, Healthchain's patient authorisation) -------------------

/** Shaped after FHIR Consent: decision, actor (recipient), purpose, data (ids / types), period. */
export interface Consent {
  readonly id: Uint8Array;
  readonly patient: Uint8Array;
  readonly recipient: Uint8Array;
  readonly decision: Decision;
  readonly purposes: readonly Purpose[];
  readonly recordIds: readonly Uint8Array[];
  readonly recordTypes: readonly string[];
  readonly periodStartMs: bigint;
  readonly periodEndMs: bigint;
  readonly createdHeight: bigint;
  readonly createdMs: bigint;
  readonly revoked: boolean;
  readonly revokedHeight: bigint;
}

const consentCodec = struct({
  patient: fixedBytes(20),
  recipient: fixedBytes(20),
  decision: enumOf(DECISIONS),
  purposes: array(enumOf(PURPOSES), MAX_PURPOSES),
  recordIds: array(fixedBytes(32), MAX_CONSENT_RECORD_IDS),
  recordTypes: array(string(64), MAX_CONSENT_RECORD_TYPES),
  periodStartMs: u64,
  periodEndMs: u64,
  createdHeight: u64,
  createdMs: u64,
  revoked: bool,
  revokedHeight: u64,
});
const idList = array(fixedBytes(32), 4096);

export const consentKey = (id: Uint8Array): string => CONSENT_PREFIX + toHex(id);
export const liveConsentsKey = (patient: Uint8Array): string => LIVE_CONSENTS_PREFIX + toHex(patient);
export const patientConsentKey = (patient: Uint8Array, n: number): string =>
  `${PATIENT_CONSENTS_PREFIX}${toHex(patient)}/${pad10(n)}`;
export const patientConsentCountKey = (patient: Uint8Array): string =>
  PATIENT_CONSENT_COUNT_PREFIX + toHex(patient);

/**
 * Decoded consents keyed by the stored bytes object: evaluation reads every live consent of a
 * patient per retrieval, and stored values are replaced, never mutated (as in identity/state.ts).
 */
const decodedConsents = new WeakMap<Uint8Array, Omit<Consent, "id">>();

export function getConsent(state: KvReader, id: Uint8Array): Consent | undefined {
  const v = state.get(consentKey(id));
  if (v === undefined) return undefined;
  let c = decodedConsents.get(v);
  if (c === undefined) {
    c = decode(consentCodec, v);
    decodedConsents.set(v, c);
  }
  return { id, ...c };
}

export function setConsent(state: KvStore, c: Consent): void {
  const { id, ...body } = c;
  state.set(
    consentKey(id),
    encode(
      consentCodec,
      {
        ...body,
        purposes: [...body.purposes],
        recordIds: [...body.recordIds],
        recordTypes: [...body.recordTypes],
      },
      160 + 33 * body.recordIds.length + 65 * body.recordTypes.length,
    ),
  );
}

/** Ids of the patient's live consents: the only ones evaluation looks at. */
export function getLiveConsentIds(state: KvReader, patient: Uint8Array): Uint8Array[] {
  const v = state.get(liveConsentsKey(patient));
  return v === undefined ? [] : decode(idList, v);
}

export function setLiveConsentIds(state: KvStore, patient: Uint8Array, ids: readonly Uint8Array[]): void {
  if (ids.length === 0) state.delete(liveConsentsKey(patient));
  else state.set(liveConsentsKey(patient), encode(idList, [...ids], 33 * ids.length + 2));
}

/** Appends to the patient's full consent history (creation order, revoked ones included). */
export function appendPatientConsent(state: KvStore, patient: Uint8Array, id: Uint8Array): void {
  const n = readCount(state, patientConsentCountKey(patient));
  state.set(patientConsentKey(patient, n), Uint8Array.from(id));
  writeCount(state, patientConsentCountKey(patient), n + 1);
}

export function getPatientConsentIds(state: KvReader, patient: Uint8Array): Uint8Array[] {
  const n = readCount(state, patientConsentCountKey(patient));
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = state.get(patientConsentKey(patient, i));
    if (v !== undefined) out.push(v);
  }
  return out;
}

// ---- the patient's access log (BEdgeHealth eq. 28/31, edge-cloud Step 4) ----------------------

export interface AccessLogEntry {
  readonly seq: bigint;
  readonly requester: Uint8Array;
  readonly recordId: Uint8Array;
  readonly holder: Uint8Array;
  readonly purpose: Purpose;
  readonly requestTimestampMs: bigint;
  readonly blockTimeMs: bigint;
  readonly height: bigint;
  readonly outcome: Outcome;
  readonly reason: Reason;
}

const logCodec = struct({
  requester: fixedBytes(20),
  recordId: fixedBytes(32),
  holder: fixedBytes(20),
  purpose: enumOf(PURPOSES),
  requestTimestampMs: u64,
  blockTimeMs: u64,
  height: u64,
  outcome: enumOf(OUTCOMES),
  reason: enumOf(REASONS),
});

export const accessLogKey = (patient: Uint8Array, seq: bigint): string =>
  `${ACCESS_LOG_PREFIX}${toHex(patient)}/${pad10(seq)}`;
export const accessLogCountKey = (patient: Uint8Array): string => ACCESS_LOG_COUNT_PREFIX + toHex(patient);

/** Number of entries in the patient's log = the last seq (seqs start at 1). */
export function accessLogLength(state: KvReader, patient: Uint8Array): bigint {
  return BigInt(readCount(state, accessLogCountKey(patient)));
}

/** Appends an entry and returns its seq. */
export function appendAccessLog(state: KvStore, patient: Uint8Array, e: Omit<AccessLogEntry, "seq">): bigint {
  const seq = accessLogLength(state, patient) + 1n;
  state.set(accessLogKey(patient, seq), encode(logCodec, { ...e }, 128));
  writeCount(state, accessLogCountKey(patient), Number(seq));
  return seq;
}

export function getAccessLogEntry(
  state: KvReader,
  patient: Uint8Array,
  seq: bigint,
): AccessLogEntry | undefined {
  const v = state.get(accessLogKey(patient, seq));
  return v === undefined ? undefined : { seq, ...decode(logCodec, v) };
}

export function listHasAddress(list: readonly Uint8Array[], a: Uint8Array): boolean {
  return list.some((x) => bytesEqual(x, a));
}

function noWork(_units: number): void {}
