import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { cliAll, describeRun } from "./helpers.js";

const TX = ["--key", "--keys-dir", "--password-file", "--api", "--fee", "--nonce", "--wait", "--json"];
const QUERY = ["--api", "--json"];

/** Every command this file's owner wrote, with the flags its --help must mention. */
const COMMANDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["keys new", ["--name", "--keys-dir", "--password-file", "--json"]],
  ["keys list", ["--keys-dir", "--json"]],
  ["keys show", ["<name>", "--keys-dir", "--json"]],
  [
    "init",
    ["--validators", "--preset", "--out", "--chain-id", "--api-port", "--password-file", "--force", "--json"],
  ],
  [
    "ca issue",
    [
      "--ca-keystore",
      "--subject-id",
      "--role",
      "--public-key",
      "--wallet-salt",
      "--valid-days",
      "--chain-id",
      "--serial",
      "--out",
      "--registry",
      "--password-file",
      "--json",
    ],
  ],
  ["ca lookup", ["--subject-id", "--registry", "--ca-keystore", "--password-file", "--json"]],
  ["tx register", [...TX, "--cert"]],
  ["tx transfer", [...TX, "--to", "--amount"]],
  ["tx revoke", [...TX, "--address", "--reason"]],
  ["query block", ["<height>", ...QUERY]],
  ["query tx", ["<hash>", ...QUERY]],
  ["query account", ["<address>", ...QUERY]],
  ["query identity", ["<address>", ...QUERY]],
  ["query receipt", ["<hash>", "--out", ...QUERY]],
  ["verify-receipt", ["<file>", "--trusted-header-hash", "--chain-id", "--json"]],
];

function checkHelp(cmd: string, flags: readonly string[], text: string): void {
  assert.ok(text.startsWith(`Usage: consortia ${cmd} `), `${cmd}: usage line\n${text}`);
  // The description line follows the usage line.
  assert.ok((text.split("\n")[2] ?? "").length > 20, `${cmd}: has a description`);
  assert.match(text, /\nExample:\n {2}consortia /, `${cmd}: has an example`);
  for (const f of flags) assert.ok(text.includes(f), `${cmd} --help mentions ${f}`);
  // Test-only switches stay out of the help.
  assert.ok(!text.includes("--insecure-fast-kdf"), `${cmd}: hidden flag not shown`);
}

test("--help of every command says what it does, lists its flags and an example", async () => {
  // One child prints every command's help (same registration code as main.ts), instead of 15
  // children at ~1-2 s of tsx start-up each.
  const script = fileURLToPath(new URL("./printHelp.ts", import.meta.url));
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const all = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: root, encoding: "utf8" });
  assert.equal(all.status, 0, all.stderr);
  const texts = JSON.parse(all.stdout) as Record<string, string>;
  for (const [cmd, flags] of COMMANDS) {
    const text = texts[cmd];
    assert.ok(text !== undefined, `${cmd} is registered`);
    checkHelp(cmd, flags, text);
  }
  // And the real entry point, once per command group: `--help` prints to stdout and exits 0.
  const sample = ["keys new", "init", "ca issue", "tx transfer", "query receipt", "verify-receipt"];
  const runs = await cliAll(sample.map((cmd) => [...cmd.split(" "), "--help"]));
  runs.forEach((r, i) => {
    const cmd = sample[i]!;
    assert.equal(r.code, 0, describeRun(r));
    checkHelp(cmd, COMMANDS.find(([c]) => c === cmd)![1], r.stdout);
  });
});
