import assert from "node:assert/strict";
import { test } from "node:test";
import { encode, fixedBytes, string, struct, u64, versioned } from "../../src/codec/schema.js";
import { addressFromPublicKey, signWithDomain } from "../../src/crypto/ed25519.js";
import { sha256 } from "../../src/crypto/hash.js";
import { sealBase } from "../../src/crypto/hpke.js";
import { EhrErrors } from "../../src/ehr/errors.js";
import { encryptionKeyPairOf } from "../../src/ehr/keys.js";
import {
  checkGrant,
  type EraseAuth,
  envelopeAad,
  issueGrant,
  openRequest,
  recipientIdOf,
  sealRequest,
  signErase,
  signUpload,
  type UploadAuth,
  verifyErase,
  verifyUpload,
} from "../../src/ehr/wire.js";
import { isConsortiaError } from "../../src/errors.js";
import { type RetrievalRequest, signRetrievalRequest } from "../../src/modules/access/request.js";
import { testKey } from "../helpers/chain.js";

const isCode = (code: string) => (e: unknown) => isConsortiaError(e, code);

const uploader = testKey("wire-uploader");
const other = testKey("wire-other");
const holderKey = testKey("wire-holder");
const holder = addressFromPublicKey(holderKey.publicKey);

/** A copy of one field that differs from the original (bit flip, extra char, +1). */
function mutated(v: unknown): unknown {
  if (v instanceof Uint8Array) {
    const c = v.slice();
    c[c.length - 1]! ^= 0x01;
    return c;
  }
  if (typeof v === "string") return `${v}x`;
  if (typeof v === "bigint") return v + 1n;
  throw new TypeError(`no mutation for ${typeof v}`);
}

function eachFieldMutated<T extends object>(a: T): Array<[string, T]> {
  return Object.keys(a).map((k) => [k, { ...a, [k]: mutated((a as Record<string, unknown>)[k]) } as T]);
}

const upload: UploadAuth = {
  chainId: "consortia-health-1",
  contentHash: sha256(Buffer.from("envelope bytes")),
  patient: new Uint8Array(20).fill(7),
  holder,
  recordType: "fhir:Observation",
  timestampMs: 1_790_000_000_000n,
};

const erase: EraseAuth = {
  chainId: "consortia-health-1",
  recordId: sha256(Buffer.from("record")),
  holder,
  timestampMs: 1_790_000_000_000n,
};

test("upload signature verifies for the signer and binds every field", () => {
  const sig = signUpload(uploader.secretKey, upload);
  assert.equal(verifyUpload(uploader.publicKey, upload, sig), true);
  assert.equal(verifyUpload(other.publicKey, upload, sig), false, "another key");
  const fields = eachFieldMutated(upload);
  assert.equal(fields.length, 6);
  for (const [field, changed] of fields) {
    assert.equal(verifyUpload(uploader.publicKey, changed, sig), false, `field ${field} is not bound`);
  }
  const badSig = sig.slice();
  badSig[0]! ^= 0x80;
  assert.equal(verifyUpload(uploader.publicKey, upload, badSig), false);
  assert.equal(verifyUpload(uploader.publicKey, upload, sig.subarray(0, 63)), false, "short signature");
});

test("erase signature verifies for the signer and binds every field", () => {
  const sig = signErase(uploader.secretKey, erase);
  assert.equal(verifyErase(uploader.publicKey, erase, sig), true);
  assert.equal(verifyErase(other.publicKey, erase, sig), false);
  const fields = eachFieldMutated(erase);
  assert.equal(fields.length, 4);
  for (const [field, changed] of fields) {
    assert.equal(verifyErase(uploader.publicKey, changed, sig), false, `field ${field} is not bound`);
  }
});

