import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { decode } from "../../src/codec/schema.js";
import { keyPairFromSeed } from "../../src/crypto/ed25519.js";
import { fromHex, sha256, sha256Concat, toHex } from "../../src/crypto/hash.js";
import { decryptKeystore } from "../../src/crypto/keystore.js";
import { parseGenesis } from "../../src/engine/genesis.js";
import { certificateCodec, verifyCertificateSignature } from "../../src/modules/identity/certificate.js";
import { loadNodeOptions } from "../../src/node/config.js";
import { cliAll, describeRun, errorCodeOf, jsonOf } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-cli-init-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const pw = join(dir, "pw");
writeFileSync(pw, "ca password\n");

interface InitOut {
  chainId: string;
  genesis: string;
  caKeystore: string;
  caPublicKey: string;
  next: string;
  nodes: { name: string; home: string; address: string; publicKey: string; apiPort: number }[];
}

test("init writes a valid layout; ca issue + lookup round trip through the encrypted registry", async () => {
  const out = join(dir, "net");
  const taken = join(dir, "taken");
  mkdirSync(taken);
  writeFileSync(join(taken, "notes.txt"), "x");
  const [init, notEmpty, badPort] = await cliAll([
    [
      "init",
      "--validators",
      "3",
      "--preset",
      "energy",
      "--out",
      out,
      "--chain-id",
      "grid-7",
      "--api-port",
      "27000",
      "--password-file",
      pw,
      "--insecure-fast-kdf",
      "--json",
    ],
    ["init", "--validators", "1", "--preset", "spds", "--out", taken, "--password-file", pw, "--json"],
    [
      "init",
      "--validators",
      "2",
      "--preset",
      "spds",
      "--out",
      join(dir, "n2"),
      "--api-port",
      "65535",
      "--json",
    ],
  ]);
  assert.equal(init!.code, 0, describeRun(init!));
  const r = jsonOf(init!) as unknown as InitOut;
  assert.equal(r.chainId, "grid-7");
  assert.equal(r.nodes.length, 3);
  assert.deepEqual(
    r.nodes.map((n) => [n.name, n.apiPort]),
    [
      ["aggregator-0", 27000],
      ["aggregator-1", 27001],
      ["aggregator-2", 27002],
    ],
  );
  assert.equal(r.next, `consortia start --home ${join(out, "aggregator-0")}`);
  const genesisText = readFileSync(join(out, "genesis.json"), "utf8");
  const genesis = parseGenesis(genesisText);
  assert.equal(genesis.chainId, "grid-7");
  assert.deepEqual(
    genesis.validators.map((v) => toHex(v.pubKey)),
    r.nodes.map((n) => n.publicKey),
  );
  assert.ok(Math.abs(Number(genesis.genesisTimeMs) - Date.now()) < 120_000, "genesis time is now");
  const appState = genesis.appState as {
    identity: { cas: { publicKey: string }[] };
    coin: { denom: string };
  };
  assert.equal(appState.identity.cas[0]!.publicKey, r.caPublicKey);
  assert.equal(appState.coin.denom, "NRG");
  for (const n of r.nodes) {
    assert.equal(readFileSync(join(n.home, "genesis.json"), "utf8"), genesisText);
    const opts = loadNodeOptions(n.home);
    assert.equal(opts.api.port, n.apiPort);
    assert.equal(opts.validatorPublicKey, n.publicKey);
    const ks = await decryptKeystore(
      readFileSync(join(n.home, "keys", "validator.keystore.json"), "utf8"),
      "ca password",
    );
    assert.equal(ks.address, n.address);
  }
  assert.equal(statSync(r.caKeystore).mode & 0o777, 0o600);

  assert.equal(notEmpty!.code, 2, describeRun(notEmpty!));
  assert.equal(errorCodeOf(notEmpty!), "INIT_OUT_NOT_EMPTY_PARAM");
  // 2 validators from port 65535 would need port 65536.
  assert.equal(badPort!.code, 2, describeRun(badPort!));
  assert.equal(errorCodeOf(badPort!), "CLI_INVALID_PARAM");
  assert.equal((jsonOf(badPort!).error as { details: { flag: string } }).details.flag, "--api-port");
  assert.ok(!existsSync(join(dir, "n2")), "nothing written on bad input");

  // ---- the account center issues two unlinkable wallets to one person ----
  const wallets = [1, 2].map((i) => keyPairFromSeed(sha256(Buffer.from(`wallet-${i}`))));
  const salt = "ab".repeat(32);
  const issue = (i: number, serial: string, extra: string[] = []) => [
    "ca",
    "issue",
    "--ca-keystore",
    r.caKeystore,
    "--subject-id",
    "meter-0042",
    "--role",
    "energy-node",
    "--public-key",
    toHex(wallets[i]!.publicKey),
    "--chain-id",
    "grid-7",
    "--serial",
    serial,
    "--out",
    join(dir, `w${i}.cert.hex`),
    "--password-file",
    pw,
    "--insecure-fast-kdf",
    "--json",
    ...extra,
  ];
  const [i0] = await cliAll([issue(0, "100", ["--wallet-salt", salt])]);
  assert.equal(i0!.code, 0, describeRun(i0!));
  const [i1, reused, badKey] = await cliAll([
    issue(1, "101", ["--valid-days", "10"]),
    issue(1, "100", ["--out", join(dir, "other.hex")]),
    [
      "ca",
      "issue",
      "--ca-keystore",
      r.caKeystore,
      "--subject-id",
      "x",
      "--role",
      "patient",
      "--public-key",
      "abc",
      "--chain-id",
      "grid-7",
      "--serial",
      "1",
      "--out",
      join(dir, "k.hex"),
      "--json",
    ],
  ]);
  assert.equal(i1!.code, 0, describeRun(i1!));
  const e0 = jsonOf(i0!) as Record<string, string>;
  const e1 = jsonOf(i1!) as Record<string, string>;
  assert.equal(e0.salt, salt);
  assert.equal(e0.subject, toHex(sha256Concat(sha256(Buffer.from("meter-0042")), fromHex(salt))));
  assert.notEqual(e0.subject, e1.subject);
  const cert = decode(certificateCodec, fromHex(readFileSync(join(dir, "w1.cert.hex"), "utf8").trim()));
  assert.equal(verifyCertificateSignature(cert), true);
  assert.equal(toHex(cert.caPublicKey), r.caPublicKey);
  assert.equal(cert.role, "energy-node");
  assert.equal(cert.serial, 101n);
  assert.equal(cert.chainId, "grid-7");
  assert.equal(cert.notAfterMs - cert.notBeforeMs, 10n * 86_400_000n);
  assert.equal(toHex(cert.subject), e1.subject);

  assert.equal(reused!.code, 1);
  assert.equal(errorCodeOf(reused!), "ACCOUNT_CENTER_SERIAL_REUSED");
  assert.equal(badKey!.code, 2);
  assert.equal(errorCodeOf(badKey!), "CLI_INVALID_PARAM");

  const registryText = readFileSync(join(out, "ca", "account-center.registry.json"), "utf8");
  assert.ok(
    !registryText.includes("meter-0042") && !registryText.includes(e0.address!),
    "mapping is encrypted",
  );

  const [lookup, unknown] = await cliAll([
    [
      "ca",
      "lookup",
      "--subject-id",
      "meter-0042",
      "--ca-keystore",
      r.caKeystore,
      "--password-file",
      pw,
      "--json",
    ],
    [
      "ca",
      "lookup",
      "--subject-id",
      "meter-9999",
      "--ca-keystore",
      r.caKeystore,
      "--password-file",
      pw,
      "--json",
    ],
  ]);
  assert.equal(lookup!.code, 0, describeRun(lookup!));
  const found = (jsonOf(lookup!) as { wallets: { address: string; salt: string; serial: string }[] }).wallets;
  assert.deepEqual(
    found.map((w) => [w.address, w.serial, w.salt]),
    [
      [e0.address, "100", salt],
      [e1.address, "101", e1.salt],
    ],
  );
  assert.equal(unknown!.code, 1);
  assert.equal(errorCodeOf(unknown!), "ACCOUNT_CENTER_UNKNOWN_SUBJECT");
});
