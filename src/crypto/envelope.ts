/**
 * Record envelopes: a health record encrypted once under a fresh random data key, with that key
 * wrapped (HPKE base mode, X25519 + HKDF-SHA256 + AES-256-GCM) for each recipient. The envelope is
 * what goes into the content-addressed store; its CID is what goes on chain.
 *
 * Wire format (canonical, codec/schema.ts; docs/offchain.md "Envelope format"):
 *   u8 version = 1
 *   u8 suite   = 0 (x25519-hkdf-sha256-aes256gcm)
 *   bytes12 nonce
 *   array<WrappedKey> wrappedKeys   (≤ 64, strictly ascending by recipientId bytes, ids unique)
 *   bytes ciphertext                (AES-256-GCM(dataKey, nonce, DATA_AAD(aad), plaintext) || tag)
 *   WrappedKey = { string recipientId (1..128 UTF-8 bytes), bytes32 enc, bytes48 wrapped }
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { CodecErrors } from "../codec/errors.js";
import {
  array,
  bytes,
  decode,
  encode,
  enumOf,
  fixedBytes,
  type Infer,
  string,
  struct,
  versioned,
} from "../codec/schema.js";
import { ConsortiaError, isConsortiaError, registerErrorCodes } from "../errors.js";
import type { RandomBytes } from "./ed25519.js";
import { bytesEqual, ownedBytes } from "./hash.js";
import { aesGcmOpen, aesGcmSeal, HpkeErrors, openBase, sealBase, X25519_KEY_BYTES } from "./hpke.js";

export const EnvelopeErrors = {
  ...HpkeErrors,
  ...registerErrorCodes({
    /** The envelope bytes do not decode (truncated, unknown version/suite, non-canonical order). */
    ENVELOPE_MALFORMED: { num: 1333, http: 400 },
    /** The requested recipient id has no wrapped key in the envelope (nor in the extra keys given). */
    ENVELOPE_NO_RECIPIENT: { num: 1334, http: 403 },
    /** Plaintext or recipient list over the format's limits. */
    ENVELOPE_TOO_LARGE: { num: 1335, http: 413 },
    /** The same recipient id appears twice. */
    ENVELOPE_DUPLICATE_RECIPIENT: { num: 1336, http: 409 },
  }),
} as const;

export const ENVELOPE_VERSION = 1;
export const ENVELOPE_SUITES = ["x25519-hkdf-sha256-aes256gcm"] as const;
export type EnvelopeSuite = (typeof ENVELOPE_SUITES)[number];
export const MAX_RECIPIENTS = 64;
export const MAX_RECIPIENT_ID_BYTES = 128;
/** Single-shot AES-GCM over the whole record in memory; larger objects need a chunked format. */
export const MAX_PLAINTEXT_BYTES = 256 * 1024 * 1024;
export const DATA_KEY_BYTES = 32;
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = new TextEncoder();
// Domain-separation strings: a key wrapped for envelopes can never be confused with another HPKE use.
const WRAP_INFO = utf8.encode("consortia/envelope/v1/wrap");
const DATA_AAD_PREFIX = utf8.encode("consortia/envelope/v1/data\u0000");

const WrappedKeyCodec = struct({
  recipientId: string(MAX_RECIPIENT_ID_BYTES),
  enc: fixedBytes(X25519_KEY_BYTES),
  wrapped: fixedBytes(DATA_KEY_BYTES + TAG_BYTES),
});

const EnvelopeCodec = versioned(
  ENVELOPE_VERSION,
  struct({
    suite: enumOf(ENVELOPE_SUITES),
    nonce: fixedBytes(NONCE_BYTES),
    wrappedKeys: array(WrappedKeyCodec, MAX_RECIPIENTS),
    ciphertext: bytes(MAX_PLAINTEXT_BYTES + TAG_BYTES),
  }),
);

export type WrappedKey = Readonly<Infer<typeof WrappedKeyCodec>>;
export type Envelope = Readonly<Infer<typeof EnvelopeCodec>>;

export interface EnvelopeRecipient {
  /** Stable identity id (e.g. the account address); 1..128 UTF-8 bytes, unique per envelope. */
  readonly id: string;
  readonly x25519PublicKey: Uint8Array;
}

export interface SealOptions {
  /** Source of the data key and nonce (tests); HPKE ephemeral keys always come from the OS RNG. */
  readonly randomBytes?: RandomBytes;
}

const defaultRandom: RandomBytes = (n) => ownedBytes(randomBytes(n));

function compareIds(a: string, b: string): number {
  return Buffer.compare(utf8.encode(a), utf8.encode(b));
}

function checkRecipientId(id: unknown, field: string): asserts id is string {
  if (typeof id !== "string" || id.length === 0 || utf8.encode(id).length > MAX_RECIPIENT_ID_BYTES) {
    throw new ConsortiaError(
      EnvelopeErrors.ENVELOPE_BAD_ARGUMENT,
      `${field} must be a non-empty string of at most ${MAX_RECIPIENT_ID_BYTES} UTF-8 bytes`,
      { field },
    );
  }
}

