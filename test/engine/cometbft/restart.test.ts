import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { Application } from "../../../src/app/application.js";
import { readNonce } from "../../../src/app/nonce.js";
import { addressFromPublicKey } from "../../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import { writeCometHome } from "../../../src/engine/cometbft/files.js";
import { defaultCometbftOptions } from "../../../src/engine/cometbft/options.js";
import {
  type CometRestartEvent,
  type CometRuntime,
  startCometRuntime,
} from "../../../src/engine/cometbft/runtime.js";
import type { ConsortiaError } from "../../../src/errors.js";
import { localCometOptions } from "../../../src/node/cometHomes.js";
import { type Devnet, freePortBlock, startDevnet } from "../../../src/node/devnet.js";
import { defaultModules } from "../../../src/node/modules.js";
import { createNetworkMaterial, issueCertificate } from "../../../src/node/network.js";
import { PRESETS } from "../../../src/node/presets.js";
import { buildRegister, buildTransfer } from "../../../src/sdk/tx.js";
import { MemoryStore } from "../../../src/storage/memoryStore.js";
import { seededBytes, testKey } from "../../helpers/chain.js";

/**
 * The node survives its cometbft child dying: SIGKILL it between FinalizeBlock and Commit (the
 * worst moment: the application holds a block CometBFT never saw committed), and the runtime
 * restarts it, the ABCI server resets the application for the new session, the handshake replays
 * the block, and the chain keeps committing — all without restarting the node process.
 */

let net: Devnet | undefined;
after(() => net?.stop());

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("SIGKILL cometbft before Commit: the node restarts it, the block is replayed, commits continue", async () => {
  const exits: ConsortiaError[] = [];
  const nowMs = Date.now() - 1000;
  net = await startDevnet({
    validators: 1,
    preset: PRESETS.healthchain,
    basePort: 0,
    nowMs,
    randomBytes: seededBytes("restart-1"),
    logLevel: "error",
    onNodeExit: (_name, err) => exits.push(err),
  });
  const m = net.material!;
  const { node, home } = net.nodes[0]!;
  const app = node.app;
  const pidPath = join(home, "cometbft", "cometbft.pid");
  const pidNow = () => (existsSync(pidPath) ? Number(readFileSync(pidPath, "utf8").trim()) : undefined);
  const pid1 = pidNow();
  assert.ok(pid1 !== undefined && alive(pid1), "cometbft pid file");
  const from = m.validators[0]!;
  const recipient = testKey("restart-recipient");
  // Devnet validators may have sent transactions of their own at startup (the record holder).
  let nonce = readNonce(node.store, from.address);
  const transfer = () =>
    buildTransfer(
      from.keys.secretKey,
      { chainId: m.chainId, nonce: nonce++, fee: 1n },
      addressFromPublicKey(recipient.publicKey),
      1n,
    );

  // A second identity to pay (a transfer needs a registered recipient).
  const cert = issueCertificate(m.ca.secretKey, {
    chainId: m.chainId,
    serial: 1000n,
    subjectPublicKey: recipient.publicKey,
    subject: sha256(recipient.publicKey),
    role: "patient",
    notBeforeMs: BigInt(nowMs),
    notAfterMs: BigInt(nowMs) + 86_400_000n,
  });
  const first = buildRegister(recipient.secretKey, { chainId: m.chainId, nonce: 0n, fee: 0n }, cert);
  assert.equal((await node.engine.submit(first)).code, 0);
  const h1 = (await node.engine.waitForCommit(toHex(app.txHashOf(first)), 20_000)).height;

  // Kill cometbft right after the application finalized the block carrying `second`, before its
  // Commit. (Not just the next block: with no commit pause that may be the empty proof block.)
  const second = transfer();
  const secondHash = toHex(app.txHashOf(second));
  let killedAt: bigint | undefined;
  const finalize = app.finalizeBlock.bind(app);
  app.finalizeBlock = (req) => {
    const res = finalize(req);
    if (killedAt === undefined && req.txs.some((t) => toHex(app.txHashOf(t)) === secondHash)) {
      killedAt = req.height;
      process.kill(pid1, "SIGKILL");
    }
    return res;
  };
  const sub2 = await node.engine.submit(second);
  assert.equal(sub2.code, 0, sub2.log);
  const dropped = await waitFor("the kill", () => killedAt, 20_000);
  app.finalizeBlock = finalize;
  assert.ok(dropped > h1);
  await waitFor("cometbft to exit", () => (alive(pid1) ? undefined : true), 10_000);
  assert.equal(app.height, dropped - 1n, "the killed block was never committed");

  // The runtime restarts it (1 s backoff); the handshake replays block `dropped` through our app.
  const pid2 = await waitFor(
    "a restarted cometbft",
    () => {
      const p = pidNow();
      return p !== undefined && p !== pid1 && alive(p) ? p : undefined;
    },
    60_000,
  );
  await waitFor("the replay of the dropped block", () => (app.height >= dropped ? true : undefined), 60_000);
  const stored = await node.store.getBlock(dropped);
  assert.ok(stored, `block ${dropped} is in our store`);
  assert.ok(
    stored.txs.some((t) => toHex(app.txHashOf(t)) === secondHash),
    "the replayed block carries the transaction finalized before the kill",
  );

  // And it keeps committing, through the same engine object the API holds.
  const third = await waitFor(
    "the engine to admit again",
    () => (node.engine.height >= dropped ? transfer() : undefined),
    10_000,
  );
  let admitted = await node.engine.submit(third);
  for (let i = 0; admitted.code !== 0 && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 200));
    admitted = await node.engine.submit(third);
  }
  assert.equal(admitted.code, 0, admitted.log);
  const h3 = (await node.engine.waitForCommit(admitted.hash, 20_000)).height;
  assert.ok(h3 > dropped, `committed at ${h3} after the restart`);
  assert.ok(alive(pid2));
  assert.deepEqual(
    exits.map((e) => e.message),
    [],
    "the node never gave up",
  );
});

