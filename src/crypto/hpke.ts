/**
 * HPKE (RFC 9180), base mode only, with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-GCM,
 * on node:crypto alone. Used by envelope.ts to wrap per-record data keys for recipients.
 *
 * X25519 keys are raw 32-byte strings at every boundary (RFC 7748 encoding), like the Ed25519
 * keys in ed25519.ts. They are a separate key pair per identity, never derived from the Ed25519
 * signing key (see docs/offchain.md, "Key model").
 */
import { Buffer } from "node:buffer";
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  timingSafeEqual,
} from "node:crypto";
import { ConsortiaError, registerErrorCodes } from "../errors.js";
import { bufferView, ownedBytes } from "./hash.js";

/** Codes shared with envelope.ts (range 1330–1349 of the 1300–1349 off-chain block). */
export const HpkeErrors = registerErrorCodes({
  /** An X25519 public or secret key is not 32 bytes, or a DH with it gives the all-zero secret. */
  ENVELOPE_BAD_KEY: { num: 1330, http: 400 },
  /** AEAD authentication failed: wrong key, wrong aad/info, or modified ciphertext. */
  ENVELOPE_DECRYPT_FAILED: { num: 1331, http: 422 },
  /** An argument other than a key is invalid (aead name, sequence overflow, lengths). */
  ENVELOPE_BAD_ARGUMENT: { num: 1332, http: 400 },
});

export const X25519_KEY_BYTES = 32;
export const KEM_DHKEM_X25519_HKDF_SHA256 = 0x0020;
export const KDF_HKDF_SHA256 = 0x0001;
export const AEAD_AES_128_GCM = 0x0001;
export const AEAD_AES_256_GCM = 0x0002;

export type HpkeAead = "aes-128-gcm" | "aes-256-gcm";

interface AeadParams {
  readonly id: number;
  readonly nk: number;
}

const AEADS: Readonly<Record<HpkeAead, AeadParams>> = {
  "aes-128-gcm": { id: AEAD_AES_128_GCM, nk: 16 },
  "aes-256-gcm": { id: AEAD_AES_256_GCM, nk: 32 },
};

const NN = 12; // AES-GCM nonce bytes
const NT = 16; // AES-GCM tag bytes
const NH = 32; // SHA-256 output bytes
const MODE_BASE = 0x00;

const utf8 = new TextEncoder();
const HPKE_V1 = utf8.encode("HPKE-v1");
const KEM_SUITE_ID = concat(utf8.encode("KEM"), i2osp(KEM_DHKEM_X25519_HKDF_SHA256, 2));

// DER wrappers that turn a raw 32-byte X25519 key into PKCS#8 / SPKI for OID 1.3.101.110 (RFC 8410).
const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");

export interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

function i2osp(n: number, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let v = n;
  for (let i = width - 1; i >= 0 && v > 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return ownedBytes(Buffer.concat(parts.map(bufferView)));
}

function checkKey(key: Uint8Array, field: string): void {
  if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_BYTES) {
    throw new ConsortiaError(
      HpkeErrors.ENVELOPE_BAD_KEY,
      `${field} must be a ${X25519_KEY_BYTES}-byte X25519 key`,
      { field, length: key instanceof Uint8Array ? key.length : null },
    );
  }
}

function privateKeyObject(secretKey: Uint8Array, field: string): KeyObject {
  checkKey(secretKey, field);
  return createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, bufferView(secretKey)]),
    format: "der",
    type: "pkcs8",
  });
}

function publicKeyObject(publicKey: Uint8Array, field: string): KeyObject {
  checkKey(publicKey, field);
  return createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, bufferView(publicKey)]),
    format: "der",
    type: "spki",
  });
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: "der", type: "spki" });
  return new Uint8Array(der.subarray(der.length - X25519_KEY_BYTES));
}

/** A fresh random X25519 key pair (the identity's encryption key, separate from its signing key). */
export function generateX25519KeyPair(): X25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  return {
    secretKey: new Uint8Array(der.subarray(der.length - X25519_KEY_BYTES)),
    publicKey: rawPublicKey(publicKey),
  };
}