function checkBytes(v: unknown, field: string): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) {
    throw new ConsortiaError(EnvelopeErrors.ENVELOPE_BAD_ARGUMENT, `${field} must be a Uint8Array`, {
      field,
    });
  }
}

function dataAad(aad: Uint8Array): Uint8Array {
  const out = new Uint8Array(DATA_AAD_PREFIX.length + aad.length);
  out.set(DATA_AAD_PREFIX, 0);
  out.set(aad, DATA_AAD_PREFIX.length);
  return out;
}

function wrapFor(dataKey: Uint8Array, recipient: EnvelopeRecipient, field: string): WrappedKey {
  checkRecipientId(recipient.id, `${field}.id`);
  checkBytes(recipient.x25519PublicKey, `${field}.x25519PublicKey`);
  // The wrap's aad is the recipient id, so an entry cannot be relabelled for someone else.
  const { enc, ciphertext } = sealBase(
    recipient.x25519PublicKey,
    WRAP_INFO,
    utf8.encode(recipient.id),
    dataKey,
  );
  return { recipientId: recipient.id, enc, wrapped: ciphertext };
}

function sortedUnique(keys: readonly WrappedKey[]): WrappedKey[] {
  const out = [...keys].sort((a, b) => compareIds(a.recipientId, b.recipientId));
  for (let i = 1; i < out.length; i++) {
    if (compareIds((out[i - 1] as WrappedKey).recipientId, (out[i] as WrappedKey).recipientId) === 0) {
      throw new ConsortiaError(
        EnvelopeErrors.ENVELOPE_DUPLICATE_RECIPIENT,
        `recipient id ${JSON.stringify((out[i] as WrappedKey).recipientId)} appears twice`,
        { recipientId: (out[i] as WrappedKey).recipientId },
      );
    }
  }
  return out;
}

export function encodeEnvelope(env: Envelope): Uint8Array {
  const wrapped = sortedUnique(env.wrappedKeys);
  if (wrapped.length > MAX_RECIPIENTS) {
    throw new ConsortiaError(
      EnvelopeErrors.ENVELOPE_TOO_LARGE,
      `at most ${MAX_RECIPIENTS} recipients per envelope`,
      {
        recipients: wrapped.length,
      },
    );
  }
  return encode(
    EnvelopeCodec,
    { ...env, wrappedKeys: wrapped },
    env.ciphertext.length + 128 + wrapped.length * 100,
  );
}

/** Strict decode: anything not byte-for-byte canonical is ENVELOPE_MALFORMED (details.field says where). */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let env: Envelope;
  try {
    env = decode(EnvelopeCodec, bytes);
  } catch (err) {
    if (isConsortiaError(err)) {
      throw new ConsortiaError(
        EnvelopeErrors.ENVELOPE_MALFORMED,
        `envelope does not decode: ${err.message}`,
        {
          ...err.details,
          codecError: err.code,
        },
      );
    }
    throw err;
  }
  for (let i = 0; i < env.wrappedKeys.length; i++) {
    const k = env.wrappedKeys[i] as WrappedKey;
    if (k.recipientId.length === 0) {
      throw new ConsortiaError(EnvelopeErrors.ENVELOPE_MALFORMED, "empty recipient id", {
        field: `wrappedKeys.${i}`,
      });
    }
    if (i > 0 && compareIds((env.wrappedKeys[i - 1] as WrappedKey).recipientId, k.recipientId) >= 0) {
      throw new ConsortiaError(
        EnvelopeErrors.ENVELOPE_MALFORMED,
        "wrappedKeys must be strictly ascending by recipient id (canonical order, no duplicates)",
        { field: `wrappedKeys.${i}`, codecError: CodecErrors.CODEC_NON_CANONICAL },
      );
    }
  }
  return env;
}

export function encodeWrappedKey(key: WrappedKey): Uint8Array {
  return encode(WrappedKeyCodec, key, 128);
}

export function decodeWrappedKey(bytes: Uint8Array): WrappedKey {
  try {
    const k = decode(WrappedKeyCodec, bytes);
    checkRecipientId(k.recipientId, "recipientId");
    return k;
  } catch (err) {
    if (!isConsortiaError(err)) throw err;
    throw new ConsortiaError(
      EnvelopeErrors.ENVELOPE_MALFORMED,
      `wrapped key does not decode: ${err.message}`,
      {
        ...err.details,
      },
    );
  }
}

/**
 * Encrypts `plaintext` once and wraps the data key for every recipient. `aad` binds the ciphertext
 * to its context (e.g. the record id and chain id) and must be given again to open it.
 * Returns the canonical envelope bytes.
 */
