import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import { validatorAddressHex } from "../../../src/engine/cometbft/files.js";
import {
  COMETBFT_VERSION,
  type CometExit,
  CometProcess,
  resolveCometBinary,
} from "../../../src/engine/cometbft/process.js";
import { CometRpc } from "../../../src/engine/cometbft/rpc.js";
import { isConsortiaError } from "../../../src/errors.js";
import { kvstoreHome } from "./kvstore.js";

const procs: CometProcess[] = [];
const cleanup: Array<() => Promise<unknown> | unknown> = [];
// Children first, whatever failed: a leaked cometbft would hold its ports and directory.
after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  for (const f of cleanup.reverse()) await f();
});

test("a home written in TypeScript is the one cometbft itself reads (node id, validator key)", async () => {
  const h = await kvstoreHome("files");
  cleanup.push(() => rmSync(h.dir, { recursive: true, force: true }));
  const bin = await resolveCometBinary();
  assert.equal(execFileSync(bin, ["version"]).toString().trim(), COMETBFT_VERSION);
  const id = execFileSync(bin, ["show-node-id", "--home", h.home]).toString().trim();
  assert.equal(id, h.nodeId);
  assert.equal(id, toHex(sha256(h.node.publicKey)).slice(0, 40));
  const shown = JSON.parse(execFileSync(bin, ["show-validator", "--home", h.home]).toString()) as {
    type: string;
    value: string;
  };
  assert.deepEqual(shown, {
    type: "tendermint/PubKeyEd25519",
    value: Buffer.from(h.validator.publicKey).toString("base64"),
  });
  const key = JSON.parse(readFileSync(join(h.home, "config/priv_validator_key.json"), "utf8")) as {
    address: string;
  };
  assert.equal(key.address, validatorAddressHex(h.validator.publicKey));
  assert.match(key.address, /^[0-9A-F]{40}$/);
});