export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  return rawPublicKey(createPublicKey(privateKeyObject(secretKey, "secretKey")));
}

interface RecipientKey {
  /** The bytes the entry was built from: a caller that reuses (or zeroes) its array gets a rebuild. */
  readonly bytes: Uint8Array;
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
}

/**
 * A recipient's (long-lived) secret key as a KeyObject with its public key, per key array. Building
 * them is two DER imports and an export, ~0.5 ms of the ~0.9 ms a holder spends opening one sealed
 * request (bench auth: request_decryption); ephemeral sender keys never come back, so only
 * setupBaseR uses this. A WeakMap: the entry goes when the caller drops its key array.
 */
const recipientKeys = new WeakMap<Uint8Array, RecipientKey>();

function recipientKey(secretKey: Uint8Array): RecipientKey {
  const hit = recipientKeys.get(secretKey);
  if (hit && secretKey.length === X25519_KEY_BYTES && timingSafeEqual(hit.bytes, secretKey)) return hit;
  const privateKey = privateKeyObject(secretKey, "secretKey");
  const entry = {
    bytes: new Uint8Array(secretKey),
    privateKey,
    publicKey: rawPublicKey(createPublicKey(privateKey)),
  };
  recipientKeys.set(secretKey, entry);
  return entry;
}

function dh(secretKey: Uint8Array | KeyObject, publicKey: Uint8Array): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = new Uint8Array(
      diffieHellman({
        privateKey: secretKey instanceof Uint8Array ? privateKeyObject(secretKey, "secretKey") : secretKey,
        publicKey: publicKeyObject(publicKey, "publicKey"),
      }),
    );
  } catch (err) {
    if (err instanceof ConsortiaError) throw err;
    // OpenSSL refuses low-order points (all-zero output) itself; same outcome as the check below.
    throw new ConsortiaError(
      HpkeErrors.ENVELOPE_BAD_KEY,
      "X25519 key agreement failed (low-order public key?)",
      {},
      { cause: err },
    );
  }
  // RFC 9180 §7.1.4: abort on the all-zero shared secret (a small-order peer key).
  if (shared.every((b) => b === 0)) {
    throw new ConsortiaError(
      HpkeErrors.ENVELOPE_BAD_KEY,
      "X25519 shared secret is all zero: low-order public key",
    );
  }
  return shared;
}

// --- HKDF-SHA256 (RFC 5869) and the labeled variants of RFC 9180 §4 -------------------------

function hmac(key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return ownedBytes(h.digest());
}

function extract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  // An empty HMAC key is zero-padded to the block size, i.e. equals RFC 5869's default salt.
  return hmac(salt, ikm);
}

function expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (length > 255 * NH) {
    throw new ConsortiaError(
      HpkeErrors.ENVELOPE_BAD_ARGUMENT,
      `HKDF-Expand length ${length} exceeds ${255 * NH}`,
    );
  }
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, off = 0; off < length; i++) {
    t = hmac(prk, t, info, Uint8Array.of(i));
    out.set(t.subarray(0, Math.min(NH, length - off)), off);
    off += NH;
  }
  return out;
}

function labeledExtract(suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return extract(salt, concat(HPKE_V1, suiteId, utf8.encode(label), ikm));
}

function labeledExpand(
  suiteId: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return expand(prk, concat(i2osp(length, 2), HPKE_V1, suiteId, utf8.encode(label), info), length);
}

const EMPTY = new Uint8Array(0);

/** RFC 9180 §7.1.3 DeriveKeyPair for X25519: a deterministic key pair from input keying material. */
export function deriveX25519KeyPair(ikm: Uint8Array): X25519KeyPair {
  if (!(ikm instanceof Uint8Array) || ikm.length < X25519_KEY_BYTES) {
    throw new ConsortiaError(
      HpkeErrors.ENVELOPE_BAD_ARGUMENT,
      `ikm must be at least ${X25519_KEY_BYTES} bytes`,
    );
  }
  const prk = labeledExtract(KEM_SUITE_ID, EMPTY, "dkp_prk", ikm);
  const secretKey = labeledExpand(KEM_SUITE_ID, prk, "sk", EMPTY, X25519_KEY_BYTES);
  return { secretKey, publicKey: x25519PublicKey(secretKey) };
}

