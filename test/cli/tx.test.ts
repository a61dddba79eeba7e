/**
 * tx / query / verify-receipt against a live node started in this process (solo engine + HTTP
 * API on an ephemeral loopback port); the CLI runs as child processes.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type ApiServer, createApiServer } from "../../src/api/server.js";
import { SCRYPT_INSECURE_FAST } from "../../src/crypto/keystore.js";
import { issueWallet } from "../../src/node/accountCenter.js";
import { loadNodeOptions } from "../../src/node/config.js";
import { initNetwork } from "../../src/node/initNetwork.js";
import { type ConsortiaNode, startNode } from "../../src/node/node.js";
import { PRESETS } from "../../src/node/presets.js";
import { createClient } from "../../src/sdk/client.js";
import { createKey, type KeyInfo, unlockKey } from "../../src/sdk/keyring.js";
import { seededBytes } from "../helpers/chain.js";
import { cliAll, describeRun, errorCodeOf, jsonOf } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-cli-tx-"));
const PASSWORD = "node password";
let node: ConsortiaNode;
let api: ApiServer;
let url: string;
let alice: KeyInfo;
let validatorKeystore: string;
let validatorAddress: string;
let caKeystore: string;
let certFile: string;

before(async () => {
  // CheckTx judges certificate validity by the last block's time (here: genesis), so the
  // certificate must not start after it.
  const genesisMs = Date.now() - 60_000;
  const net = await initNetwork({
    out: join(dir, "net"),
    validators: 1,
    preset: PRESETS.healthchain,
    basePort: 26_680,
    password: PASSWORD,
    scrypt: SCRYPT_INSECURE_FAST,
    force: false,
    nowMs: genesisMs,
    randomBytes: seededBytes("cli-tx"),
  });
  const home = net.nodes[0]!.home;
  validatorKeystore = join(home, "keys", "validator.keystore.json");
  validatorAddress = net.nodes[0]!.address;
  caKeystore = net.caKeystore;
  const base = loadNodeOptions(home);
  const options = {
    ...base,
    api: { ...base.api, port: 0 },
    solo: { ...base.solo, blockIntervalMs: 50 },
    verifyThreads: 0,
  };
  node = await startNode(home, options);
  api = createApiServer({ node }, options.api);
  url = (await api.start()).url;

  alice = await createKey(join(dir, "keys"), "alice", PASSWORD, {
    createdAt: new Date().toISOString(),
    scrypt: SCRYPT_INSECURE_FAST,
  });
  const ca = await unlockKey("", caKeystore, PASSWORD);
  const issued = await issueWallet({
    caSecretKey: ca.secretKey,
    subjectId: "patient-7",
    role: "patient",
    subjectPublicKey: Buffer.from(alice.publicKey, "hex"),
    chainId: net.chainId,
    serial: 500n,
    validDays: 30,
    nowMs: genesisMs,
    registryPath: join(dir, "registry.json"),
    password: PASSWORD,
    registry: { scrypt: SCRYPT_INSECURE_FAST },
  });
  certFile = join(dir, "alice.cert.hex");
  writeFileSync(certFile, `${issued.certificateHex}\n`);
  writeFileSync(join(dir, "pw"), PASSWORD);
});

after(async () => {
  await api?.stop();
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("tx register / transfer / revoke, queries and receipts through the CLI", async () => {
  const common = [
    "--keys-dir",
    join(dir, "keys"),
    "--password-file",
    join(dir, "pw"),
    "--api",
    url,
    "--json",
  ];
  const transfer = (amount: string, extra: string[] = []) => [
    "tx",
    "transfer",
    "--key",
    validatorKeystore,
    "--to",
    alice.address,
    "--amount",
    amount,
    ...common,
    ...extra,
  ];
  const [reg, f15, neg, exp, big] = await cliAll([
    ["tx", "register", "--key", "alice", "--cert", certFile, "--wait", ...common],
    transfer("1.5"),
    transfer("-1"),
    transfer("1e3"),
    transfer((1n << 128n).toString()),
  ]);
  assert.equal(reg!.code, 0, describeRun(reg!));
  const r = jsonOf(reg!) as {
    hash: string;
    sender: string;
    nonce: string;
    committed: { height: string; result: { code: number } };
  };
  assert.equal(r.sender, alice.address);
  assert.equal(r.nonce, "0");
  assert.equal(r.committed.result.code, 0);
  for (const res of [f15!, neg!, exp!, big!]) {
    assert.equal(res.code, 2, describeRun(res));
    assert.equal(errorCodeOf(res), "AMOUNT_INVALID_PARAM");
    assert.equal((jsonOf(res).error as { details: { field: string } }).details.field, "--amount");
  }

  // Transfers need a registered recipient, so these follow the registration.
  const [xfer, identity, overdraft] = await cliAll([
    transfer("5000", ["--wait"]),
    ["query", "identity", alice.address, "--api", url, "--json"],
    // Admission refuses it: the server's code comes back as the CLI's error code.
    ["tx", "transfer", "--key", "alice", "--to", validatorAddress, "--amount", "999999", ...common],
  ]);
  assert.equal(xfer!.code, 0, describeRun(xfer!));
  const x = jsonOf(xfer!) as { hash: string; sender: string; committed: { height: string; index: number } };
  assert.equal(x.sender, validatorAddress);
  assert.equal((jsonOf(identity!) as { role: string; serial: string }).serial, "500");
  assert.equal(overdraft!.code, 1, describeRun(overdraft!));
  assert.equal(errorCodeOf(overdraft!), "COIN_INSUFFICIENT_FUNDS");

  const receiptFile = join(dir, "receipt.json");
  const [account, txq, block, rec] = await cliAll([
    ["query", "account", alice.address, "--api", url, "--json"],
    ["query", "tx", x.hash, "--api", url, "--json"],
    ["query", "block", x.committed.height, "--api", url, "--json"],
    ["query", "receipt", x.hash, "--out", receiptFile, "--api", url, "--json"],
  ]);
  const acct = jsonOf(account!) as { balance: string; nonce: string; identity: { role: string } };
  assert.equal(acct.balance, "5000");
  assert.equal(acct.nonce, "1");
  assert.equal(acct.identity.role, "patient");
  const status = jsonOf(txq!) as { status: string; height: string; index: number };
  assert.deepEqual(
    [status.status, status.height, status.index],
    ["committed", x.committed.height, x.committed.index],
  );
  const blk = jsonOf(block!) as { hash: string; height: string; txs: { hash: string }[] };
  assert.equal(blk.height, x.committed.height);
  assert.ok(blk.txs.some((t) => t.hash === x.hash));
  assert.equal(rec!.code, 0, describeRun(rec!));

  // ---- offline verification of the saved receipt, then of tampered copies ----
  const saved = JSON.parse(readFileSync(receiptFile, "utf8")) as { tx: string; txHash: string };
  const tampered = join(dir, "tampered.json");
  const flip = saved.tx.slice(0, -1) + (saved.tx.endsWith("0") ? "1" : "0");
  writeFileSync(tampered, JSON.stringify({ ...saved, tx: flip }));
  const [ok, wrongAnchor, bad, revoke] = await cliAll([
    ["verify-receipt", receiptFile, "--trusted-header-hash", blk.hash, "--json"],
    ["verify-receipt", receiptFile, "--trusted-header-hash", "ab".repeat(32), "--json"],
    ["verify-receipt", tampered, "--json"],
    [
      "tx",
      "revoke",
      "--key",
      caKeystore,
      "--address",
      alice.address,
      "--reason",
      "device lost",
      "--wait",
      ...common,
    ],
  ]);
  assert.equal(ok!.code, 0, describeRun(ok!));
  const v = jsonOf(ok!) as { ok: boolean; height: string; txHash: string; blockHash: string; anchor: string };
  assert.deepEqual(
    [v.ok, v.height, v.txHash, v.blockHash, v.anchor],
    [true, x.committed.height, x.hash.toUpperCase(), blk.hash.toUpperCase(), "trusted-header-hash"],
  );
  assert.equal(wrongAnchor!.code, 1);
  assert.equal(errorCodeOf(wrongAnchor!), "RECEIPT_HEADER_MISMATCH");
  assert.equal(bad!.code, 1);
  assert.equal(errorCodeOf(bad!), "RECEIPT_TX_HASH_MISMATCH");
  assert.equal(revoke!.code, 0, describeRun(revoke!));
  assert.equal((await createClient(url).getIdentity(alice.address)).revoked, true);
});
