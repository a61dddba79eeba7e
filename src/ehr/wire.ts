/**
 * Off-chain message formats between users and an institution's health-record service
 * (docs/records.md "Protocol"). Everything signed is canonical binary (src/codec/schema.ts) under
 * its own signing domain, so no signature made for one purpose verifies for another.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { decode, encode, fixedBytes, string, struct, u64, versioned } from "../codec/schema.js";
import { signWithDomain, verifyWithDomain } from "../crypto/ed25519.js";
import { toHex } from "../crypto/hash.js";
import { openBase, sealBase } from "../crypto/hpke.js";
import { ConsortiaError, isConsortiaError } from "../errors.js";
import { type RetrievalRequest, retrievalRequestCodec } from "../modules/access/request.js";
import { EhrErrors } from "./errors.js";

const utf8 = new TextEncoder();
const DOMAIN_UPLOAD = "consortia/ehr/upload/v1";
const DOMAIN_ERASE = "consortia/ehr/erase/v1";
const REQUEST_INFO = utf8.encode("consortia/ehr/request/v1");

/** Binds an envelope's ciphertext to its patient and record type (AES-GCM additional data). */
export function envelopeAad(patient: Uint8Array, recordType: string): Uint8Array {
  return utf8.encode(`consortia/ehr/v1\u0000${toHex(patient)}\u0000${recordType}`);
}

/** Envelope recipient ids are account addresses in hex. */
export const recipientIdOf = (address: Uint8Array): string => toHex(address);

export interface UploadAuth {
  readonly chainId: string;
  readonly contentHash: Uint8Array;
  readonly patient: Uint8Array;
  readonly holder: Uint8Array;
  readonly recordType: string;
  readonly timestampMs: bigint;
}

const uploadAuthCodec = versioned(
  1,
  struct({
    chainId: string(64),
    contentHash: fixedBytes(32),
    patient: fixedBytes(20),
    holder: fixedBytes(20),
    recordType: string(64),
    timestampMs: u64,
  }),
);

export function signUpload(secretKey: Uint8Array, a: UploadAuth): Uint8Array {
  return signWithDomain(secretKey, DOMAIN_UPLOAD, encode(uploadAuthCodec, { ...a }));
}

export function verifyUpload(publicKey: Uint8Array, a: UploadAuth, signature: Uint8Array): boolean {
  return verifyWithDomain(publicKey, DOMAIN_UPLOAD, encode(uploadAuthCodec, { ...a }), signature);
}

export interface EraseAuth {
  readonly chainId: string;
  readonly recordId: Uint8Array;
  readonly holder: Uint8Array;
  readonly timestampMs: bigint;
}

const eraseAuthCodec = versioned(
  1,
  struct({ chainId: string(64), recordId: fixedBytes(32), holder: fixedBytes(20), timestampMs: u64 }),
);

export function signErase(secretKey: Uint8Array, a: EraseAuth): Uint8Array {
  return signWithDomain(secretKey, DOMAIN_ERASE, encode(eraseAuthCodec, { ...a }));
}

export function verifyErase(publicKey: Uint8Array, a: EraseAuth, signature: Uint8Array): boolean {
  return verifyWithDomain(publicKey, DOMAIN_ERASE, encode(eraseAuthCodec, { ...a }), signature);
}

const signedRequestCodec = versioned(
  1,
  struct({ request: retrievalRequestCodec, signature: fixedBytes(64) }),
);

export interface SealedRequest {
  readonly enc: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/**
 * The retrieval request encrypted to the serving holder's X25519 key (BEdgeHealth eq. 18: the
 * request travels encrypted under the hospital's public key); the holder's address is the HPKE
 * additional data, so a request sealed for one hospital cannot be replayed at another.
 */
export function sealRequest(
  holderKey: Uint8Array,
  holder: Uint8Array,
  request: RetrievalRequest,
  signature: Uint8Array,
): SealedRequest {
  const pt = encode(signedRequestCodec, { request: { ...request }, signature });
  return sealBase(holderKey, REQUEST_INFO, holder, pt);
}

export function openRequest(
  sealed: SealedRequest,
  holderSecret: Uint8Array,
  holder: Uint8Array,
): { request: RetrievalRequest; signature: Uint8Array } {
  let pt: Uint8Array;
  try {
    pt = openBase(sealed.enc, holderSecret, REQUEST_INFO, holder, sealed.ciphertext);
  } catch (err) {
    throw new ConsortiaError(
      EhrErrors.EHR_BAD_REQUEST,
      "the retrieval request does not decrypt with this holder's key (sealed for another holder?)",
      { reason: isConsortiaError(err) ? err.code : "decrypt" },
    );
  }
  try {
    return decode(signedRequestCodec, pt, { maxBytes: 512 });
  } catch (err) {
    throw new ConsortiaError(EhrErrors.EHR_BAD_REQUEST, "the decrypted retrieval request does not decode", {
      reason: isConsortiaError(err) ? err.code : "decode",
    });
  }
}

/**
 * A short-lived, holder-issued capability to fetch one CID through the trustless gateway:
 * `v1.<cid>.<requester address hex>.<expiry ms>.<hmac hex>`. The HMAC key never leaves the holder.
 */
export function issueGrant(key: Uint8Array, cid: string, requester: Uint8Array, expiresMs: number): string {
  const body = `v1.${cid}.${toHex(requester)}.${expiresMs}`;
  return `${body}.${createHmac("sha256", key).update(body).digest("hex")}`;
}

export function checkGrant(key: Uint8Array, token: string, cid: string, nowMs: number): void {
  const parts = token.split(".");
  const bad = (why: string) =>
    new ConsortiaError(EhrErrors.EHR_BAD_GRANT, `retrieval grant refused: ${why}`, { cid });
  if (parts.length !== 5 || parts[0] !== "v1") throw bad("malformed token");
  const [, tokenCid, requester, expiry, mac] = parts as [string, string, string, string, string];
  const body = `v1.${tokenCid}.${requester}.${expiry}`;
  const want = createHmac("sha256", key).update(body).digest();
  const got = Buffer.from(mac, "hex");
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw bad("bad signature");
  if (tokenCid !== cid) throw bad("issued for another CID");
  if (!/^[0-9]{1,16}$/.test(expiry) || Number(expiry) < nowMs) throw bad("expired");
}