function kemSharedSecret(dhResult: Uint8Array, enc: Uint8Array, pkR: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE_ID, EMPTY, "eae_prk", dhResult);
  return labeledExpand(KEM_SUITE_ID, prk, "shared_secret", concat(enc, pkR), NH);
}

// --- key schedule and contexts ---------------------------------------------------------------

export interface HpkeOptions {
  /** Default aes-256-gcm (the production suite); aes-128-gcm exists for the RFC test vectors. */
  readonly aead?: HpkeAead;
}

export interface HpkeSenderOptions extends HpkeOptions {
  /** Fixed ephemeral secret key, for test vectors only. Never reuse one in production. */
  readonly ephemeralSecretKey?: Uint8Array;
}

/** Key-schedule outputs, exposed so tests can check them against RFC 9180 Appendix A. */
export interface HpkeSchedule {
  readonly enc: Uint8Array;
  readonly sharedSecret: Uint8Array;
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
  readonly exporterSecret: Uint8Array;
}

export interface HpkeSenderContext extends HpkeSchedule {
  /** Encrypts with the next sequence number; returns ciphertext || 16-byte tag. */
  seal(aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
}

export interface HpkeRecipientContext extends HpkeSchedule {
  /** Decrypts with the next sequence number; ENVELOPE_DECRYPT_FAILED on any tampering. */
  open(aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

function aeadOf(opts: HpkeOptions): AeadParams & { name: HpkeAead } {
  const name = opts.aead ?? "aes-256-gcm";
  const params = AEADS[name];
  if (params === undefined) {
    throw new ConsortiaError(
      HpkeErrors.ENVELOPE_BAD_ARGUMENT,
      `aead must be one of ${Object.keys(AEADS).join(", ")}`,
      {
        field: "aead",
      },
    );
  }
  return { ...params, name };
}

function keySchedule(
  aead: AeadParams,
  sharedSecret: Uint8Array,
  info: Uint8Array,
): Omit<HpkeSchedule, "enc" | "sharedSecret"> {
  const suiteId = concat(
    utf8.encode("HPKE"),
    i2osp(KEM_DHKEM_X25519_HKDF_SHA256, 2),
    i2osp(KDF_HKDF_SHA256, 2),
    i2osp(aead.id, 2),
  );
  const pskIdHash = labeledExtract(suiteId, EMPTY, "psk_id_hash", EMPTY);
  const infoHash = labeledExtract(suiteId, EMPTY, "info_hash", info);
  const context = concat(Uint8Array.of(MODE_BASE), pskIdHash, infoHash);
  const secret = labeledExtract(suiteId, sharedSecret, "secret", EMPTY);
  return {
    key: labeledExpand(suiteId, secret, "key", context, aead.nk),
    baseNonce: labeledExpand(suiteId, secret, "base_nonce", context, NN),
    exporterSecret: labeledExpand(suiteId, secret, "exp", context, NH),
  };
}

function checkBytes(v: unknown, field: string): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) {
    throw new ConsortiaError(HpkeErrors.ENVELOPE_BAD_ARGUMENT, `${field} must be a Uint8Array`, { field });
  }
}

function nonceFor(baseNonce: Uint8Array, seq: number): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new ConsortiaError(HpkeErrors.ENVELOPE_BAD_ARGUMENT, "HPKE sequence number overflow");
  }
  const seqBytes = i2osp(seq, NN);
  return baseNonce.map((b, i) => b ^ (seqBytes[i] as number));
}

/** AES-GCM seal with a caller-chosen key/nonce: shared with envelope.ts for the record body. */
export function aesGcmSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const cipher = createCipheriv(key.length === 16 ? "aes-128-gcm" : "aes-256-gcm", key, nonce, {
    authTagLength: NT,
  });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return ownedBytes(Buffer.concat([body, final, cipher.getAuthTag()]));
}