test("upload and erase signatures are domain-separated", () => {
  // The same canonical bytes signed under the other purpose's domain must not pass.
  const uploadCodec = versioned(
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
  const bytes = encode(uploadCodec, { ...upload });
  const rightDomain = signWithDomain(uploader.secretKey, "consortia/ehr/upload/v1", bytes);
  assert.equal(
    verifyUpload(uploader.publicKey, upload, rightDomain),
    true,
    "the copied codec is the real one",
  );
  for (const domain of ["consortia/ehr/erase/v1", "consortia/request/v1", "consortia/tx/v1"]) {
    const sig = signWithDomain(uploader.secretKey, domain, bytes);
    assert.equal(verifyUpload(uploader.publicKey, upload, sig), false, domain);
  }
});

test("envelopeAad binds patient and record type", () => {
  const p = new Uint8Array(20).fill(1);
  const q = new Uint8Array(20).fill(2);
  const a = Buffer.from(envelopeAad(p, "fhir:Observation")).toString();
  assert.notEqual(a, Buffer.from(envelopeAad(q, "fhir:Observation")).toString());
  assert.notEqual(a, Buffer.from(envelopeAad(p, "fhir:Condition")).toString());
  assert.equal(a, Buffer.from(envelopeAad(p, "fhir:Observation")).toString());
  assert.equal(recipientIdOf(p), "01".repeat(20));
});

const requester = testKey("wire-requester");
const request: RetrievalRequest = {
  chainId: "consortia-health-1",
  requester: requester.publicKey,
  recordId: sha256(Buffer.from("record")),
  holder,
  purpose: "TREAT",
  nonce: new Uint8Array(16).fill(3),
  timestampMs: 1_790_000_000_000n,
};
const holderEnc = encryptionKeyPairOf(holderKey.secretKey);

test("a sealed request opens, unchanged, only for the holder it was sealed to", () => {
  const signature = signRetrievalRequest(requester.secretKey, request);
  const sealed = sealRequest(holderEnc.publicKey, holder, request, signature);
  const opened = openRequest(sealed, holderEnc.secretKey, holder);
  assert.deepEqual(opened.request, request);
  assert.deepEqual(opened.signature, signature);
  // Nothing of the request is visible in the sealed form.
  const ct = Buffer.from(sealed.ciphertext);
  assert.equal(ct.includes(Buffer.from(request.requester)), false);
  assert.equal(ct.includes(Buffer.from(request.chainId)), false);

  const otherHolderKey = testKey("wire-holder-2");
  const otherHolder = addressFromPublicKey(otherHolderKey.publicKey);
  const otherEnc = encryptionKeyPairOf(otherHolderKey.secretKey);
  const bad = isCode(EhrErrors.EHR_BAD_REQUEST);
  // Another holder's key cannot open it, even when it claims the right address.
  assert.throws(() => openRequest(sealed, otherEnc.secretKey, holder), bad);
  assert.throws(() => openRequest(sealed, otherEnc.secretKey, otherHolder), bad);
  // The right key under another holder's address (the HPKE additional data) fails too.
  assert.throws(() => openRequest(sealed, holderEnc.secretKey, otherHolder), bad);
  // Sealed for another holder and posted here.
  const forOther = sealRequest(otherEnc.publicKey, otherHolder, request, signature);
  assert.throws(() => openRequest(forOther, holderEnc.secretKey, holder), bad);
  assert.deepEqual(openRequest(forOther, otherEnc.secretKey, otherHolder).request, request);

  // Any bit flipped in enc or ciphertext is refused.
  const flippedCt = sealed.ciphertext.slice();
  flippedCt[5]! ^= 1;
  assert.throws(() => openRequest({ ...sealed, ciphertext: flippedCt }, holderEnc.secretKey, holder), bad);
  const flippedEnc = sealed.enc.slice();
  flippedEnc[0]! ^= 1;
  assert.throws(() => openRequest({ ...sealed, enc: flippedEnc }, holderEnc.secretKey, holder), bad);
  assert.throws(
    () => openRequest({ enc: sealed.enc, ciphertext: new Uint8Array(0) }, holderEnc.secretKey, holder),
    bad,
  );
});

test("a request that decrypts but does not decode is EHR_BAD_REQUEST with reason", () => {
  const info = new TextEncoder().encode("consortia/ehr/request/v1");
  const junk = sealBase(holderEnc.publicKey, info, holder, new Uint8Array([1, 2, 3]));
  assert.throws(
    () => openRequest(junk, holderEnc.secretKey, holder),
    (e) => isCode(EhrErrors.EHR_BAD_REQUEST)(e) && /does not decode/.test((e as Error).message),
  );
});

test("grants: valid only for the issuing key, the CID and until expiry", () => {
  const key = new Uint8Array(32).fill(9);
  const cid = "bafkreiaw7dwf5rcfarf3i6tjqgfoxcspqr4v54ynh6oohc53x2cxbc7fcu";
  const who = new Uint8Array(20).fill(4);
  const now = 1_790_000_000_000;
  const token = issueGrant(key, cid, who, now + 60_000);
  checkGrant(key, token, cid, now);
  checkGrant(key, token, cid, now + 60_000);
  const bad = (why: RegExp) => (e: unknown) =>
    isCode(EhrErrors.EHR_BAD_GRANT)(e) && why.test((e as Error).message);
  assert.throws(() => checkGrant(key, token, cid, now + 60_001), bad(/expired/));
  assert.throws(() => checkGrant(key, token, `${cid.slice(0, -1)}a`, now), bad(/another CID/));
  assert.throws(() => checkGrant(new Uint8Array(32).fill(8), token, cid, now), bad(/bad signature/));
  assert.throws(() => checkGrant(key, "", cid, now), bad(/malformed/));
  assert.throws(() => checkGrant(key, `${token}.x`, cid, now), bad(/malformed/));
  assert.throws(() => checkGrant(key, token.replace(/^v1/, "v2"), cid, now), bad(/malformed/));
  // Editing any part of the token (expiry pushed out, another requester) breaks the MAC.
  const parts = token.split(".");
  const later = [...parts.slice(0, 3), String(now + 10_000_000), parts[4]].join(".");
  assert.throws(() => checkGrant(key, later, cid, now + 1_000_000), bad(/bad signature/));
  const someoneElse = [parts[0], parts[1], "05".repeat(20), parts[3], parts[4]].join(".");
  assert.throws(() => checkGrant(key, someoneElse, cid, now), bad(/bad signature/));
  const shortMac = [...parts.slice(0, 4), parts[4]!.slice(0, 10)].join(".");
  assert.throws(() => checkGrant(key, shortMac, cid, now), bad(/bad signature/));
});
