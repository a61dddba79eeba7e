/**
 * Client side of the health-record protocol (docs/records.md): everything a patient, doctor or
 * researcher does, over the public HTTP API of any node plus the holder's own endpoint. Records
 * are sealed here, before they leave the user's machine; the holder and chain never see plaintext
 * from this code path.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { ApiErrors } from "../api/errors.js";
import { addressFromPublicKey, publicKeyOf } from "../crypto/ed25519.js";
import { decodeWrappedKey, openRecord, sealRecord } from "../crypto/envelope.js";
import { bytesEqual, fromHex, ownedBytes, sha256, toHex } from "../crypto/hash.js";
import { EhrErrors } from "../ehr/errors.js";
import { encryptionKeyPairOf } from "../ehr/keys.js";
import { envelopeAad, recipientIdOf, sealRequest, signErase, signUpload } from "../ehr/wire.js";
import { CommonErrors, ConsortiaError, isConsortiaError } from "../errors.js";
import type { Purpose } from "../modules/access/policy.js";
import { signRetrievalRequest } from "../modules/access/request.js";
import { fetchFromHolder } from "../offchain/fetch.js";
import type { ConsortiaClient } from "./client.js";
import { createClient } from "./client.js";
import { buildGrant, buildRevokeConsent, buildSetProfile, type Grant } from "./ehrTx.js";
import { type SendResult, signAndSubmit, throwIfFailed } from "./send.js";
import type { TtlCache } from "./ttlCache.js";

const zRecord = z.object({
  id: z.string(),
  cid: z.string(),
  patient: z.string(),
  holder: z.string(),
  uploader: z.string(),
  recordType: z.string(),
  size: z.union([z.string(), z.number()]),
  createdMs: z.union([z.string(), z.number()]),
  height: z.union([z.string(), z.number()]),
  erased: z.boolean(),
});
export type RecordInfo = z.infer<typeof zRecord>;

const zProfile = z.object({ encryptionKey: z.string().regex(/^[0-9a-f]{64}$/), endpoint: z.string() });
export type Profile = z.infer<typeof zProfile>;

async function queryValue(
  client: ConsortiaClient,
  path: string,
  params?: Record<string, string>,
): Promise<unknown> {
  const r = await client.query(path, params);
  return (r as { value: unknown }).value;
}

export async function getProfile(
  client: ConsortiaClient,
  address: string,
): Promise<z.infer<typeof zProfile>> {
  // The query answers NOT_FOUND for an address without a profile; callers expect EHR_NO_PROFILE.
  const v = await queryValue(client, `access/profile/${address}`).catch((err: unknown) => {
    if (isConsortiaError(err, CommonErrors.NOT_FOUND)) return undefined;
    throw err;
  });
  const p = zProfile.safeParse(v);
  if (!p.success) {
    throw new ConsortiaError(EhrErrors.EHR_NO_PROFILE, `${address} has published no encryption key`, {
      address,
    });
  }
  return p.data;
}

export async function getRecordInfo(client: ConsortiaClient, recordId: string): Promise<RecordInfo> {
  const v = await queryValue(client, `records/record/${recordId}`);
  const r = zRecord.safeParse(v);
  if (!r.success) throw new ConsortiaError(EhrErrors.EHR_UNKNOWN_RECORD, `no record ${recordId} on chain`);
  return r.data;
}

/** Publishes the user's X25519 key (derived from the account key) so records can be wrapped to it. */
export async function publishEncryptionKey(
  client: ConsortiaClient,
  secretKey: Uint8Array,
): Promise<SendResult> {
  const { publicKey } = encryptionKeyPairOf(secretKey);
  const r = await signAndSubmit(client, secretKey, (sk, env) => buildSetProfile(sk, env, publicKey, ""), {
    wait: true,
  });
  throwIfFailed(r);
  return r;
}