test("kvstore: readiness, every RPC call, an unexpected exit reported with the log tail", async () => {
  const h = await kvstoreHome("proc");
  cleanup.push(() => rmSync(h.dir, { recursive: true, force: true }));
  const exits: CometExit[] = [];
  const proc = new CometProcess({
    home: h.home,
    binary: await resolveCometBinary(),
    rpcUrl: h.rpcUrl,
    startTimeoutMs: 20_000,
    stopTimeoutMs: 5000,
    onUnexpectedExit: (e) => exits.push(e),
  });
  procs.push(proc);
  await proc.start();
  assert.ok(proc.running);
  const rpc = new CometRpc({ url: h.rpcUrl });
  const status = await rpc.status();
  assert.equal(status.node_info.id, h.nodeId);
  assert.equal(status.node_info.network, "kv-proc");
  assert.equal(status.validator_info.voting_power, 10n);

  const tx = Buffer.from("color=blue");
  const sync = await rpc.broadcastTxSync(tx);
  assert.equal(sync.code, 0);
  assert.equal(sync.hash, toHex(sha256(tx)));
  const dup = await rpc.broadcastTxSync(tx).catch((e: unknown) => e);
  assert.ok(isConsortiaError(dup, "COMET_RPC_ERROR"));
  assert.match(String(dup.details.data), /already exists in cache/);

  const committed = await rpc.broadcastTxCommit(Buffer.from("shape=round"));
  assert.equal(committed.check_tx.code, 0);
  assert.equal(committed.tx_result.code, 0);
  assert.ok(committed.height >= 1n);
  const found = await rpc.tx(committed.hash);
  assert.equal(found.height, committed.height);
  assert.equal(Buffer.from(found.tx).toString(), "shape=round");
  assert.ok(found.proof, "prove=true returns a proof");
  const block = await rpc.block(committed.height);
  assert.equal(block.block.header.height, committed.height);
  assert.ok(block.block.data.txs?.includes(Buffer.from("shape=round").toString("base64")));
  assert.equal(block.block.header.data_hash, found.proof.root_hash);
  const commit = await rpc.commit(committed.height);
  assert.equal(commit.signed_header.commit.block_id.hash, block.block_id.hash);
  assert.equal(commit.signed_header.commit.signatures.length, 1);
  const vals = await rpc.validators(committed.height);
  assert.equal(vals.validators.length, 1);
  assert.equal(vals.validators[0]!.address, validatorAddressHex(h.validator.publicKey).toLowerCase());
  const pending = await rpc.numUnconfirmedTxs();
  assert.ok(pending.count >= 0);
  const future = await rpc.block(10_000_000n).catch((e: unknown) => e);
  assert.ok(isConsortiaError(future, "COMET_RPC_ERROR"));

  // Killed behind our back: the listener gets COMET_EXITED with the last log lines.
  process.kill(proc.pid!, "SIGKILL");
  for (let i = 0; i < 100 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(exits.length, 1);
  assert.equal(exits[0]!.error.code, "COMET_EXITED");
  assert.equal(exits[0]!.signal, "SIGKILL");
  assert.ok(exits[0]!.log.length > 0, "log tail included");
  assert.equal(proc.running, false);
  const gone = await rpc.status().catch((e: unknown) => e);
  assert.ok(isConsortiaError(gone, "COMET_RPC_UNAVAILABLE"));
  await proc.stop();
});

test("a clean stop is not reported; a port in use fails start with the log tail", async () => {
  // Accepts and drops every connection: the port is taken, and readiness probes fail fast.
  const busy = createServer((s) => s.destroy());
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  cleanup.push(() => new Promise((r) => busy.close(r)));
  const port = (busy.address() as { port: number }).port;
  const h = await kvstoreHome("busy", { rpcPort: port });
  cleanup.push(() => rmSync(h.dir, { recursive: true, force: true }));
  const exits: CometExit[] = [];
  const proc = new CometProcess({
    home: h.home,
    binary: await resolveCometBinary(),
    rpcUrl: h.rpcUrl,
    startTimeoutMs: 20_000,
    stopTimeoutMs: 5000,
    onUnexpectedExit: (e) => exits.push(e),
  });
  procs.push(proc);
  const err = await proc.start().catch((e: unknown) => e);
  assert.ok(isConsortiaError(err, "COMET_START_FAILED"), String(err));
  assert.match(err.message, /address already in use/);
  assert.equal(exits.length, 0, "a failed start is an error, not an exit report");

  const ok = await kvstoreHome("clean");
  cleanup.push(() => rmSync(ok.dir, { recursive: true, force: true }));
  const clean = new CometProcess({
    home: ok.home,
    binary: await resolveCometBinary(),
    rpcUrl: ok.rpcUrl,
    startTimeoutMs: 20_000,
    stopTimeoutMs: 5000,
    onUnexpectedExit: (e) => exits.push(e),
  });
  procs.push(clean);
  await clean.start();
  await clean.stop();
  assert.equal(clean.running, false);
  assert.equal(exits.length, 0);
});

test("binary resolution: missing path and wrong version are typed errors", async () => {
  const missing = await resolveCometBinary("/nonexistent/cometbft").catch((e: unknown) => e);
  assert.ok(isConsortiaError(missing, "COMET_BINARY_NOT_FOUND"));
  const h = await kvstoreHome("fakebin");
  cleanup.push(() => rmSync(h.dir, { recursive: true, force: true }));
  const fake = join(h.dir, "fake-cometbft");
  writeFileSync(fake, "#!/bin/sh\necho 0.37.4\n");
  chmodSync(fake, 0o755);
  const wrong = await resolveCometBinary(fake).catch((e: unknown) => e);
  assert.ok(isConsortiaError(wrong, "COMET_BINARY_VERSION"));
  assert.deepEqual([wrong.details.found, wrong.details.expected], ["0.37.4", COMETBFT_VERSION]);
});
