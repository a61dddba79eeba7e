import assert from "node:assert/strict";
import { test } from "node:test";
import { addressFromPublicKey, formatAddress, keyPairFromSeed } from "../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../src/crypto/hash.js";
import {
  decryptKeystore,
  encryptKeystore,
  type Keystore,
  parseKeystore,
  SCRYPT_DEFAULT,
  SCRYPT_INSECURE_FAST,
} from "../../src/crypto/keystore.js";
import { isConsortiaError } from "../../src/errors.js";

const enc = new TextEncoder();
const alice = keyPairFromSeed(sha256(enc.encode("keystore-alice")));
const bob = keyPairFromSeed(sha256(enc.encode("keystore-bob")));

/** Deterministic salt/iv source so the tests do not depend on the OS RNG. */
function counterBytes(start: number): (n: number) => Uint8Array {
  let c = start;
  return (n) => Uint8Array.from({ length: n }, () => c++ & 255);
}

const fast = { scrypt: SCRYPT_INSECURE_FAST, randomBytes: counterBytes(0) };

const isCode = (code: string, field?: string) => (e: unknown) =>
  isConsortiaError(e, code) && (field === undefined || e.details.field === field);

test("encrypt/decrypt roundtrip and the documented JSON shape", async () => {
  const ks = await encryptKeystore(alice.secretKey, "correct horse", {
    ...fast,
    name: "alice",
    createdAt: "2025-01-01T00:00:00.000Z",
  });
  assert.equal(ks.version, 1);
  assert.equal(ks.kind, "consortia-keystore");
  assert.equal(ks.publicKey, toHex(alice.publicKey));
  assert.equal(ks.address, formatAddress(addressFromPublicKey(alice.publicKey)));
  assert.deepEqual(
    { ...ks.kdf, salt: ks.kdf.salt.length },
    { name: "scrypt", n: 1024, r: 8, p: 1, salt: 32 },
  );
  assert.equal(ks.kdf.salt, "000102030405060708090a0b0c0d0e0f");
  assert.equal(ks.cipher.name, "aes-256-gcm");
  assert.equal(ks.cipher.iv, "101112131415161718191a1b");
  assert.equal(ks.cipher.tag.length, 32);
  assert.equal(ks.cipher.ciphertext.length, 64);
  assert.notEqual(ks.cipher.ciphertext, toHex(alice.secretKey));
  assert.equal(ks.name, "alice");
  assert.equal(ks.createdAt, "2025-01-01T00:00:00.000Z");

  for (const doc of [ks, JSON.stringify(ks), JSON.parse(JSON.stringify(ks)) as unknown]) {
    const out = await decryptKeystore(doc, "correct horse");
    assert.deepEqual(out.secretKey, alice.secretKey);
    assert.deepEqual(out.publicKey, alice.publicKey);
    assert.equal(out.address, ks.address);
  }
});

test("default scrypt cost is N=2^15, r=8, p=1 and roundtrips", async () => {
  const ks = await encryptKeystore(alice.secretKey, "pw");
  assert.deepEqual([ks.kdf.n, ks.kdf.r, ks.kdf.p], [2 ** 15, 8, 1]);
  assert.deepEqual(SCRYPT_DEFAULT, { n: 2 ** 15, r: 8, p: 1 });
  assert.deepEqual((await decryptKeystore(ks, "pw")).secretKey, alice.secretKey);
});

test("passwords are NFKC-normalised: composed and decomposed forms unlock the same file", async () => {
  const ks = await encryptKeystore(alice.secretKey, "\u00c5ngstr\u00f6m", fast);
  const out = await decryptKeystore(ks, "A\u030angstro\u0308m");
  assert.deepEqual(out.secretKey, alice.secretKey);
});

test("wrong password gives KEYSTORE_BAD_PASSWORD", async () => {
  const ks = await encryptKeystore(alice.secretKey, "right", fast);
  await assert.rejects(decryptKeystore(ks, "wrong"), isCode("KEYSTORE_BAD_PASSWORD"));
  await assert.rejects(decryptKeystore(ks, "Right"), isCode("KEYSTORE_BAD_PASSWORD"));
});

