import { AppErrors } from "../../app/errors.js";
import type { KvReader } from "../../app/state.js";
import type { QueryContext } from "../../app/types.js";
import { toHex } from "../../crypto/hash.js";
import { CommonErrors, ConsortiaError } from "../../errors.js";
import { parseHex, parseLimit } from "../records/query.js";
import { requireRecord } from "../records/state.js";
import { evaluateAccess } from "./evaluate.js";
import { consentResource } from "./fhir.js";
import { getAccessParams } from "./params.js";
import { PENALIZED, PURPOSES, type Purpose } from "./policy.js";
import {
  accessLogLength,
  getAccessLogEntry,
  getAffiliation,
  getConsent,
  getPatientConsentIds,
  getPenalties,
  getProfile,
  getUserInstitutions,
  getUserStatus,
  isActiveUserOf,
} from "./state.js";

/** Penalty entries `access/user` returns (the most recent ones; the count is always exact). */
export const PENALTY_LOG_TAIL = 100;

function bad(message: string): never {
  throw new ConsortiaError(AppErrors.QUERY_BAD_PARAMS, message);
}

function parseSeq(text: string | undefined): bigint {
  if (text === undefined) return 0n;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) bad("after must be a decimal sequence number");
  return BigInt(text);
}

function parsePurpose(text: string | undefined): Purpose {
  const p = PURPOSES.find((x) => x === text);
  if (p === undefined) bad(`purpose must be one of ${PURPOSES.join(", ")}`);
  return p;
}

function logPage(state: KvReader, patient: Uint8Array, params: Readonly<Record<string, string>>) {
  const limit = BigInt(parseLimit(params.limit));
  const after = parseSeq(params.after);
  const total = accessLogLength(state, patient);
  const entries = [];
  for (let seq = after + 1n; seq <= total && seq <= after + limit; seq++) {
    const e = getAccessLogEntry(state, patient, seq);
    if (!e) continue;
    entries.push({
      seq: e.seq,
      requester: toHex(e.requester),
      recordId: toHex(e.recordId),
      holder: toHex(e.holder),
      purpose: e.purpose,
      requestTimestampMs: e.requestTimestampMs,
      blockTimeMs: e.blockTimeMs,
      height: e.height,
      outcome: e.outcome,
      reason: e.reason,
    });
  }
  const last = after + limit;
  return { patient: toHex(patient), total, entries, next: last < total ? last : null };
}

function userView(state: KvReader, user: Uint8Array, timeMs: bigint | undefined) {
  const status = getUserStatus(state, user);
  const affiliations = getUserInstitutions(state, user).map((inst) => {
    const a = getAffiliation(state, inst, user);
    return {
      institution: toHex(inst),
      role: a?.role ?? null,
      addedHeight: a?.addedHeight ?? 0n,
      // Whether the institution still vouches (its own identity active) at the last block time.
      vouching: timeMs === undefined ? null : isActiveUserOf(state, inst, user, timeMs),
    };
  });
  const from = Math.max(0, status.penalties - PENALTY_LOG_TAIL);
  return {
    address: toHex(user),
    affiliations,
    penalties: status.penalties,
    penaltyLog: getPenalties(state, user, from, status.penalties).map((p, i) => ({ n: from + i, ...p })),
    suspended: status.suspended,
    suspendedHeight: status.suspendedHeight,
    lastDeletedHeight: status.lastDeletedHeight,
  };
}

/**
 * `access/params`, `access/consents/<patientHex>`, `access/log/<patientHex>?limit=&after=<seq>`,
 * `access/user/<addrHex>`, `access/profile/<addrHex>`,
 * `access/check/<requesterHex>/<recordIdHex>/<purpose>` (evaluateAccess at the last block time).
 */
export function accessQuery(
  path: readonly string[],
  params: Readonly<Record<string, string>>,
  ctx: QueryContext,
): unknown {
  const [what, arg] = path;
  const state = ctx.state;
  if (what === "params" && path.length === 1) return getAccessParams(state);
  if (what === "consents" && path.length === 2) {
    const patient = parseHex(arg, 20, "patient address");
    const consents = getPatientConsentIds(state, patient).flatMap((id) => {
      const c = getConsent(state, id);
      return c ? [consentResource(c, ctx.timeMs)] : [];
    });
    return { patient: toHex(patient), consents };
  }
  if (what === "log" && path.length === 2)
    return logPage(state, parseHex(arg, 20, "patient address"), params);
  if (what === "user" && path.length === 2) {
    return userView(state, parseHex(arg, 20, "address"), ctx.timeMs);
  }
  if (what === "profile" && path.length === 2) {
    const address = parseHex(arg, 20, "address");
    const p = getProfile(state, address);
    if (!p) throw new ConsortiaError(CommonErrors.NOT_FOUND, `${toHex(address)} has published no profile`);
    return {
      address: toHex(address),
      encryptionKey: toHex(p.encryptionKey),
      endpoint: p.endpoint,
      updatedHeight: p.updatedHeight,
    };
  }
  if (what === "check" && path.length === 4) {
    const requester = parseHex(arg, 20, "requester address");
    const record = requireRecord(state, parseHex(path[2], 32, "record id"));
    const purpose = parsePurpose(path[3]);
    if (ctx.timeMs === undefined) bad("this query needs the last block time, which the context lacks");
    const d = evaluateAccess(state, ctx.timeMs, requester, record, purpose);
    return {
      requester: toHex(requester),
      recordId: toHex(record.id),
      purpose,
      timeMs: ctx.timeMs,
      outcome: d.outcome,
      reason: d.reason,
      penalized: d.outcome === "denied" && PENALIZED.has(d.reason),
    };
  }
  throw new ConsortiaError(AppErrors.QUERY_UNKNOWN_PATH, `unknown access query ${path.join("/")}`);
}
