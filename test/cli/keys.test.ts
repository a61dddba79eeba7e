import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { decryptKeystore } from "../../src/crypto/keystore.js";
import { cliAll, describeRun, errorCodeOf, jsonOf } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-cli-keys-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("keys new / list / show round trip with a password file; secrets never printed", async () => {
  const keysDir = join(dir, "keys");
  const pw = join(dir, "pw");
  writeFileSync(pw, "correct horse\n");
  const created = await cliAll(
    [
      // The environment supplies both the directory and the password.
      ["keys", "new", "--name", "bob", "--insecure-fast-kdf", "--json"],
      [
        "keys",
        "new",
        "--name",
        "alice",
        "--keys-dir",
        keysDir,
        "--password-file",
        pw,
        "--insecure-fast-kdf",
        "--json",
      ],
    ],
    { CONSORTIA_KEYS_DIR: keysDir, CONSORTIA_PASSWORD: "from env" },
  );
  for (const r of created) assert.equal(r.code, 0, describeRun(r));
  const alice = jsonOf(created[1]!) as { name: string; address: string; publicKey: string; path: string };
  assert.equal(alice.name, "alice");
  assert.match(alice.address, /^[0-9a-f]{40}$/);
  assert.equal(alice.path, join(keysDir, "alice.keystore.json"));
  assert.equal(statSync(alice.path).mode & 0o777, 0o600);
  // The trailing newline of the password file is not part of the password.
  const key = await decryptKeystore(readFileSync(alice.path, "utf8"), "correct horse");
  assert.equal(key.address, alice.address);
  const secretHex = Buffer.from(key.secretKey).toString("hex");

  const bob = jsonOf(created[0]!) as { path: string; address: string };
  assert.equal(bob.path, join(keysDir, "bob.keystore.json"));
  assert.equal((await decryptKeystore(readFileSync(bob.path, "utf8"), "from env")).address, bob.address);

  const [list, show, showText, dup, missing, noPw] = await cliAll([
    ["keys", "list", "--keys-dir", keysDir, "--json"],
    ["keys", "show", "alice", "--keys-dir", keysDir, "--json"],
    ["keys", "show", "alice", "--keys-dir", keysDir],
    [
      "keys",
      "new",
      "--name",
      "alice",
      "--keys-dir",
      keysDir,
      "--password-file",
      pw,
      "--insecure-fast-kdf",
      "--json",
    ],
    ["keys", "show", "nobody", "--keys-dir", keysDir, "--json"],
    ["keys", "new", "--name", "dave", "--keys-dir", keysDir, "--json"],
  ]);
  const listed = jsonOf(list!) as { keys: { name: string; address: string }[]; invalid: unknown[] };
  assert.deepEqual(
    listed.keys.map((k) => k.name),
    ["alice", "bob"],
  );
  assert.equal(listed.keys[0]!.address, alice.address);
  assert.deepEqual(listed.invalid, []);
  const shown = jsonOf(show!) as Record<string, unknown>;
  assert.equal(shown.address, alice.address);
  assert.equal(shown.publicKey, alice.publicKey);
  assert.deepEqual(Object.keys(shown).sort(), ["address", "createdAt", "name", "path", "publicKey"]);
  assert.match(showText!.stdout, new RegExp(`address +${alice.address}`));
  for (const r of [list!, show!, showText!]) assert.ok(!r.stdout.includes(secretHex), "secret never printed");

  assert.equal(dup!.code, 1);
  assert.equal(errorCodeOf(dup!), "KEYRING_KEY_EXISTS");
  assert.equal(missing!.code, 1);
  assert.equal(errorCodeOf(missing!), "KEYRING_KEY_NOT_FOUND");
  // No password file, no env, stdin not a terminal: refuse instead of hanging on a prompt.
  assert.equal(noPw!.code, 2);
  assert.equal(errorCodeOf(noPw!), "CLI_PASSWORD_PARAM");
});