export interface PutRecordInput {
  /** A node API for chain queries. */
  readonly client: ConsortiaClient;
  /** Uploader: the patient or a doctor of the holder institution. */
  readonly secretKey: Uint8Array;
  readonly patient: string;
  /** The holder institution's address; its endpoint and key come from its on-chain profile. */
  readonly holder: string;
  readonly recordType: string;
  readonly plaintext: Uint8Array;
  readonly nowMs?: number;
}

export interface PutRecordResult {
  readonly id: string;
  readonly cid: string;
  readonly size: number;
  readonly height: string;
  readonly tx: string;
  readonly holderEndpoint: string;
}

/** Seals the record for the patient and the holder, and stores it at the holder. */
export async function putRecord(i: PutRecordInput): Promise<PutRecordResult> {
  const [holderProfile, patientProfile, chain] = await Promise.all([
    getProfile(i.client, i.holder),
    getProfile(i.client, i.patient),
    i.client.chain(),
  ]);
  if (holderProfile.endpoint === "") {
    throw new ConsortiaError(EhrErrors.EHR_NO_PROFILE, `holder ${i.holder} publishes no endpoint`);
  }
  const patient = fromHex(i.patient, { bytes: 20 });
  const holder = fromHex(i.holder, { bytes: 20 });
  const envelope = sealRecord(
    i.plaintext,
    [
      { id: recipientIdOf(patient), x25519PublicKey: fromHex(patientProfile.encryptionKey) },
      { id: recipientIdOf(holder), x25519PublicKey: fromHex(holderProfile.encryptionKey) },
    ],
    envelopeAad(patient, i.recordType),
  );
  const timestampMs = BigInt(i.nowMs ?? Date.now());
  const signature = signUpload(i.secretKey, {
    chainId: chain.chainId,
    contentHash: sha256(envelope),
    patient,
    holder,
    recordType: i.recordType,
    timestampMs,
  });
  const res = (await createClient(holderProfile.endpoint).request("POST", "/ehr/records", {
    envelope: Buffer.from(envelope).toString("base64"),
    patient: i.patient,
    recordType: i.recordType,
    uploader: toHex(publicKeyOf(i.secretKey)),
    timestampMs: timestampMs.toString(),
    signature: toHex(signature),
  })) as Omit<PutRecordResult, "holderEndpoint">;
  return { ...res, holderEndpoint: holderProfile.endpoint };
}

export interface GetRecordInput {
  readonly client: ConsortiaClient;
  readonly secretKey: Uint8Array;
  readonly recordId: string;
  readonly purpose: Purpose;
  readonly nowMs?: number;
  /**
   * Holders' profiles from earlier calls (createTtlCache in ttlCache.ts), saving one query per
   * retrieval. A cached profile the holder's answer contradicts is dropped and the call retried
   * once with a fresh one.
   */
  readonly profiles?: TtlCache<Profile>;
}

export interface GetRecordResult {
  readonly record: RecordInfo;
  readonly plaintext: Uint8Array;
  /** Sequence number of this access in the patient's on-chain log. */
  readonly logSeq: string;
  readonly height: string;
  readonly holderEndpoint: string;
}

const zRetrieval = z.object({
  recordId: z.string(),
  cid: z.string(),
  wrappedKey: z.string().regex(/^[0-9a-f]+$/),
  grant: z.string(),
  logSeq: z.string(),
  height: z.union([z.string(), z.number()]),
});

/** What a holder answers when the request was sealed to an old key or sent to an old endpoint. */
const STALE_PROFILE_CODES = [
  ApiErrors.API_UNREACHABLE,
  ApiErrors.API_BAD_RESPONSE,
  EhrErrors.EHR_BAD_REQUEST,
  EhrErrors.EHR_NOT_HOLDER,
] as const;

interface RetrieveAttempt {
  readonly raw: unknown;
  readonly request: { readonly recordId: Uint8Array };
  readonly me: Uint8Array;
}

