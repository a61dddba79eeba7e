import assert from "node:assert/strict";
import { test } from "node:test";
import { fromHex, toHex } from "../../src/crypto/hash.js";
import {
  deriveX25519KeyPair,
  generateX25519KeyPair,
  HpkeErrors,
  openBase,
  sealBase,
  setupBaseR,
  setupBaseS,
  x25519PublicKey,
} from "../../src/crypto/hpke.js";
import { isConsortiaError } from "../../src/errors.js";

/*
 * RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base.
 * Encryptions are A.1.1.1 (sequence numbers 0, 1, 2, 4; aad = "Count-<seq>").
 */
const A11 = {
  info: "4f6465206f6e2061204772656369616e2055726e",
  ikmE: "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
  ikmR: "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
  skEm: "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
  pkEm: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
  skRm: "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
  pkRm: "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
  enc: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
  sharedSecret: "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
  key: "4531685d41d65f03dc48f6b8302c05b0",
  baseNonce: "56d890e5accaaf011cff4b7d",
  exporterSecret: "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
  pt: "4265617574792069732074727574682c20747275746820626561757479",
  encryptions: [
    {
      seq: 0,
      aad: "436f756e742d30",
      ct: "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
    },
    {
      seq: 1,
      aad: "436f756e742d31",
      ct: "af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84",
    },
    {
      seq: 2,
      aad: "436f756e742d32",
      ct: "498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb72516491588d96a19ad4a683518973dcc180",
    },
    {
      seq: 4,
      aad: "436f756e742d34",
      ct: "583bd32bc67a5994bb8ceaca813d369bca7b2a42408cddef5e22f880b631215a09fc0012bc69fccaa251c0246d",
    },
  ],
} as const;

const h = (s: string) => fromHex(s);
const isCode = (code: string) => (e: unknown) => isConsortiaError(e, code);

test("RFC 9180 A.1.1: DeriveKeyPair reproduces the published key pairs", () => {
  const e = deriveX25519KeyPair(h(A11.ikmE));
  assert.equal(toHex(e.secretKey), A11.skEm);
  assert.equal(toHex(e.publicKey), A11.pkEm);
  const r = deriveX25519KeyPair(h(A11.ikmR));
  assert.equal(toHex(r.secretKey), A11.skRm);
  assert.equal(toHex(r.publicKey), A11.pkRm);
  assert.equal(toHex(x25519PublicKey(h(A11.skRm))), A11.pkRm);
});

test("RFC 9180 A.1.1: sender key schedule and encryptions match the vectors", () => {
  const s = setupBaseS(h(A11.pkRm), h(A11.info), { aead: "aes-128-gcm", ephemeralSecretKey: h(A11.skEm) });
  assert.equal(toHex(s.enc), A11.enc);
  assert.equal(toHex(s.sharedSecret), A11.sharedSecret);
  assert.equal(toHex(s.key), A11.key);
  assert.equal(toHex(s.baseNonce), A11.baseNonce);
  assert.equal(toHex(s.exporterSecret), A11.exporterSecret);
  let seq = 0;
  for (const v of A11.encryptions) {
    // The context's counter advances per seal; burn sequence numbers the RFC skips (3).
    while (seq < v.seq) {
      s.seal(new Uint8Array(0), new Uint8Array(0));
      seq++;
    }
    assert.equal(toHex(s.seal(h(v.aad), h(A11.pt))), v.ct, `seq ${v.seq}`);
    seq++;
  }
});

test("RFC 9180 A.1.1: recipient decapsulates and opens the published ciphertexts", () => {
  const r = setupBaseR(h(A11.enc), h(A11.skRm), h(A11.info), { aead: "aes-128-gcm" });
  assert.equal(toHex(r.sharedSecret), A11.sharedSecret);
  assert.equal(toHex(r.key), A11.key);
  assert.equal(toHex(r.baseNonce), A11.baseNonce);
  const first = A11.encryptions[0];
  assert.equal(toHex(r.open(h(first.aad), h(first.ct))), A11.pt);
  // A failed open must not advance the counter: a bad ciphertext, then the real seq-1 one.
  const second = A11.encryptions[1];
  assert.throws(() => r.open(h(second.aad), h(first.ct)), isCode(HpkeErrors.ENVELOPE_DECRYPT_FAILED));
  assert.equal(toHex(r.open(h(second.aad), h(second.ct))), A11.pt);
});

