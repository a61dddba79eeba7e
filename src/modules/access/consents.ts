import type { KvReader } from "../../app/state.js";
import { type AnyMessageHandler, defineMessage } from "../../app/types.js";
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { ConsortiaError, isConsortiaError } from "../../errors.js";
import { requireActiveIdentity } from "../identity/state.js";
import { getRecord, isRecordType } from "../records/state.js";
import { AccessErrors } from "./errors.js";
import { getAccessParams } from "./params.js";
import { MAX_TIME_MS } from "./policy.js";
import {
  appendPatientConsent,
  getConsent,
  getLiveConsentIds,
  setConsent,
  setLiveConsentIds,
} from "./state.js";
import { grantMsg, revokeConsentMsg } from "./wire.js";

function invalid(field: string, message: string): never {
  throw new ConsortiaError(AccessErrors.ACCESS_INVALID, message, { field });
}

function distinct(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}

/** Live ids whose consent still can match at `now` or later (unrevoked, period not over). */
function stillLive(state: KvReader, ids: readonly Uint8Array[], now: bigint): Uint8Array[] {
  return ids.filter((id) => {
    const c = getConsent(state, id);
    return c !== undefined && !c.revoked && c.periodEndMs > now;
  });
}

export const consentMessages: readonly AnyMessageHandler[] = [
  defineMessage({
    type: "access/grant",
    codec: grantMsg,
    baseWork: 3_000,
    validate(msg) {
      if (msg.purposes.length === 0) invalid("purposes", "at least one purpose is required");
      // Duplicates would give one policy several encodings (and several consent ids for one intent).
      if (!distinct(msg.purposes)) invalid("purposes", "purposes must be distinct");
      if (!distinct(msg.recordIds.map(toHex))) invalid("recordIds", "recordIds must be distinct");
      if (!distinct(msg.recordTypes)) invalid("recordTypes", "recordTypes must be distinct");
      for (const t of msg.recordTypes) {
        if (!isRecordType(t)) invalid("recordTypes", `recordType ${JSON.stringify(t)} is not a record type`);
      }
      if (msg.periodStartMs >= msg.periodEndMs || msg.periodEndMs > MAX_TIME_MS) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_BAD_PERIOD,
          `period must satisfy start < end ≤ ${MAX_TIME_MS}`,
          { field: "periodEndMs" },
        );
      }
    },
    execute(ctx, msg) {
      const { state } = ctx;
      const now = ctx.block.timeMs;
      requireActiveIdentity(state, ctx.sender, now, ["patient"]);
      requireRecipient(state, ctx.sender, msg.recipient, now);
      if (msg.periodEndMs <= now) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_BAD_PERIOD,
          `periodEndMs ${msg.periodEndMs} is not after block time ${now}`,
          { field: "periodEndMs" },
        );
      }
      for (const id of msg.recordIds) {
        ctx.work(1);
        const r = getRecord(state, id);
        if (!r || !bytesEqual(r.patient, ctx.sender)) {
          throw new ConsortiaError(
            AccessErrors.ACCESS_RECORD_NOT_OWNED,
            `record ${toHex(id)} is not a record of ${ctx.senderHex}`,
            { recordId: toHex(id) },
          );
        }
      }
      const p = getAccessParams(state);
      const before = getLiveConsentIds(state, ctx.sender);
      ctx.work(before.length);
      // Expired consents leave the live list here, so they stop counting against the limit.
      const live = stillLive(state, before, now);
      if (live.length >= p.maxConsentsPerPatient) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_TOO_MANY_CONSENTS,
          `${ctx.senderHex} already has maxConsentsPerPatient=${p.maxConsentsPerPatient} live consents`,
        );
      }
      const id = Uint8Array.from(ctx.txHash);
      if (getConsent(state, id)) invalid("consentId", `consent ${toHex(id)} already exists`);
      setConsent(state, {
        id,
        patient: ctx.sender,
        recipient: msg.recipient,
        decision: msg.decision,
        purposes: msg.purposes,
        recordIds: msg.recordIds,
        recordTypes: msg.recordTypes,
        periodStartMs: msg.periodStartMs,
        periodEndMs: msg.periodEndMs,
        createdHeight: ctx.block.height,
        createdMs: now,
        revoked: false,
        revokedHeight: 0n,
      });
      setLiveConsentIds(state, ctx.sender, [...live, id]);
      appendPatientConsent(state, ctx.sender, id);
      ctx.emit("access.grant", {
        consentId: toHex(id),
        patient: ctx.senderHex,
        recipient: toHex(msg.recipient),
        decision: msg.decision,
        purposes: msg.purposes.join(","),
        periodStartMs: msg.periodStartMs.toString(),
        periodEndMs: msg.periodEndMs.toString(),
      });
    },
  }),
  defineMessage({
    type: "access/revoke",
    codec: revokeConsentMsg,
    baseWork: 1_500,
    execute(ctx, msg) {
      const { state } = ctx;
      const c = getConsent(state, msg.consentId);
      if (!c) {
        throw new ConsortiaError(AccessErrors.ACCESS_CONSENT_NOT_FOUND, `no consent ${toHex(msg.consentId)}`);
      }
      if (!bytesEqual(c.patient, ctx.sender)) {
        throw new ConsortiaError(AccessErrors.ACCESS_NOT_GRANTOR, "only the granting patient may revoke");
      }
      if (c.revoked) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_CONSENT_REVOKED,
          `consent ${toHex(msg.consentId)} was revoked at height ${c.revokedHeight}`,
        );
      }
      setConsent(state, { ...c, revoked: true, revokedHeight: ctx.block.height });
      const live = getLiveConsentIds(state, ctx.sender);
      ctx.work(live.length);
      setLiveConsentIds(
        state,
        ctx.sender,
        live.filter((id) => !bytesEqual(id, msg.consentId)),
      );
      ctx.emit("access.revoke", { consentId: toHex(msg.consentId), patient: ctx.senderHex });
    },
  }),
];

function requireRecipient(state: KvReader, patient: Uint8Array, recipient: Uint8Array, now: bigint): void {
  if (bytesEqual(recipient, patient)) {
    throw new ConsortiaError(AccessErrors.ACCESS_BAD_RECIPIENT, "a patient always reads their own records", {
      field: "recipient",
    });
  }
  try {
    requireActiveIdentity(state, recipient, now);
  } catch (err) {
    if (!isConsortiaError(err)) throw err;
    throw new ConsortiaError(
      AccessErrors.ACCESS_BAD_RECIPIENT,
      `recipient ${toHex(recipient)} is not an active identity: ${err.message}`,
      { field: "recipient", reason: err.code },
    );
  }
}
