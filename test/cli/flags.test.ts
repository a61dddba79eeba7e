import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { CliErrors } from "../../src/cli/errors.js";
import { assertWritable } from "../../src/cli/files.js";
import {
  addressFlag,
  chainIdFlag,
  choiceFlag,
  hashFlag,
  hexFlag,
  intFlag,
  u64Flag,
  urlFlag,
} from "../../src/cli/flags.js";
import { readPassword } from "../../src/cli/password.js";
import { isConsortiaError } from "../../src/errors.js";
import { checkKeyName, KeyringErrors, keyPath } from "../../src/sdk/keyring.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-cli-flags-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function bad(flag: string) {
  return (err: unknown) => isConsortiaError(err, CliErrors.CLI_INVALID_PARAM) && err.details.flag === flag;
}

test("flag parsers accept exact forms and name the flag when refusing", () => {
  assert.equal(intFlag("200", "--validators", 1, 200), 200);
  for (const v of ["0", "201", "1.0", "-1", "1e2", "01", "", " 3"])
    assert.throws(() => intFlag(v, "--validators", 1, 200), bad("--validators"));
  assert.equal(u64Flag("18446744073709551615", "--serial"), 2n ** 64n - 1n);
  assert.throws(() => u64Flag("18446744073709551616", "--serial"), bad("--serial"));
  assert.equal(choiceFlag("spds", "--preset", ["healthchain", "energy", "spds"]), "spds");
  assert.throws(() => choiceFlag("bank", "--preset", ["healthchain", "energy", "spds"]), bad("--preset"));
  assert.deepEqual(hexFlag("ABcd", "--x", 2), new Uint8Array([0xab, 0xcd]));
  assert.throws(() => hexFlag("abc", "--x", 2), bad("--x"));
  assert.throws(() => hexFlag("00".repeat(15), "--wallet-salt", 16, 64), bad("--wallet-salt"));
  assert.equal(hexFlag("00".repeat(64), "--wallet-salt", 16, 64).length, 64);
  assert.equal(addressFlag("ab".repeat(20), "--to").length, 20);
  assert.throws(() => addressFlag("AB".repeat(20), "--to"), bad("--to"));
  assert.equal(hashFlag("AB".repeat(32), "hash"), "ab".repeat(32));
  assert.throws(() => hashFlag("ab".repeat(31), "hash"), bad("hash"));
  assert.throws(() => chainIdFlag("a b", "--chain-id"), bad("--chain-id"));
  assert.throws(() => chainIdFlag("x".repeat(51), "--chain-id"), bad("--chain-id"));
  assert.equal(urlFlag("http://127.0.0.1:26680/", "--api"), "http://127.0.0.1:26680");
  for (const u of ["127.0.0.1:26680", "ftp://x", "http://x/?a=1"])
    assert.throws(() => urlFlag(u, "--api"), bad("--api"));
});

test("key names cannot escape the keys directory; paths are taken as given", () => {
  assert.equal(checkKeyName("alice-1.b_c"), "alice-1.b_c");
  for (const n of ["", ".hidden", "../x", "a/b", "a b", "x".repeat(65)]) {
    assert.throws(
      () => checkKeyName(n, "--name"),
      (e: unknown) =>
        isConsortiaError(e, KeyringErrors.KEYRING_BAD_NAME_PARAM) && e.details.field === "--name",
    );
  }
  assert.equal(keyPath("/k", "alice"), join("/k", "alice.keystore.json"));
  assert.equal(keyPath("/k", "net/ca/ca.keystore.json"), "net/ca/ca.keystore.json");
});

test("passwords: file (one trailing newline stripped), then env; empty refused; no source refused", async () => {
  const saved = process.env.CONSORTIA_PASSWORD;
  try {
    const f = join(dir, "pw");
    writeFileSync(f, "p w\r\n");
    process.env.CONSORTIA_PASSWORD = "env";
    assert.equal(await readPassword({ passwordFile: f, purpose: "t" }), "p w");
    assert.equal(await readPassword({ purpose: "t" }), "env");
    const pwError = (e: unknown) => isConsortiaError(e, CliErrors.CLI_PASSWORD_PARAM);
    process.env.CONSORTIA_PASSWORD = "";
    await assert.rejects(readPassword({ purpose: "t" }), pwError);
    writeFileSync(f, "\n");
    await assert.rejects(readPassword({ passwordFile: f, purpose: "t" }), pwError);
    await assert.rejects(readPassword({ passwordFile: join(dir, "absent"), purpose: "t" }), pwError);
    delete process.env.CONSORTIA_PASSWORD;
    if (process.stdin.isTTY !== true) await assert.rejects(readPassword({ purpose: "t" }), pwError);
  } finally {
    if (saved === undefined) delete process.env.CONSORTIA_PASSWORD;
    else process.env.CONSORTIA_PASSWORD = saved;
  }
});

test("output files are not replaced unless forced", async () => {
  const f = join(dir, "out.hex");
  await assertWritable(f, "--out", false);
  writeFileSync(f, "x");
  await assert.rejects(assertWritable(f, "--out", false), (e: unknown) =>
    isConsortiaError(e, CliErrors.CLI_OUT_EXISTS_PARAM),
  );
  await assertWritable(f, "--out", true);
});
