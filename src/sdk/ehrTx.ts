import type { Infer } from "../codec/schema.js";
import type { Decision, Purpose } from "../modules/access/policy.js";
import type { RetrievalRequest } from "../modules/access/request.js";
import {
  addUserMsg,
  deleteUserMsg,
  grantMsg,
  retrieveMsg,
  revokeConsentMsg,
  setProfileMsg,
} from "../modules/access/wire.js";
import type { Role } from "../modules/identity/certificate.js";
import { recordEraseMsg, recordPutMsg } from "../modules/records/messages.js";
import { buildTx, type TxEnvelope } from "./tx.js";

/**
 * Transaction builders for the on-chain EHR modules (docs/records-onchain.md). The codecs are the
 * modules' own, re-exported, so a client and the chain share one definition of every format.
 */
export {
  decodeRetrievalRequest,
  encodeRetrievalRequest,
  type RetrievalRequest,
  retrievalRequestCodec,
  signRetrievalRequest,
  verifyRetrievalRequest,
} from "../modules/access/request.js";
export type { Decision, Purpose };
export {
  addUserMsg,
  deleteUserMsg,
  grantMsg,
  recordEraseMsg,
  recordPutMsg,
  retrieveMsg,
  revokeConsentMsg,
  setProfileMsg,
};

export type RecordPut = Infer<typeof recordPutMsg>;
export type Grant = Readonly<Infer<typeof grantMsg>>;

/** Registers a stored envelope; the sender (an institution or storage node) becomes its holder. */
export function buildRecordPut(secretKey: Uint8Array, env: TxEnvelope, put: Readonly<RecordPut>): Uint8Array {
  return buildTx(secretKey, env, "records/put", recordPutMsg, { ...put });
}

export function buildRecordErase(
  secretKey: Uint8Array,
  env: TxEnvelope,
  id: Uint8Array,
  reason: string,
): Uint8Array {
  return buildTx(secretKey, env, "records/erase", recordEraseMsg, { id, reason });
}

/** AddUser(PK, role): `role` must equal the user's certified role. */
export function buildAddUser(
  secretKey: Uint8Array,
  env: TxEnvelope,
  user: Uint8Array,
  role: Role,
): Uint8Array {
  return buildTx(secretKey, env, "access/add-user", addUserMsg, { user, role });
}

export function buildDeleteUser(secretKey: Uint8Array, env: TxEnvelope, user: Uint8Array): Uint8Array {
  return buildTx(secretKey, env, "access/delete-user", deleteUserMsg, { user });
}

/** Publishes the sender's X25519 key and (holders only) its API base URL, or "". */
export function buildSetProfile(
  secretKey: Uint8Array,
  env: TxEnvelope,
  encryptionKey: Uint8Array,
  endpoint: string,
): Uint8Array {
  return buildTx(secretKey, env, "access/set-profile", setProfileMsg, { encryptionKey, endpoint });
}

/** PolicyList: the consent's id will be this transaction's hash (sha256 of the returned bytes). */
export function buildGrant(secretKey: Uint8Array, env: TxEnvelope, grant: Grant): Uint8Array {
  return buildTx(secretKey, env, "access/grant", grantMsg, {
    ...grant,
    purposes: [...grant.purposes],
    recordIds: [...grant.recordIds],
    recordTypes: [...grant.recordTypes],
  });
}

export function buildRevokeConsent(
  secretKey: Uint8Array,
  env: TxEnvelope,
  consentId: Uint8Array,
): Uint8Array {
  return buildTx(secretKey, env, "access/revoke", revokeConsentMsg, { consentId });
}

/** Sent by the record's holder with the requester's signed request (see signRetrievalRequest). */
export function buildRetrieve(
  secretKey: Uint8Array,
  env: TxEnvelope,
  request: RetrievalRequest,
  signature: Uint8Array,
): Uint8Array {
  return buildTx(secretKey, env, "access/retrieve", retrieveMsg, { request: { ...request }, signature });
}