/** One sealed, signed retrieval request to the holder's /ehr/retrieve. */
async function requestRetrieval(
  i: GetRecordInput,
  record: RecordInfo,
  chainId: string,
  holderProfile: Profile,
): Promise<RetrieveAttempt> {
  const holder = fromHex(record.holder, { bytes: 20 });
  const me = publicKeyOf(i.secretKey);
  const request = {
    chainId,
    requester: me,
    recordId: fromHex(record.id, { bytes: 32 }),
    holder,
    purpose: i.purpose,
    nonce: ownedBytes(randomBytes(16)),
    timestampMs: BigInt(i.nowMs ?? Date.now()),
  };
  const sealed = sealRequest(
    fromHex(holderProfile.encryptionKey),
    holder,
    request,
    signRetrievalRequest(i.secretKey, request),
  );
  const holderApi = createClient(holderProfile.endpoint);
  const raw = await holderApi.request("POST", "/ehr/retrieve", {
    enc: toHex(sealed.enc),
    ciphertext: Buffer.from(sealed.ciphertext).toString("base64"),
  });
  return { raw, request, me };
}

/**
 * Retrieves a record straight from the holder the chain names (BEdgeHealth case 1 or 2, the
 * same call either way): a signed request sealed to the holder, which has the chain decide and
 * log it, then the ciphertext over the trustless gateway, verified block by block and against
 * the on-chain hash before it is decrypted here.
 */
export async function getRecord(i: GetRecordInput): Promise<GetRecordResult> {
  const [record, chain] = await Promise.all([getRecordInfo(i.client, i.recordId), i.client.chain()]);
  const cache = i.profiles;
  const cached = cache?.has(record.holder) === true;
  const loadProfile = () => getProfile(i.client, record.holder);
  let holderProfile = cache ? await cache.get(record.holder, loadProfile) : await loadProfile();
  let attempt: RetrieveAttempt;
  try {
    attempt = await requestRetrieval(i, record, chain.chainId, holderProfile);
  } catch (err) {
    // A stale profile (moved endpoint, rotated key) fails before the chain is asked; only those
    // failures are retried (a retried denial would be logged and penalised twice).
    if (!cache || !cached || !STALE_PROFILE_CODES.some((c) => isConsortiaError(err, c))) throw err;
    cache.invalidate(record.holder);
    const fresh = await cache.get(record.holder, loadProfile);
    if (fresh.endpoint === holderProfile.endpoint && fresh.encryptionKey === holderProfile.encryptionKey)
      throw err;
    holderProfile = fresh;
    attempt = await requestRetrieval(i, record, chain.chainId, holderProfile);
  }
  const { raw, request, me } = attempt;
  const grant = zRetrieval.parse(raw);
  const fetched = await fetchFromHolder(holderProfile.endpoint, record.cid, {
    headers: { authorization: `Bearer ${grant.grant}` },
    maxBytes: Number(record.size) + 1024,
  });
  if (!bytesEqual(sha256(fetched.bytes), request.recordId)) {
    throw new ConsortiaError(
      EhrErrors.EHR_TAMPERED,
      `record ${record.id} from ${record.holder} differs from its on-chain hash`,
    );
  }
  const myAddress = addressFromPublicKey(me);
  const plaintext = openRecord(
    fetched.bytes,
    recipientIdOf(myAddress),
    encryptionKeyPairOf(i.secretKey).secretKey,
    envelopeAad(fromHex(record.patient), record.recordType),
    { extraKeys: [decodeWrappedKey(fromHex(grant.wrappedKey))] },
  );
  return {
    record,
    plaintext,
    logSeq: grant.logSeq,
    height: String(grant.height),
    holderEndpoint: holderProfile.endpoint,
  };
}

