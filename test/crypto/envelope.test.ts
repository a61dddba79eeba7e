import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DATA_KEY_BYTES,
  decodeEnvelope,
  decodeWrappedKey,
  EnvelopeErrors,
  encodeEnvelope,
  encodeWrappedKey,
  envelopeRecipients,
  MAX_RECIPIENTS,
  openRecord,
  rewrapKey,
  sealRecord,
  withRecipient,
} from "../../src/crypto/envelope.js";
import { sha256 } from "../../src/crypto/hash.js";
import { deriveX25519KeyPair } from "../../src/crypto/hpke.js";
import { isConsortiaError } from "../../src/errors.js";

const enc = new TextEncoder();
const key = (name: string) => deriveX25519KeyPair(sha256(enc.encode(`envelope-test-${name}`)));
const patient = key("patient");
const hospitalA = key("hospital-a");
const doctorB = key("doctor-b");
const stranger = key("stranger");
const isCode = (code: string) => (e: unknown) => isConsortiaError(e, code);

/** Deterministic data key / nonce so the layout test can assert exact bytes. */
function counterBytes(start: number): (n: number) => Uint8Array {
  let c = start;
  return (n) => Uint8Array.from({ length: n }, () => c++ & 255);
}

const record = enc.encode('{"patient":"p-17","diagnosis":"J45.909","note":"asthma, mild intermittent"}');
const aad = enc.encode("chain=consortia-test;record=r-1");
const recipients = [
  { id: "patient:p-17", x25519PublicKey: patient.publicKey },
  { id: "hospital:a", x25519PublicKey: hospitalA.publicKey },
];

test("seal/open round trip for every recipient; layout is canonical and sorted", () => {
  const bytes = sealRecord(record, recipients, aad, { randomBytes: counterBytes(0) });
  const env = decodeEnvelope(bytes);
  assert.equal(bytes[0], 1, "version byte");
  assert.equal(bytes[1], 0, "suite index");
  assert.deepEqual(
    env.nonce,
    Uint8Array.from({ length: 12 }, (_, i) => DATA_KEY_BYTES + i),
  );
  assert.deepEqual(envelopeRecipients(bytes), ["hospital:a", "patient:p-17"], "sorted by id bytes");
  assert.equal(env.ciphertext.length, record.length + 16);
  assert.deepEqual(encodeEnvelope(env), bytes, "re-encoding a decoded envelope is byte-identical");
  for (const w of env.wrappedKeys) assert.equal(w.wrapped.length, 48);

  assert.deepEqual(openRecord(bytes, "patient:p-17", patient.secretKey, aad), record);
  assert.deepEqual(openRecord(env, "hospital:a", hospitalA.secretKey, aad), record);
  // Randomized: two seals of the same record differ (fresh data key, nonce, ephemeral keys).
  assert.notDeepEqual(sealRecord(record, recipients, aad), sealRecord(record, recipients, aad));
});

test("wrong key, wrong aad, unknown recipient, relabelled entry and tampering all fail typed", () => {
  const bytes = sealRecord(record, recipients, aad);
  assert.throws(
    () => openRecord(bytes, "patient:p-17", stranger.secretKey, aad),
    isCode(EnvelopeErrors.ENVELOPE_DECRYPT_FAILED),
  );
  assert.throws(
    () => openRecord(bytes, "patient:p-17", patient.secretKey, enc.encode("record=r-2")),
    isCode(EnvelopeErrors.ENVELOPE_DECRYPT_FAILED),
  );
  assert.throws(
    () => openRecord(bytes, "doctor:b", doctorB.secretKey, aad),
    isCode(EnvelopeErrors.ENVELOPE_NO_RECIPIENT),
  );
  // Relabel the hospital's entry as the patient's: the wrap is bound to the id, so it fails.
  const env = decodeEnvelope(bytes);
  const hosp = env.wrappedKeys.find((k) => k.recipientId === "hospital:a")!;
  const relabelled = { ...hosp, recipientId: "patient:zzz" };
  assert.throws(
    () => openRecord(env, "patient:zzz", hospitalA.secretKey, aad, { extraKeys: [relabelled] }),
    isCode(EnvelopeErrors.ENVELOPE_DECRYPT_FAILED),
  );
  // Flip one ciphertext bit (last byte of the envelope is the GCM tag's last byte).
  const tampered = bytes.slice();
  tampered[tampered.length - 20] = (tampered[tampered.length - 20] as number) ^ 0x40;
  assert.throws(
    () => openRecord(tampered, "patient:p-17", patient.secretKey, aad),
    isCode(EnvelopeErrors.ENVELOPE_DECRYPT_FAILED),
  );
});