test("the restart budget: once it is spent, the next exit is final (onExit), the engine refuses", async () => {
  const dir = mkdtempSync(join(tmpdir(), "consortia-restart-"));
  const material = createNetworkMaterial({
    validators: 1,
    preset: PRESETS.healthchain,
    genesisTimeMs: Date.now() - 1000,
    randomBytes: seededBytes("restart-budget"),
  });
  const base = await freePortBlock(2);
  const options = {
    ...defaultCometbftOptions,
    ...localCometOptions(1),
    rpcPort: base,
    p2pPort: base + 1,
    abciAddress: "tcp://127.0.0.1:0",
    logLevel: "error",
  };
  const cometHome = join(dir, "cometbft");
  writeCometHome(cometHome, {
    genesisJson: material.genesisJson,
    validatorSecretKey: material.validators[0]!.keys.secretKey,
    nodeSecretKey: seededBytes("restart-budget-node")(32),
    config: { moniker: "budget", options },
  });
  const app = new Application(
    { store: new MemoryStore(), ...defaultModules() },
    { chainId: material.chainId },
  );
  const restarts: CometRestartEvent[] = [];
  const exits: ConsortiaError[] = [];
  let runtime: CometRuntime | undefined;
  try {
    runtime = await startCometRuntime({
      cometHome,
      moniker: "budget",
      options,
      genesisJson: material.genesisJson,
      app,
      abciLog: () => undefined,
      restart: { maxRestarts: 1, windowMs: 60_000, backoffMs: 50 },
      onRestart: (r) => restarts.push(r),
      onExit: (e) => exits.push(e),
    });
    const rt = runtime;
    const pid1 = rt.process.pid!;
    process.kill(pid1, "SIGKILL");
    const pid2 = await waitFor(
      "the restart",
      () => (rt.process.pid !== pid1 && rt.process.running ? rt.process.pid : undefined),
      30_000,
    );
    assert.deepEqual(
      restarts.map((r) => [r.attempt, r.delayMs, r.error.code]),
      [[1, 50, "COMET_EXITED"]],
    );
    assert.equal(exits.length, 0);
    process.kill(pid2, "SIGKILL");
    const final = await waitFor("the final exit", () => exits[0], 30_000);
    assert.equal(final.code, "COMET_EXITED");
    assert.match(final.message, /not restarting again/);
    assert.equal(restarts.length, 1, "no second restart within the window");
    const refused = await rt.engine.submit(new Uint8Array([1, 2, 3]));
    assert.equal(refused.errorCode, "COMET_EXITED");
    await rt.stop();
    assert.equal(existsSync(join(cometHome, "cometbft.pid")), false);
  } finally {
    await runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
