import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { decode } from "../../src/codec/schema.js";
import { addressFromPublicKey, keyPairFromSeed } from "../../src/crypto/ed25519.js";
import { fromHex, sha256, sha256Concat, toHex } from "../../src/crypto/hash.js";
import { SCRYPT_INSECURE_FAST } from "../../src/crypto/keystore.js";
import { isConsortiaError } from "../../src/errors.js";
import { certificateCodec, verifyCertificateSignature } from "../../src/modules/identity/certificate.js";
import {
  AccountCenterErrors,
  issueWallet,
  lookupSubject,
  pseudonymousSubject,
  registrySize,
} from "../../src/node/accountCenter.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-ac-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const ca = keyPairFromSeed(sha256(Buffer.from("ca")));
const otherCa = keyPairFromSeed(sha256(Buffer.from("other-ca")));
const wallet = (i: number) => keyPairFromSeed(sha256(Buffer.from(`wallet-${i}`)));
let counter = 0;
const rnd = (n: number) => sha256(Buffer.from(`rnd-${counter++}`)).slice(0, n);
const NOW = 1_790_000_000_000;

function code(c: string) {
  return (err: unknown) => isConsortiaError(err, c);
}

function req(path: string, i: number, subjectId: string, serial: bigint) {
  return {
    caSecretKey: ca.secretKey,
    subjectId,
    role: "patient" as const,
    subjectPublicKey: wallet(i).publicKey,
    chainId: "consortia-health-1",
    serial,
    validDays: 30,
    nowMs: NOW,
    registryPath: path,
    password: "ca-password",
    registry: { scrypt: SCRYPT_INSECURE_FAST, randomBytes: rnd },
  };
}

test("subject = sha256(sha256(NFKC id) || salt); different salts give unlinkable subjects", () => {
  const salt = fromHex("11".repeat(32));
  const expected = sha256Concat(sha256(Buffer.from("MRN-42")), salt);
  assert.deepEqual(pseudonymousSubject("MRN-42", salt), expected);
  // NFKC: a full-width digit is the same id.
  assert.deepEqual(pseudonymousSubject("MRN-４2", salt), expected);
  assert.notDeepEqual(pseudonymousSubject("MRN-42", fromHex("22".repeat(32))), expected);
  assert.throws(
    () => pseudonymousSubject("MRN-42", new Uint8Array(8)),
    code(AccountCenterErrors.ACCOUNT_CENTER_INVALID_PARAM),
  );
});

test("issue appends encrypted entries; lookup returns every wallet of one identity and none of others", async () => {
  const path = join(dir, "registry.json");
  const a1 = await issueWallet(req(path, 1, "MRN-42", 1001n));
  const a2 = await issueWallet(req(path, 2, "MRN-42", 1002n));
  await issueWallet(req(path, 3, "MRN-77", 1003n));

  const cert = decode(certificateCodec, fromHex(a1.certificateHex));
  assert.equal(verifyCertificateSignature(cert), true);
  assert.deepEqual(cert.subjectPublicKey, wallet(1).publicKey);
  assert.equal(cert.notAfterMs - cert.notBeforeMs, 30n * 86_400_000n);
  assert.deepEqual(cert.subject, pseudonymousSubject("MRN-42", fromHex(a1.entry.salt)));
  assert.notEqual(a1.entry.subject, a2.entry.subject, "two wallets of one person have different subjects");
  assert.equal(a1.entry.address, toHex(addressFromPublicKey(wallet(1).publicKey)));

  const found = await lookupSubject(path, "ca-password", "MRN-42");
  assert.deepEqual(
    found.map((e) => [e.address, e.serial]),
    [
      [a1.entry.address, "1001"],
      [a2.entry.address, "1002"],
    ],
  );
  assert.equal(await registrySize(path, "ca-password"), 3);

  const text = readFileSync(path, "utf8");
  assert.ok(!text.includes("MRN-42") && !text.includes(a1.entry.address), "nothing in clear");

  await assert.rejects(
    lookupSubject(path, "ca-password", "MRN-99"),
    code(AccountCenterErrors.ACCOUNT_CENTER_UNKNOWN_SUBJECT),
  );
  await assert.rejects(
    lookupSubject(path, "wrong", "MRN-42"),
    code(AccountCenterErrors.ACCOUNT_CENTER_BAD_PASSWORD),
  );
  await assert.rejects(
    issueWallet(req(path, 4, "MRN-42", 1002n)),
    code(AccountCenterErrors.ACCOUNT_CENTER_SERIAL_REUSED),
  );
  await assert.rejects(
    issueWallet({ ...req(path, 4, "MRN-42", 1004n), caSecretKey: otherCa.secretKey }),
    code(AccountCenterErrors.ACCOUNT_CENTER_CA_MISMATCH),
  );
  assert.equal(await registrySize(path, "ca-password"), 3, "refused issues left the registry unchanged");
});

test("tampering with the header or ciphertext fails authentication; malformed files are named", async () => {
  const path = join(dir, "tamper.json");
  await issueWallet(req(path, 5, "MRN-5", 5n));
  const doc = JSON.parse(readFileSync(path, "utf8")) as {
    caPublicKey: string;
    cipher: { ciphertext: string };
  };
  const swapped = { ...doc, caPublicKey: toHex(otherCa.publicKey) };
  writeFileSync(join(dir, "t1.json"), JSON.stringify(swapped));
  await assert.rejects(
    lookupSubject(join(dir, "t1.json"), "ca-password", "MRN-5"),
    code(AccountCenterErrors.ACCOUNT_CENTER_BAD_PASSWORD),
  );
  const c = doc.cipher.ciphertext;
  const flipped = { ...doc, cipher: { ...doc.cipher, ciphertext: (c[0] === "0" ? "1" : "0") + c.slice(1) } };
  writeFileSync(join(dir, "t2.json"), JSON.stringify(flipped));
  await assert.rejects(
    lookupSubject(join(dir, "t2.json"), "ca-password", "MRN-5"),
    code(AccountCenterErrors.ACCOUNT_CENTER_BAD_PASSWORD),
  );
  writeFileSync(
    join(dir, "t3.json"),
    JSON.stringify({ ...doc, kdf: { name: "scrypt", n: 2 ** 30, r: 8, p: 1, salt: "00".repeat(16) } }),
  );
  await assert.rejects(
    lookupSubject(join(dir, "t3.json"), "ca-password", "MRN-5"),
    (err: unknown) =>
      isConsortiaError(err, AccountCenterErrors.ACCOUNT_CENTER_MALFORMED) && err.details.field === "kdf.n",
  );
  await assert.rejects(
    lookupSubject(join(dir, "absent.json"), "ca-password", "MRN-5"),
    code(AccountCenterErrors.ACCOUNT_CENTER_NOT_FOUND),
  );
  writeFileSync(`${path}.lock`, "");
  const locked = req(path, 6, "MRN-6", 6n);
  await assert.rejects(
    issueWallet({ ...locked, registry: { ...locked.registry, lockWaitMs: 100 } }),
    code(AccountCenterErrors.ACCOUNT_CENTER_LOCKED),
  );
  rmSync(`${path}.lock`);
  // Concurrent appends wait for each other instead of failing or losing an entry.
  await Promise.all([issueWallet(req(path, 7, "MRN-7", 7n)), issueWallet(req(path, 8, "MRN-8", 8n))]);
  assert.equal(await registrySize(path, "ca-password"), 3);
});