test("production suite (AES-256-GCM): round trip, 32-byte key, and tamper detection", () => {
  const r = generateX25519KeyPair();
  assert.equal(r.publicKey.length, 32);
  assert.deepEqual(x25519PublicKey(r.secretKey), r.publicKey);
  const info = new TextEncoder().encode("test-info");
  const aad = new TextEncoder().encode("aad");
  const pt = new TextEncoder().encode("data key material 0123456789abcdef");
  const s = setupBaseS(r.publicKey, info);
  assert.equal(s.key.length, 32);
  const { enc, ciphertext } = sealBase(r.publicKey, info, aad, pt);
  assert.equal(ciphertext.length, pt.length + 16);
  assert.deepEqual(openBase(enc, r.secretKey, info, aad, ciphertext), pt);

  const flipped = ciphertext.slice();
  flipped[0] = (flipped[0] as number) ^ 1;
  assert.throws(
    () => openBase(enc, r.secretKey, info, aad, flipped),
    isCode(HpkeErrors.ENVELOPE_DECRYPT_FAILED),
  );
  assert.throws(
    () => openBase(enc, r.secretKey, info, new Uint8Array(0), ciphertext),
    isCode(HpkeErrors.ENVELOPE_DECRYPT_FAILED),
  );
  assert.throws(
    () => openBase(enc, r.secretKey, new Uint8Array(1), aad, ciphertext),
    isCode(HpkeErrors.ENVELOPE_DECRYPT_FAILED),
  );
  assert.throws(
    () => openBase(enc, generateX25519KeyPair().secretKey, info, aad, ciphertext),
    isCode(HpkeErrors.ENVELOPE_DECRYPT_FAILED),
  );
  // The AES-128 suite derives different keys from the same shared secret: no cross-suite opens.
  assert.throws(
    () => openBase(enc, r.secretKey, info, aad, ciphertext, { aead: "aes-128-gcm" }),
    isCode(HpkeErrors.ENVELOPE_DECRYPT_FAILED),
  );
});

test("bad keys: wrong lengths and low-order public keys are refused", () => {
  assert.throws(
    () => sealBase(new Uint8Array(31), new Uint8Array(0), new Uint8Array(0), new Uint8Array(1)),
    (e) => isConsortiaError(e, HpkeErrors.ENVELOPE_BAD_KEY) && e.details.field === "recipientPublicKey",
  );
  assert.throws(() => x25519PublicKey(new Uint8Array(33)), isCode(HpkeErrors.ENVELOPE_BAD_KEY));
  // u = 0 and u = 1 are small-order points: X25519 with them gives the all-zero secret.
  for (const u of [new Uint8Array(32), Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))]) {
    assert.throws(
      () => sealBase(u, new Uint8Array(0), new Uint8Array(0), new Uint8Array(1)),
      isCode(HpkeErrors.ENVELOPE_BAD_KEY),
    );
  }
});

test("a recipient key array reused for another key opens with the new key, not a cached one", () => {
  const info = new TextEncoder().encode("reuse");
  const aad = new Uint8Array(0);
  const a = generateX25519KeyPair();
  const b = generateX25519KeyPair();
  const forA = sealBase(a.publicKey, info, aad, new TextEncoder().encode("to a"));
  const forB = sealBase(b.publicKey, info, aad, new TextEncoder().encode("to b"));
  const slot = new Uint8Array(a.secretKey);
  assert.equal(new TextDecoder().decode(openBase(forA.enc, slot, info, aad, forA.ciphertext)), "to a");
  // Same array, now holding b's key (a keystore slot reloaded): the cached entry for a must not be used.
  slot.set(b.secretKey);
  assert.equal(new TextDecoder().decode(openBase(forB.enc, slot, info, aad, forB.ciphertext)), "to b");
  assert.throws(
    () => openBase(forA.enc, slot, info, aad, forA.ciphertext),
    (e) => isConsortiaError(e, "ENVELOPE_DECRYPT_FAILED"),
  );
  // Zeroed (key wiped after use): the zero key is refused or fails to open, never a stale success.
  slot.fill(0);
  assert.throws(
    () => openBase(forB.enc, slot, info, aad, forB.ciphertext),
    (e) => isConsortiaError(e),
  );
});
