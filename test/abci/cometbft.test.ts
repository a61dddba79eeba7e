import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type AbciServer, createAbciServer } from "../../src/abci/server.js";
import { addressFromPublicKey } from "../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../src/crypto/hash.js";
import type { CommittedBlockEvent } from "../../src/engine/types.js";
import { ConsortiaError, errorCodeInfo } from "../../src/errors.js";
import { buildTransfer } from "../../src/sdk/tx.js";
import { testKey } from "../helpers/chain.js";
import { type AbciTestApp, openAbciTestApp, registerTx } from "./helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const COMETBFT = join(ROOT, ".bin", "cometbft");
const missing = existsSync(COMETBFT) ? false : `${COMETBFT} is missing (run scripts/setup.sh to build it)`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = a && typeof a === "object" ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  log: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; cometbft output tail:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface RpcTxCommit {
  check_tx: { code: number; log: string; info: string; codespace: string };
  tx_result: { code: number; log: string; info: string };
  hash: string;
  height: string;
}

describe("ABCI server driven by a real CometBFT v0.38 node", { skip: missing }, () => {
  let t: AbciTestApp;
  let server: AbciServer | undefined;
  let node: ChildProcess | undefined;
  let home: string;
  let abciAddress: string;
  let rpcPort: number;
  let output = "";
  const committed: CommittedBlockEvent[] = [];
  const recipientKey = testKey("cometbft-recipient");
  const recipient = addressFromPublicKey(recipientKey.publicKey);
  const killOnExit = () => node?.kill("SIGKILL");

  const tail = () => output.slice(-4000);
  const rpc = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${rpcPort}/${path}`);
    const body = (await res.json()) as { result?: T; error?: unknown };
    if (body.error !== undefined || body.result === undefined) {
      assert.fail(`rpc ${path}: ${JSON.stringify(body.error)}`);
    }
    return body.result;
  };
  const height = async () =>
    BigInt(
      (await rpc<{ sync_info: { latest_block_height: string } }>("status")).sync_info.latest_block_height,
    );
  const broadcast = (tx: Uint8Array) => rpc<RpcTxCommit>(`broadcast_tx_commit?tx=0x${toHex(tx)}`);

  const startApp = async () => {
    server = createAbciServer({ app: t.app }, { address: abciAddress, log: () => undefined });
    server.onCommitted((e) => committed.push(e));
    await server.start();
  };
  const startNode = () => {
    const child = spawn(COMETBFT, ["start", "--home", home], { stdio: ["ignore", "pipe", "pipe"] });
    const collect = (d: Buffer) => {
      output = (output + d.toString()).slice(-200_000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    node = child;
    return child;
  };
  const exited = (child: ChildProcess, ms: number) =>
    new Promise<boolean>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  before(async () => {
    // Genesis slightly in the past: CometBFT sleeps until genesis_time before its first block.
    const genesisMs = Math.floor(Date.now() / 1000) * 1000 - 5000;
    t = await openAbciTestApp("abci-cometbft", genesisMs);
    home = join(t.dir, "cometbft");
    const init = spawnSync(COMETBFT, ["init", "--home", home], { encoding: "utf8" });
    assert.equal(init.status, 0, init.stderr);
    const v = t.material.validators[0]!;
    writeFileSync(join(home, "config", "genesis.json"), t.material.genesisJson);
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
    writeFileSync(
      join(home, "config", "priv_validator_key.json"),
      JSON.stringify({
        address: toHex(v.address).toUpperCase(),
        pub_key: { type: "tendermint/PubKeyEd25519", value: b64(v.keys.publicKey) },
        priv_key: {
          type: "tendermint/PrivKeyEd25519",
          value: b64(Buffer.concat([v.keys.secretKey, v.keys.publicKey])),
        },
      }),
    );
    const [abciPort, p2pPort] = [await freePort(), await freePort()];
    rpcPort = await freePort();
    abciAddress = `tcp://127.0.0.1:${abciPort}`;
    const cfgPath = join(home, "config", "config.toml");
    const cfg = readFileSync(cfgPath, "utf8")
      .replace(/^proxy_app = .*$/m, `proxy_app = "${abciAddress}"`)
      .replace(/^laddr = "tcp:\/\/127\.0\.0\.1:26657"$/m, `laddr = "tcp://127.0.0.1:${rpcPort}"`)
      .replace(/^laddr = "tcp:\/\/0\.0\.0\.0:26656"$/m, `laddr = "tcp://127.0.0.1:${p2pPort}"`)
      .replace(/^timeout_commit = .*$/m, 'timeout_commit = "200ms"')
      // Empty blocks on: the crash/replay test needs the chain to advance without transactions
      // (an idle Consortia chain no longer changes its app hash, so CometBFT would otherwise rest).
      .replace(/^create_empty_blocks = .*$/m, "create_empty_blocks = true")
      .replace(/^pex = .*$/m, "pex = false");
    for (const want of [abciAddress, `127.0.0.1:${rpcPort}`, `127.0.0.1:${p2pPort}`, '"200ms"']) {
      assert.ok(cfg.includes(want), `config.toml edit for ${want}`);
    }
    writeFileSync(cfgPath, cfg);
    process.once("exit", killOnExit);
    await startApp();
    startNode();
  });

  after(async () => {
    if (node && node.exitCode === null && node.signalCode === null) {
      node.kill("SIGTERM");
      if (!(await exited(node, 5000))) node.kill("SIGKILL");
    }
    process.off("exit", killOnExit);
    await server?.stop();
    await t?.close();
  });

  test("handshake: InitChain from genesis, then blocks are finalized and committed into our store", async () => {
    const h = await waitFor(
      "height 2",
      async () => ((await height()) >= 2n ? true : undefined),
      20_000,
      tail,
    );
    assert.ok(h);
    assert.ok(t.app.height >= 1n);
    const b1 = await t.store.getBlock(1n);
    assert.ok(b1, "store has block 1");
    const meta = await rpc<{ block_id: { hash: string } }>("block?height=1");
    assert.equal(toHex(b1.hash).toUpperCase(), meta.block_id.hash, "block hash is CometBFT's");
  });

  test("broadcast_tx_commit: registration and a transfer execute with code 0; query through CometBFT", async () => {
    const v = t.material.validators[0]!;
    const reg = await broadcast(registerTx(t, recipientKey, 100n));
    assert.equal(reg.check_tx.code, 0, reg.check_tx.log);
    assert.equal(reg.tx_result.code, 0, reg.tx_result.log);
    const tx = buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce: 0n, fee: 10n },
      recipient,
      5000n,
    );
    const before = await height();
    const res = await broadcast(tx);
    assert.equal(res.check_tx.code, 0, res.check_tx.log);
    assert.equal(res.tx_result.code, 0, res.tx_result.log);
    const h = BigInt(res.height);
    assert.ok(h >= before, "height advances");
    assert.equal(res.hash, toHex(sha256(tx)).toUpperCase(), "CometBFT's tx hash is our tx hash");
    const stored = await t.store.getBlock(h);
    assert.ok(stored, `store has block ${h}`);
    assert.ok(stored.txs.some((x) => toHex(x) === toHex(tx)));
    const ev = committed.find((e) => e.height === h);
    assert.ok(ev?.txHashes.includes(toHex(sha256(tx))), "committed event carries the tx hash");

    const q = await rpc<{ response: { code: number; value: string } }>(
      `abci_query?path=${encodeURIComponent(`"coin/balance/${toHex(recipient)}"`)}`,
    );
    assert.equal(q.response.code, 0);
    const value = JSON.parse(Buffer.from(q.response.value, "base64").toString()) as { balance: string };
    assert.equal(value.balance, "5000");

    // Same nonce, different bytes (CometBFT's cache would refuse identical bytes before asking us).
    const replay = buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce: 0n, fee: 10n },
      recipient,
      1n,
    );
    const bad = await broadcast(replay);
    assert.equal(
      bad.check_tx.code,
      errorCodeInfo("TX_BAD_NONCE").num,
      "a reused nonce is refused at CheckTx",
    );
    assert.equal(bad.check_tx.codespace, "consortia");
    assert.equal(bad.check_tx.info, "TX_BAD_NONCE");
  });

  test("crash before Commit: CometBFT exits; restarted, its handshake replays the block and the app hashes match", async () => {
    const first = node!;
    const crashed = server!;
    const app = t.app;
    // Drop every connection when Commit for `target` arrives: CometBFT has stored the block (and
    // its FinalizeBlock responses); the application has not persisted it.
    const target = app.height + 2n;
    const origCommit = app.commit.bind(app);
    app.commit = () => {
      if (app.height + 1n !== target) return origCommit();
      void crashed.stop();
      return Promise.reject(new ConsortiaError("INTERNAL", "simulated crash before Commit"));
    };
    assert.ok(await exited(first, 15_000), `CometBFT exits when an ABCI connection drops:\n${tail()}`);
    await crashed.stop();
    await t.reopen();
    const appHeight = t.app.height;
    assert.equal(appHeight, target - 1n, "block `target` was never committed by the application");
    assert.equal(await t.store.getBlock(target), undefined);

    await startApp();
    startNode();
    await waitFor(
      "height after restart",
      async () => ((await height()) >= target + 3n ? true : undefined),
      20_000,
      tail,
    );
    assert.match(
      output,
      new RegExp(
        `ABCI Replay Blocks\\s+module=consensus appHeight=${appHeight} storeHeight=${target} stateHeight=(${appHeight}|${target})`,
      ),
      "the handshake found the application one block behind and replayed it",
    );
    assert.ok(await t.store.getBlock(target), "the replayed block is in our store");
    const v = t.material.validators[0]!;
    const tx = buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce: 1n, fee: 10n },
      recipient,
      7n,
    );
    const res = await broadcast(tx);
    assert.equal(res.tx_result.code, 0, res.tx_result.log);

    // Header H carries the app hash after H−1: it must equal what our store committed, across the restart.
    const top = await height();
    const from = top > 20n ? top - 19n : 2n;
    const chain = await rpc<{
      block_metas: Array<{ block_id: { hash: string }; header: { height: string; app_hash: string } }>;
    }>(`blockchain?minHeight=${from}&maxHeight=${top}`);
    assert.ok(chain.block_metas.length >= 5);
    for (const m of chain.block_metas) {
      const hgt = BigInt(m.header.height);
      const prev = await t.store.getBlock(hgt - 1n);
      assert.ok(prev, `store has block ${hgt - 1n}`);
      assert.equal(m.header.app_hash, toHex(prev.appHash).toUpperCase(), `app hash in header ${hgt}`);
      const own = await t.store.getBlock(hgt);
      if (own) assert.equal(toHex(own.hash).toUpperCase(), m.block_id.hash, `block hash ${hgt}`);
    }
    const heights = chain.block_metas.map((m) => BigInt(m.header.height));
    const lowest = heights.reduce((a, b) => (a < b ? a : b));
    const highest = heights.reduce((a, b) => (a > b ? a : b));
    assert.ok(
      lowest <= appHeight && highest > target + 1n,
      `range ${lowest}..${highest} spans the restart at ${appHeight}`,
    );
  });
});