test("rewrapKey grants a new recipient without re-encrypting; envelope bytes stay identical", () => {
  const bytes = sealRecord(record, recipients, aad);
  const before = bytes.slice();
  const grant = rewrapKey(bytes, "hospital:a", hospitalA.secretKey, {
    id: "doctor:b",
    x25519PublicKey: doctorB.publicKey,
  });
  assert.deepEqual(bytes, before, "rewrap does not modify the stored envelope (CID stays valid)");
  // The grant travels separately (wire codec) and opens the unchanged envelope.
  const wire = decodeWrappedKey(encodeWrappedKey(grant));
  assert.deepEqual(openRecord(bytes, "doctor:b", doctorB.secretKey, aad, { extraKeys: [wire] }), record);
  // Only the intended requester can use it.
  assert.throws(
    () => openRecord(bytes, "doctor:b", stranger.secretKey, aad, { extraKeys: [wire] }),
    isCode(EnvelopeErrors.ENVELOPE_DECRYPT_FAILED),
  );
  // Merging makes a new envelope with the same ciphertext.
  const merged = withRecipient(bytes, grant);
  assert.deepEqual(envelopeRecipients(merged), ["doctor:b", "hospital:a", "patient:p-17"]);
  assert.deepEqual(decodeEnvelope(merged).ciphertext, decodeEnvelope(bytes).ciphertext);
  assert.deepEqual(openRecord(merged, "doctor:b", doctorB.secretKey, aad), record);
  assert.throws(() => withRecipient(merged, grant), isCode(EnvelopeErrors.ENVELOPE_DUPLICATE_RECIPIENT));
  // A non-recipient cannot rewrap; a recipient with the wrong key cannot either.
  assert.throws(
    () => rewrapKey(bytes, "doctor:b", doctorB.secretKey, { id: "x", x25519PublicKey: stranger.publicKey }),
    isCode(EnvelopeErrors.ENVELOPE_NO_RECIPIENT),
  );
  assert.throws(
    () =>
      rewrapKey(bytes, "hospital:a", stranger.secretKey, { id: "x", x25519PublicKey: stranger.publicKey }),
    isCode(EnvelopeErrors.ENVELOPE_DECRYPT_FAILED),
  );
});

test("empty and binary plaintexts; argument validation", () => {
  const empty = sealRecord(new Uint8Array(0), recipients, new Uint8Array(0));
  assert.deepEqual(
    openRecord(empty, "hospital:a", hospitalA.secretKey, new Uint8Array(0)),
    new Uint8Array(0),
  );
  const bin = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 255);
  assert.deepEqual(openRecord(sealRecord(bin, recipients, aad), "hospital:a", hospitalA.secretKey, aad), bin);

  assert.throws(() => sealRecord(record, [], aad), isCode(EnvelopeErrors.ENVELOPE_BAD_ARGUMENT));
  assert.throws(
    () => sealRecord(record, [recipients[0]!, { ...recipients[1]!, id: recipients[0]!.id }], aad),
    isCode(EnvelopeErrors.ENVELOPE_DUPLICATE_RECIPIENT),
  );
  assert.throws(
    () => sealRecord(record, [{ id: "", x25519PublicKey: patient.publicKey }], aad),
    (e) => isConsortiaError(e, EnvelopeErrors.ENVELOPE_BAD_ARGUMENT) && e.details.field === "recipients.0.id",
  );
  assert.throws(
    () => sealRecord(record, [{ id: "x", x25519PublicKey: new Uint8Array(31) }], aad),
    isCode(EnvelopeErrors.ENVELOPE_BAD_KEY),
  );
  const many = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => ({
    id: `r${i}`,
    x25519PublicKey: patient.publicKey,
  }));
  assert.throws(() => sealRecord(record, many, aad), isCode(EnvelopeErrors.ENVELOPE_BAD_ARGUMENT));
});

test("strict decoding: truncation, trailing bytes, unknown version and unsorted keys are MALFORMED", () => {
  const bytes = sealRecord(record, recipients, aad);
  const malformed = isCode(EnvelopeErrors.ENVELOPE_MALFORMED);
  assert.throws(() => decodeEnvelope(bytes.subarray(0, bytes.length - 1)), malformed);
  assert.throws(() => decodeEnvelope(Uint8Array.of(...bytes, 0)), malformed);
  const v2 = bytes.slice();
  v2[0] = 2;
  assert.throws(() => decodeEnvelope(v2), malformed);
  const suite = bytes.slice();
  suite[1] = 7;
  assert.throws(() => decodeEnvelope(suite), malformed);
  // Hand-build the unsorted order the encoder never produces: swap the two entries' bytes.
  const env = decodeEnvelope(bytes);
  const [a, b] = env.wrappedKeys.map(encodeWrappedKey) as [Uint8Array, Uint8Array];
  const start = 1 + 1 + 12 + 1; // version, suite, nonce, array length
  const swapped = Uint8Array.of(
    ...bytes.subarray(0, start),
    ...b,
    ...a,
    ...bytes.subarray(start + a.length + b.length),
  );
  assert.equal(swapped.length, bytes.length);
  assert.throws(() => decodeEnvelope(swapped), malformed);
});