/** The patient asks the holder to erase a record (ciphertext and keys deleted; the log stays). */
export async function eraseRecord(i: {
  client: ConsortiaClient;
  secretKey: Uint8Array;
  recordId: string;
  nowMs?: number;
}): Promise<{ recordId: string; height: string }> {
  const [record, chain] = await Promise.all([getRecordInfo(i.client, i.recordId), i.client.chain()]);
  const holderProfile = await getProfile(i.client, record.holder);
  const timestampMs = BigInt(i.nowMs ?? Date.now());
  const signature = signErase(i.secretKey, {
    chainId: chain.chainId,
    recordId: fromHex(record.id, { bytes: 32 }),
    holder: fromHex(record.holder, { bytes: 20 }),
    timestampMs,
  });
  const r = (await createClient(holderProfile.endpoint).request("POST", `/ehr/records/${record.id}/erase`, {
    requester: toHex(publicKeyOf(i.secretKey)),
    timestampMs: timestampMs.toString(),
    signature: toHex(signature),
  })) as { recordId: string; height: string | number };
  return { recordId: r.recordId, height: String(r.height) };
}

export async function grantConsent(
  client: ConsortiaClient,
  secretKey: Uint8Array,
  grant: Grant,
): Promise<SendResult> {
  const r = await signAndSubmit(client, secretKey, (sk, env) => buildGrant(sk, env, grant), { wait: true });
  throwIfFailed(r);
  return r;
}

export async function revokeConsent(
  client: ConsortiaClient,
  secretKey: Uint8Array,
  consentId: string,
): Promise<SendResult> {
  const id = fromHex(consentId, { bytes: 32 });
  const r = await signAndSubmit(client, secretKey, (sk, env) => buildRevokeConsent(sk, env, id), {
    wait: true,
  });
  throwIfFailed(r);
  return r;
}

export interface ListOptions {
  /** Entries per query (the chain serves at most 1000). Default 1000. */
  readonly pageSize?: number;
  /** Stop following `next` once this many entries are gathered. Default 100 000. */
  readonly maxEntries?: number;
}

const MAX_PAGE = 1000;
const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * Follows a paged list query's `next` cursor and returns the first page's object with every
 * page's `key` entries concatenated; `next` is null when the list was read to its end, else the
 * cursor where `maxEntries` stopped it.
 */
async function allPages(
  client: ConsortiaClient,
  path: string,
  key: "records" | "entries",
  opts: ListOptions,
): Promise<Record<string, unknown>> {
  const pageSize = opts.pageSize ?? MAX_PAGE;
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  for (const [field, v, max] of [
    ["pageSize", pageSize, MAX_PAGE],
    ["maxEntries", maxEntries, Number.MAX_SAFE_INTEGER],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1 || v > max) {
      throw new ConsortiaError(CommonErrors.INVALID_ARGUMENT, `${field} must be an integer in 1..${max}`, {
        field,
      });
    }
  }
  const zPage = z
    .object({ [key]: z.array(z.unknown()), next: z.union([z.string(), z.number(), z.null()]) })
    .passthrough();
  const all: unknown[] = [];
  let first: Record<string, unknown> | undefined;
  let after: string | undefined;
  for (;;) {
    const limit = String(Math.min(pageSize, maxEntries - all.length));
    const raw = await queryValue(client, path, { limit, ...(after !== undefined ? { after } : {}) });
    const page = zPage.safeParse(raw);
    if (!page.success) {
      throw new ConsortiaError(ApiErrors.API_BAD_RESPONSE, `${path} did not answer a page of ${key}`, {
        path,
      });
    }
    first ??= page.data;
    all.push(...(page.data[key] as unknown[]));
    const next = page.data.next;
    if (next === null || all.length >= maxEntries) return { ...first, [key]: all, next };
    after = String(next);
  }
}

/** A patient's record index entries, every page (`{ records, next }`). */
export async function listRecords(
  client: ConsortiaClient,
  patient: string,
  opts: ListOptions = {},
): Promise<unknown> {
  return allPages(client, `records/patient/${patient}`, "records", opts);
}

export async function listConsents(client: ConsortiaClient, patient: string): Promise<unknown> {
  return queryValue(client, `access/consents/${patient}`);
}

/** A patient's access log, every page (`{ patient, total, entries, next }`). */
export async function accessLog(
  client: ConsortiaClient,
  patient: string,
  opts: ListOptions = {},
): Promise<unknown> {
  return allPages(client, `access/log/${patient}`, "entries", opts);
}