export function aesGcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  if (ciphertext.length < NT) {
    throw new ConsortiaError(
      HpkeErrors.ENVELOPE_DECRYPT_FAILED,
      `ciphertext shorter than the ${NT}-byte tag`,
    );
  }
  const decipher = createDecipheriv(key.length === 16 ? "aes-128-gcm" : "aes-256-gcm", key, nonce, {
    authTagLength: NT,
  });
  decipher.setAAD(aad);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - NT));
  const body = decipher.update(ciphertext.subarray(0, ciphertext.length - NT));
  try {
    return ownedBytes(Buffer.concat([body, decipher.final()]));
  } catch (err) {
    throw new ConsortiaError(
      HpkeErrors.ENVELOPE_DECRYPT_FAILED,
      "AES-GCM authentication failed: wrong key, wrong associated data, or modified ciphertext",
      {},
      { cause: err },
    );
  }
}

/** RFC 9180 SetupBaseS: encapsulate to `recipientPublicKey` and derive the sender context. */
export function setupBaseS(
  recipientPublicKey: Uint8Array,
  info: Uint8Array,
  opts: HpkeSenderOptions = {},
): HpkeSenderContext {
  checkKey(recipientPublicKey, "recipientPublicKey");
  checkBytes(info, "info");
  const aead = aeadOf(opts);
  const ephemeral =
    opts.ephemeralSecretKey === undefined
      ? generateX25519KeyPair()
      : { secretKey: opts.ephemeralSecretKey, publicKey: x25519PublicKey(opts.ephemeralSecretKey) };
  const enc = ephemeral.publicKey;
  const sharedSecret = kemSharedSecret(dh(ephemeral.secretKey, recipientPublicKey), enc, recipientPublicKey);
  const schedule = { enc, sharedSecret, ...keySchedule(aead, sharedSecret, info) };
  let seq = 0;
  return {
    ...schedule,
    seal(aad, plaintext) {
      checkBytes(aad, "aad");
      checkBytes(plaintext, "plaintext");
      const nonce = nonceFor(schedule.baseNonce, seq);
      seq++;
      return aesGcmSeal(schedule.key, nonce, aad, plaintext);
    },
  };
}

/** RFC 9180 SetupBaseR: decapsulate `enc` with the recipient's secret key. */
export function setupBaseR(
  enc: Uint8Array,
  recipientSecretKey: Uint8Array,
  info: Uint8Array,
  opts: HpkeOptions = {},
): HpkeRecipientContext {
  checkKey(enc, "enc");
  checkBytes(info, "info");
  const aead = aeadOf(opts);
  const recipient = recipientKey(recipientSecretKey);
  const sharedSecret = kemSharedSecret(dh(recipient.privateKey, enc), enc, recipient.publicKey);
  const schedule = { enc, sharedSecret, ...keySchedule(aead, sharedSecret, info) };
  let seq = 0;
  return {
    ...schedule,
    open(aad, ciphertext) {
      checkBytes(aad, "aad");
      checkBytes(ciphertext, "ciphertext");
      const nonce = nonceFor(schedule.baseNonce, seq);
      const pt = aesGcmOpen(schedule.key, nonce, aad, ciphertext);
      seq++; // only advances on success, as RFC 9180 §5.2 requires
      return pt;
    },
  };
}

/** Single-shot base-mode encryption: `{ enc, ciphertext }` for one message. */
export function sealBase(
  recipientPublicKey: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  opts: HpkeSenderOptions = {},
): { enc: Uint8Array; ciphertext: Uint8Array } {
  const ctx = setupBaseS(recipientPublicKey, info, opts);
  return { enc: ctx.enc, ciphertext: ctx.seal(aad, plaintext) };
}

export function openBase(
  enc: Uint8Array,
  recipientSecretKey: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  opts: HpkeOptions = {},
): Uint8Array {
  return setupBaseR(enc, recipientSecretKey, info, opts).open(aad, ciphertext);
}
