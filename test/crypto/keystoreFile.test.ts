import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { keyPairFromSeed } from "../../src/crypto/ed25519.js";
import { sha256 } from "../../src/crypto/hash.js";
import { SCRYPT_INSECURE_FAST } from "../../src/crypto/keystore.js";
import { readKeystoreFile, writeKeystoreFile } from "../../src/crypto/keystoreFile.js";
import { isConsortiaError } from "../../src/errors.js";

const kp = keyPairFromSeed(sha256(new TextEncoder().encode("keystore-file")));
const other = keyPairFromSeed(sha256(new TextEncoder().encode("keystore-file-2")));
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "consortia-keystore-"));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("write creates a 0600 file that reads back; createdAt defaults to now", async () => {
  const path = join(dir, "a.json");
  const ks = await writeKeystoreFile(path, kp.secretKey, "pw", { scrypt: SCRYPT_INSECURE_FAST, name: "a" });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.ok(ks.createdAt !== undefined && !Number.isNaN(Date.parse(ks.createdAt)));
  const out = await readKeystoreFile(path, "pw");
  assert.deepEqual(out.secretKey, kp.secretKey);
  await assert.rejects(readKeystoreFile(path, "nope"), (e: unknown) =>
    isConsortiaError(e, "KEYSTORE_BAD_PASSWORD"),
  );
});

test("existing files are not overwritten unless asked; overwrite is atomic and keeps 0600", async () => {
  const path = join(dir, "b.json");
  await writeKeystoreFile(path, kp.secretKey, "pw", { scrypt: SCRYPT_INSECURE_FAST });
  await assert.rejects(
    writeKeystoreFile(path, other.secretKey, "pw", { scrypt: SCRYPT_INSECURE_FAST }),
    (e: unknown) => isConsortiaError(e, "KEYSTORE_EXISTS") && e.details.path === path,
  );
  assert.deepEqual((await readKeystoreFile(path, "pw")).secretKey, kp.secretKey);
  await writeKeystoreFile(path, other.secretKey, "pw2", { scrypt: SCRYPT_INSECURE_FAST, overwrite: true });
  assert.deepEqual((await readKeystoreFile(path, "pw2")).secretKey, other.secretKey);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.includes(".tmp-")),
    [],
  );
});

test("missing and garbage files give KEYSTORE_NOT_FOUND and KEYSTORE_MALFORMED", async () => {
  await assert.rejects(readKeystoreFile(join(dir, "none.json"), "pw"), (e: unknown) =>
    isConsortiaError(e, "KEYSTORE_NOT_FOUND"),
  );
  const garbage = join(dir, "garbage.json");
  await writeFile(garbage, "not a keystore");
  await assert.rejects(readKeystoreFile(garbage, "pw"), (e: unknown) =>
    isConsortiaError(e, "KEYSTORE_MALFORMED"),
  );
  await assert.rejects(
    writeKeystoreFile(join(dir, "missing-dir", "x.json"), kp.secretKey, "pw", {
      scrypt: SCRYPT_INSECURE_FAST,
    }),
    (e: unknown) => isConsortiaError(e, "KEYSTORE_IO") && e.details.errno === "ENOENT",
  );
});