test("tampering with ciphertext, tag, iv, salt or cost fails authentication", async () => {
  const ks = await encryptKeystore(alice.secretKey, "pw", fast);
  const flip = (hex: string): string => (hex[0] === "0" ? "1" : "0") + hex.slice(1);
  const tampered: Keystore[] = [
    { ...ks, cipher: { ...ks.cipher, ciphertext: flip(ks.cipher.ciphertext) } },
    { ...ks, cipher: { ...ks.cipher, tag: flip(ks.cipher.tag) } },
    { ...ks, cipher: { ...ks.cipher, iv: flip(ks.cipher.iv) } },
    { ...ks, kdf: { ...ks.kdf, salt: flip(ks.kdf.salt) } },
    { ...ks, kdf: { ...ks.kdf, n: 2048 } },
  ];
  for (const t of tampered) {
    await assert.rejects(decryptKeystore(t, "pw"), isCode("KEYSTORE_BAD_PASSWORD"));
  }
});

test("a header swapped to another key's publicKey/address gives KEYSTORE_KEY_MISMATCH", async () => {
  const ks = await encryptKeystore(alice.secretKey, "pw", fast);
  const swapped = {
    ...ks,
    publicKey: toHex(bob.publicKey),
    address: formatAddress(addressFromPublicKey(bob.publicKey)),
  };
  await assert.rejects(decryptKeystore(swapped, "pw"), isCode("KEYSTORE_KEY_MISMATCH"));
});

test("malformed documents give KEYSTORE_MALFORMED naming the field", async () => {
  const ks = await encryptKeystore(alice.secretKey, "pw", fast);
  const cases: Array<[unknown, string]> = [
    ["{not json", "(document)"],
    [null, "(document)"],
    [[], "(document)"],
    [{ ...ks, version: 2 }, "version"],
    [{ ...ks, kind: "other" }, "kind"],
    [{ ...ks, publicKey: ks.publicKey.toUpperCase() }, "publicKey"],
    [{ ...ks, address: ks.address.slice(2) }, "address"],
    [{ ...ks, address: formatAddress(addressFromPublicKey(bob.publicKey)) }, "address"],
    [{ ...ks, kdf: { ...ks.kdf, name: "pbkdf2" } }, "kdf.name"],
    [{ ...ks, kdf: { ...ks.kdf, n: 1000 } }, "kdf.n"],
    [{ ...ks, kdf: { ...ks.kdf, n: 2 ** 30 } }, "kdf.n"],
    [{ ...ks, kdf: { ...ks.kdf, p: 0 } }, "kdf.p"],
    [{ ...ks, kdf: { ...ks.kdf, salt: "00" } }, "kdf.salt"],
    [{ ...ks, cipher: { ...ks.cipher, name: "aes-128-gcm" } }, "cipher.name"],
    [{ ...ks, cipher: { ...ks.cipher, iv: "00" } }, "cipher.iv"],
    [{ ...ks, cipher: { ...ks.cipher, ciphertext: `${ks.cipher.ciphertext}00` } }, "cipher.ciphertext"],
    [{ ...ks, cipher: undefined }, "cipher"],
  ];
  for (const [doc, field] of cases) {
    assert.throws(() => parseKeystore(doc), isCode("KEYSTORE_MALFORMED", field), field);
    await assert.rejects(decryptKeystore(doc, "pw"), isCode("KEYSTORE_MALFORMED", field), field);
  }
});

test("invalid encryption arguments are typed errors", async () => {
  await assert.rejects(encryptKeystore(alice.secretKey, "", fast), isCode("CRYPTO_BAD_ARGUMENT", "password"));
  await assert.rejects(
    encryptKeystore(alice.secretKey, "pw", { scrypt: { n: 1000, r: 8, p: 1 } }),
    isCode("CRYPTO_BAD_ARGUMENT", "scrypt.n"),
  );
  await assert.rejects(encryptKeystore(new Uint8Array(31), "pw", fast), isCode("CRYPTO_BAD_KEY"));
});