export function sealRecord(
  plaintext: Uint8Array,
  recipients: readonly EnvelopeRecipient[],
  aad: Uint8Array,
  opts: SealOptions = {},
): Uint8Array {
  checkBytes(plaintext, "plaintext");
  checkBytes(aad, "aad");
  if (plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new ConsortiaError(
      EnvelopeErrors.ENVELOPE_TOO_LARGE,
      `plaintext of ${plaintext.length} bytes exceeds ${MAX_PLAINTEXT_BYTES}`,
      { field: "plaintext", length: plaintext.length, max: MAX_PLAINTEXT_BYTES },
    );
  }
  if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > MAX_RECIPIENTS) {
    throw new ConsortiaError(
      EnvelopeErrors.ENVELOPE_BAD_ARGUMENT,
      `recipients must list 1..${MAX_RECIPIENTS} recipients`,
      { field: "recipients", count: Array.isArray(recipients) ? recipients.length : null },
    );
  }
  const random = opts.randomBytes ?? defaultRandom;
  const dataKey = random(DATA_KEY_BYTES);
  const nonce = random(NONCE_BYTES);
  if (dataKey.length !== DATA_KEY_BYTES || nonce.length !== NONCE_BYTES) {
    throw new ConsortiaError(EnvelopeErrors.ENVELOPE_BAD_ARGUMENT, "randomBytes returned the wrong length", {
      field: "randomBytes",
    });
  }
  try {
    const wrappedKeys = recipients.map((r, i) => wrapFor(dataKey, r, `recipients.${i}`));
    const ciphertext = aesGcmSeal(dataKey, nonce, dataAad(aad), plaintext);
    return encodeEnvelope({ suite: "x25519-hkdf-sha256-aes256gcm", nonce, wrappedKeys, ciphertext });
  } finally {
    dataKey.fill(0);
  }
}

function asEnvelope(envelope: Uint8Array | Envelope): Envelope {
  return envelope instanceof Uint8Array ? decodeEnvelope(envelope) : envelope;
}

function findKey(env: Envelope, recipientId: string, extra: readonly WrappedKey[]): WrappedKey {
  const key =
    env.wrappedKeys.find((k) => k.recipientId === recipientId) ??
    extra.find((k) => k.recipientId === recipientId);
  if (key === undefined) {
    throw new ConsortiaError(
      EnvelopeErrors.ENVELOPE_NO_RECIPIENT,
      `no wrapped key for recipient ${JSON.stringify(recipientId)} in the envelope`,
      { recipientId },
    );
  }
  return key;
}

function unwrap(key: WrappedKey, secretKey: Uint8Array): Uint8Array {
  return openBase(key.enc, secretKey, WRAP_INFO, utf8.encode(key.recipientId), key.wrapped);
}

export interface OpenOptions {
  /**
   * Wrapped keys obtained outside the envelope, typically from `rewrapKey` run by the serving
   * hospital: the envelope stays byte-identical, so the CID on chain still matches it.
   */
  readonly extraKeys?: readonly WrappedKey[];
}

/** Decrypts the record for `recipientId`. ENVELOPE_DECRYPT_FAILED on a wrong key, aad or tampering. */
export function openRecord(
  envelope: Uint8Array | Envelope,
  recipientId: string,
  x25519SecretKey: Uint8Array,
  aad: Uint8Array,
  opts: OpenOptions = {},
): Uint8Array {
  checkRecipientId(recipientId, "recipientId");
  checkBytes(aad, "aad");
  const env = asEnvelope(envelope);
  const dataKey = unwrap(findKey(env, recipientId, opts.extraKeys ?? []), x25519SecretKey);
  try {
    return aesGcmOpen(dataKey, env.nonce, dataAad(aad), env.ciphertext);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Re-wraps the envelope's data key for `newRecipient` without touching the ciphertext: a serving
 * hospital that is itself a recipient (`holderId`) grants an authorized requester access. The
 * result travels beside the unchanged envelope (see OpenOptions.extraKeys) or is merged into a
 * new envelope with `withRecipient` (a new CID).
 */
export function rewrapKey(
  envelope: Uint8Array | Envelope,
  holderId: string,
  holderSecretKey: Uint8Array,
  newRecipient: EnvelopeRecipient,
): WrappedKey {
  checkRecipientId(holderId, "holderId");
  const env = asEnvelope(envelope);
  const dataKey = unwrap(findKey(env, holderId, []), holderSecretKey);
  try {
    return wrapFor(dataKey, newRecipient, "newRecipient");
  } finally {
    dataKey.fill(0);
  }
}

/** A new envelope with `key` added (same ciphertext, new bytes, hence a new CID). */
export function withRecipient(envelope: Uint8Array | Envelope, key: WrappedKey): Uint8Array {
  const env = asEnvelope(envelope);
  checkRecipientId(key.recipientId, "key.recipientId");
  return encodeEnvelope({ ...env, wrappedKeys: [...env.wrappedKeys, key] });
}

/** The recipient ids an envelope is wrapped for (no secrets needed). */
export function envelopeRecipients(envelope: Uint8Array | Envelope): string[] {
  return asEnvelope(envelope).wrappedKeys.map((k) => k.recipientId);
}

/** True when the two envelopes carry the same encrypted body (differing only in wrapped keys). */
export function sameCiphertext(a: Envelope, b: Envelope): boolean {
  return bytesEqual(a.nonce, b.nonce) && bytesEqual(a.ciphertext, b.ciphertext);
}
