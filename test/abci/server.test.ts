import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { lstatSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  CheckTxType,
  MisbehaviorType,
  type Request,
  type Response,
} from "cosmjs-types/tendermint/abci/types";
import { AbciSocketClient } from "../../src/abci/client.js";
import type { AbciLogEntry } from "../../src/abci/log.js";
import { type AbciServer, createAbciServer, type FinalizedBlockEvent } from "../../src/abci/server.js";
import type { FinalizeBlockRequest } from "../../src/app/abci.js";
import { addressFromPublicKey } from "../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../src/crypto/hash.js";
import { createVerifyPool, type VerifyPool } from "../../src/crypto/verifyPool.js";
import type { CommittedBlockEvent } from "../../src/engine/types.js";
import { errorCodeInfo, isConsortiaError } from "../../src/errors.js";
import { buildTransfer } from "../../src/sdk/tx.js";
import { GENESIS_MS, testKey } from "../helpers/chain.js";
import { type AbciTestApp, initChainRequest, msToTimestamp, openAbciTestApp, registerTx } from "./helpers.js";

const hex = (b: Uint8Array | undefined) => (b ? toHex(b) : "<none>");
const NO_COMMIT = { round: 0, votes: [] };
const PROCESS = 1; // ResponseProcessProposal_ProposalStatus.ACCEPT
const REJECT = 2;

const STALE_SOCKET_HOLDER =
  "require('node:net').createServer().listen(process.argv[1], () => process.stdout.write('up'))";

function kindOf(r: Response): string {
  const k = Object.entries(r).find(([, v]) => v !== undefined);
  return k ? k[0] : "none";
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe("ABCI socket server, protocol level", () => {
  let t: AbciTestApp;
  let server: AbciServer;
  let client: AbciSocketClient;
  let pool: VerifyPool;
  const logs: AbciLogEntry[] = [];
  const finalized: FinalizedBlockEvent[] = [];
  const committed: CommittedBlockEvent[] = [];
  const extraClients: AbciSocketClient[] = [];
  const recipientKey = testKey("abci-recipient");
  const recipient = addressFromPublicKey(recipientKey.publicKey);
  let nonce = 0n;
  const transfer = (amount = 5000n) => {
    const v = t.material.validators[0]!;
    return buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce: nonce++, fee: 10n },
      recipient,
      amount,
    );
  };
  const checkTx = (tx: Uint8Array, type = CheckTxType.NEW): Request => ({ checkTx: { tx, type } });
  const blockFields = (height: bigint, txs: Uint8Array[]) => ({
    txs,
    misbehavior: [],
    hash: sha256(Buffer.from(`block-${height}`)),
    height,
    time: msToTimestamp(BigInt(GENESIS_MS) + height * 1000n),
    nextValidatorsHash: new Uint8Array(32),
    proposerAddress: t.material.validators[0]!.address,
  });
  const finalize = (height: bigint, txs: Uint8Array[]): Request => ({
    finalizeBlock: { ...blockFields(height, txs), decidedLastCommit: NO_COMMIT },
  });
  const connect = async () => {
    const c = await AbciSocketClient.connect(server.address());
    extraClients.push(c);
    return c;
  };

  before(async () => {
    t = await openAbciTestApp("abci-protocol", GENESIS_MS);
    pool = createVerifyPool({ threads: 1, inlineBelow: 1 });
    server = createAbciServer(
      { app: t.app, verifyPool: pool },
      { address: "tcp://127.0.0.1:0", log: (e) => logs.push(e) },
    );
    server.onFinalized((e) => finalized.push(e));
    server.onCommitted((e) => committed.push(e));
    await server.start();
    client = await AbciSocketClient.connect(server.address());
  });

  after(async () => {
    client?.close();
    for (const c of extraClients) c.close();
    await server?.stop();
    await pool?.close();
    await t?.close();
  });

  test("Echo, Info before genesis, InitChain maps validators and returns the app hash", async () => {
    const [echo, info] = await client.call([
      { echo: { message: "ping" } },
      { info: { version: "0.38.26", blockVersion: 11n, p2pVersion: 8n, abciVersion: "2.0.0" } },
    ]);
    assert.equal(echo?.echo?.message, "ping");
    assert.equal(info?.info?.lastBlockHeight, 0n);
    assert.equal(info?.info?.appVersion, 1n);
    assert.equal(info?.info?.version, "consortia/0.1.0");
    assert.equal(info?.info?.data, "consortia");

    const ic = (await client.callOne(initChainRequest(t))).initChain;
    assert.ok(ic, "InitChain response");
    assert.equal(hex(ic.appHash), hex(t.app.appHash));
    assert.equal(ic.appHash.length, 32);
    assert.equal(ic.validators.length, 1);
    assert.equal(hex(ic.validators[0]?.pubKey.ed25519), hex(t.material.validators[0]!.keys.publicKey));
    assert.equal(ic.validators[0]?.power, 10n);
  });

  test("CheckTx: a valid transfer is admitted; a bad signature is refused with its stable code", async () => {
    const good = transfer();
    const bad = good.slice();
    bad[bad.length - 1]! ^= 1;
    const [reg, ok, refused] = await client.call([
      checkTx(registerTx(t, recipientKey, 100n)),
      checkTx(good),
      checkTx(bad),
    ]);
    assert.equal(reg?.checkTx?.code, 0, reg?.checkTx?.log);
    assert.equal(ok?.checkTx?.code, 0, ok?.checkTx?.log);
    assert.equal(ok?.checkTx?.codespace, "");
    assert.ok((ok?.checkTx?.gasWanted ?? 0n) > 0n);
    assert.equal(refused?.checkTx?.code, errorCodeInfo("TX_BAD_SIGNATURE").num);
    assert.equal(refused?.checkTx?.info, "TX_BAD_SIGNATURE");
    assert.equal(refused?.checkTx?.codespace, "consortia");
    assert.match(refused?.checkTx?.log ?? "", /signature/);
  });

  test("Prepare/Process/FinalizeBlock/Commit: one block end to end, events fired after the durable write", async () => {
    const v = t.material.validators[0]!;
    nonce = 0n;
    const reg = registerTx(t, recipientKey, 100n);
    const tx0 = transfer();
    const tx1 = transfer();
    const bad = tx1.slice();
    bad[10]! ^= 1;
    assert.equal((await client.callOne(checkTx(tx1))).checkTx?.code, 0);

    const prep = async (maxTxBytes: bigint, txs: Uint8Array[]) =>
      (
        await client.callOne({
          prepareProposal: { ...blockFields(1n, txs), maxTxBytes, localLastCommit: NO_COMMIT },
        })
      ).prepareProposal?.txs.map(hex);
    assert.deepEqual(await prep(1_000_000n, [reg, tx0, bad, tx1]), [hex(reg), hex(tx0), hex(tx1)]);
    const limit = BigInt(reg.length + tx0.length);
    assert.deepEqual(await prep(limit, [reg, tx0, tx1]), [hex(reg), hex(tx0)], "max_tx_bytes honoured");

    const proc = async (txs: Uint8Array[]) =>
      (await client.callOne({ processProposal: { ...blockFields(1n, txs), proposedLastCommit: NO_COMMIT } }))
        .processProposal?.status;
    assert.equal(await proc([reg, tx0]), PROCESS);
    assert.equal(await proc([reg, bad]), REJECT);
    assert.equal(await proc([reg, tx1]), REJECT, "nonce 1 before nonce 0");

    let seen: FinalizeBlockRequest | undefined;
    const orig = t.app.finalizeBlock.bind(t.app);
    t.app.finalizeBlock = (req) => {
      seen = req;
      return orig(req);
    };
    const fbReq = finalize(1n, [reg, tx0]);
    fbReq.finalizeBlock!.misbehavior = [
      {
        type: MisbehaviorType.DUPLICATE_VOTE,
        validator: { address: v.address, power: 10n },
        height: 1n,
        time: msToTimestamp(BigInt(GENESIS_MS) + 500n),
        totalVotingPower: 10n,
      },
    ];
    const fb = (await client.callOne(fbReq)).finalizeBlock;
    t.app.finalizeBlock = orig;
    assert.ok(fb);
    assert.equal(seen?.timeMs, BigInt(GENESIS_MS) + 1000n);
    assert.deepEqual(
      seen?.misbehavior.map((m) => [m.type, hex(m.validatorAddress), m.power, m.height, m.timeMs]),
      [["duplicate_vote", hex(v.address), 10n, 1n, BigInt(GENESIS_MS) + 500n]],
    );
    assert.deepEqual(
      fb.txResults.map((r) => [r.code, r.log]),
      [
        [0, ""],
        [0, ""],
      ],
    );
    const txEvent = fb.txResults[1]?.events.find((e) => e.type === "tx");
    assert.ok(txEvent, "tx event");
    assert.ok(txEvent.attributes.every((a) => a.index === true));
    assert.deepEqual(txEvent.attributes.find((a) => a.key === "sender")?.value, hex(v.address));
    assert.equal(fb.appHash.length, 32);
    assert.equal(finalized.length, 1);
    assert.equal(finalized[0]?.height, 1n);
    assert.equal(committed.length, 0, "not committed before Commit");
    assert.equal(t.store.lastCommitted(), undefined, "FinalizeBlock does not persist");

    const cm = await client.callOne({ commit: {} });
    assert.equal(cm.commit?.retainHeight, 0n);
    assert.equal(committed.length, 1);
    const ev = committed[0]!;
    assert.equal(ev.height, 1n);
    assert.equal(hex(ev.hash), hex(sha256(Buffer.from("block-1"))));
    assert.equal(ev.timeMs, BigInt(GENESIS_MS) + 1000n);
    assert.equal(hex(ev.appHash), hex(fb.appHash));
    assert.deepEqual(ev.txHashes, [toHex(sha256(reg)), toHex(sha256(tx0))]);
    assert.equal(ev.response.txResults[1]?.code, 0);

    const stored = await t.store.getBlock(1n);
    assert.ok(stored, "store has block 1");
    assert.equal(hex(stored.txs[1]), hex(tx0));
    assert.equal(hex(stored.appHash), hex(fb.appHash));

    const [info, recheck, query] = await client.call([
      { info: { version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" } },
      checkTx(tx1, CheckTxType.RECHECK),
      {
        query: {
          path: `coin/balance/${toHex(recipient)}`,
          data: new Uint8Array(0),
          height: 0n,
          prove: false,
        },
      },
    ]);
    assert.equal(info?.info?.lastBlockHeight, 1n);
    assert.equal(hex(info?.info?.lastBlockAppHash), hex(fb.appHash));
    assert.equal(recheck?.checkTx?.code, 0, recheck?.checkTx?.log);
    assert.equal(recheck?.checkTx?.log, "recheck");
    assert.equal(query?.query?.code, 0, query?.query?.log);
    assert.equal(query?.query?.height, 1n);
    const value = JSON.parse(Buffer.from(query?.query?.value ?? []).toString()) as { balance: string };
    assert.equal(value.balance, "5000", "bigints travel as decimal strings");
  });

  test("pipelined requests are answered strictly in order, Flush after everything before it", async () => {
    const tx = transfer(1n);
    const first = client.send([
      { echo: { message: "a" } },
      checkTx(tx),
      { info: { version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" } },
      { echo: { message: "b" } },
      { flush: {} },
    ]);
    const second = client.send([{ echo: { message: "c" } }, { listSnapshots: {} }, { flush: {} }]);
    const res = await Promise.all([...first, ...second]);
    assert.deepEqual(res.map(kindOf), [
      "echo",
      "checkTx",
      "info",
      "echo",
      "flush",
      "echo",
      "listSnapshots",
      "flush",
    ]);
    assert.deepEqual(
      res.filter((r) => r.echo).map((r) => r.echo?.message),
      ["a", "b", "c"],
    );
    assert.equal(res[1]?.checkTx?.code, 0, res[1]?.checkTx?.log);
  });

  test("CheckTx requests read together are signature-checked on the pool, then run in order", async () => {
    let marked = 0;
    const orig = t.app.markVerified.bind(t.app);
    t.app.markVerified = (h) => {
      marked++;
      orig(h);
    };
    const txs = Array.from({ length: 40 }, () => transfer(1n));
    const forged = transfer(1n);
    forged[forged.length - 5]! ^= 1;
    const res = await client.call([...txs, forged].map((x) => checkTx(x)));
    t.app.markVerified = orig;
    assert.deepEqual(
      res.slice(0, 40).map((r) => r.checkTx?.code),
      new Array(40).fill(0),
      "nonces in order: each sees the previous one",
    );
    assert.equal(res[40]?.checkTx?.info, "TX_BAD_SIGNATURE");
    assert.equal(marked, 40, "exactly the valid signatures were marked verified");
    nonce--; // the forged one was never admitted
  });

  test("an application exception becomes ResponseException and the connection keeps serving", async () => {
    const before = logs.length;
    const [ex, echo] = await client.call([finalize(7n, []), { echo: { message: "still here" } }]);
    assert.match(ex?.exception?.error ?? "", /finalize_block: BLOCK_INVALID: expected height 2, got 7/);
    assert.equal(echo?.echo?.message, "still here");
    assert.ok(logs.slice(before).some((l) => l.level === "error" && l.message.includes("finalize_block")));
    const unknown = await client.callOne({});
    assert.match(unknown.exception?.error ?? "", /ABCI_UNKNOWN_REQUEST/);
  });

  test("calls from all connections are serialised: nothing runs while a Commit is in flight", async () => {
    const mempoolConn = await connect();
    const queryConn = await connect();
    const calls: string[] = [];
    let inCommit = false;
    let violations = 0;
    let commitStarted: () => void = () => undefined;
    const started = new Promise<void>((r) => {
      commitStarted = r;
    });
    const app = t.app;
    const origCommit = app.commit.bind(app);
    const origCheck = app.checkTx.bind(app);
    const origQuery = app.query.bind(app);
    app.commit = async () => {
      inCommit = true;
      calls.push("commit-start");
      commitStarted();
      await sleep(150);
      const r = await origCommit();
      calls.push("commit-end");
      inCommit = false;
      return r;
    };
    app.checkTx = (raw, kind) => {
      if (inCommit) violations++;
      calls.push("checkTx");
      return origCheck(raw, kind);
    };
    app.query = (req) => {
      if (inCommit) violations++;
      calls.push("query");
      return origQuery(req);
    };
    try {
      const consensus = client.call([finalize(2n, []), { commit: {} }]);
      await started;
      // Commit resets the check state to the committed one (nonce 1); CometBFT rechecks the rest.
      nonce = 1n;
      const tx = transfer();
      const [mp, q] = await Promise.all([
        mempoolConn.call([checkTx(tx), checkTx(tx, CheckTxType.RECHECK)]),
        queryConn.call([
          { query: { path: "coin/supply", data: new Uint8Array(0), height: 0n, prove: false } },
        ]),
      ]);
      const [fb, cm] = await consensus;
      assert.equal(fb?.finalizeBlock?.txResults.length, 0);
      assert.equal(cm?.commit?.retainHeight, 0n);
      assert.equal(mp[0]?.checkTx?.code, 0, mp[0]?.checkTx?.log);
      assert.equal(q[0]?.query?.height, 2n, "query ran after the commit, at the new height");
    } finally {
      app.commit = origCommit;
      app.checkTx = origCheck;
      app.query = origQuery;
    }
    assert.equal(violations, 0);
    assert.equal(calls[0], "commit-start");
    assert.equal(calls[1], "commit-end");
    assert.equal(committed.at(-1)?.height, 2n);
  });

  test("snapshots are declined and vote extensions answered neutrally", async () => {
    const [ls, offer, load, apply, ext, verify] = await client.call([
      { listSnapshots: {} },
      { offerSnapshot: { appHash: new Uint8Array(32) } },
      { loadSnapshotChunk: { height: 1n, format: 1, chunk: 0 } },
      { applySnapshotChunk: { index: 0, chunk: new Uint8Array(4), sender: "peer" } },
      {
        extendVote: {
          hash: new Uint8Array(32),
          height: 3n,
          time: msToTimestamp(0n),
          txs: [],
          proposedLastCommit: NO_COMMIT,
          misbehavior: [],
          nextValidatorsHash: new Uint8Array(32),
          proposerAddress: new Uint8Array(20),
        },
      },
      {
        verifyVoteExtension: {
          hash: new Uint8Array(32),
          validatorAddress: new Uint8Array(20),
          height: 3n,
          voteExtension: new Uint8Array(0),
        },
      },
    ]);
    assert.deepEqual(ls?.listSnapshots?.snapshots, []);
    assert.equal(offer?.offerSnapshot?.result, 3, "REJECT");
    assert.equal(load?.loadSnapshotChunk?.chunk.length, 0);
    assert.equal(apply?.applySnapshotChunk?.result, 5, "REJECT_SNAPSHOT");
    assert.equal(ext?.extendVote?.voteExtension.length, 0);
    assert.equal(verify?.verifyVoteExtension?.status, 1, "ACCEPT");
  });

  test("Query: parameters from JSON data; bad data, proofs and old heights are refused with codes", async () => {
    const q = async (path: string, data: string, height = 0n, prove = false) =>
      (await client.callOne({ query: { path, data: Buffer.from(data), height, prove } })).query;
    const ok = await q(`/coin/balance/${toHex(recipient)}`, "");
    assert.equal(ok?.code, 0, ok?.log);
    const bad = await q("coin/supply", "{not json");
    assert.equal(bad?.code, errorCodeInfo("ABCI_QUERY_BAD_DATA").num);
    assert.equal(bad?.info, "ABCI_QUERY_BAD_DATA");
    assert.equal(bad?.codespace, "consortia");
    assert.equal(bad?.value.length, 0);
    assert.equal((await q("coin/supply", '{"a":{"b":1}}'))?.info, "ABCI_QUERY_BAD_DATA");
    assert.equal((await q("coin/supply", "", 0n, true))?.info, "ABCI_QUERY_UNSUPPORTED");
    assert.equal((await q("coin/supply", "", 1n))?.info, "ABCI_QUERY_UNSUPPORTED");
    assert.equal((await q("nope/x", ""))?.info, "QUERY_UNKNOWN_PATH");
  });

  test("a malformed frame closes only that connection, after answering what preceded it, and is logged", async () => {
    const bad = await connect();
    const before = logs.length;
    const echo = bad.send([{ echo: { message: "before" } }])[0]!;
    // Length 3, then bytes that are not a protobuf Request (wire type 7 does not exist).
    bad.writeRaw(new Uint8Array([3, 0xff, 0xff, 0xff]));
    assert.equal((await echo).echo?.message, "before");
    await bad.waitClosed();
    assert.ok(
      logs.slice(before).some((l) => l.level === "error" && /malformed ABCI frame/.test(l.message)),
      JSON.stringify(logs.slice(before)),
    );
    const prefix = await connect();
    prefix.writeRaw(new Uint8Array(11).fill(0xff));
    await prefix.waitClosed();
    assert.equal(
      (await client.callOne({ echo: { message: "others unaffected" } })).echo?.message,
      "others unaffected",
    );
  });

  test("stop() waits for an in-flight Commit; a restarted server reports the committed height", async () => {
    const app = t.app;
    const origCommit = app.commit.bind(app);
    let release: () => void = () => undefined;
    const inCommit = new Promise<void>((r) => {
      release = r;
    });
    app.commit = async () => {
      release();
      await sleep(100);
      return origCommit();
    };
    const pending = client.call([finalize(3n, []), { commit: {} }]).catch(() => []);
    await inCommit;
    await server.stop();
    app.commit = origCommit;
    await pending;
    assert.equal(t.store.lastCommitted()?.height, 3n, "the commit finished before stop() returned");
    const appHash = hex(t.app.appHash);

    await t.reopen();
    server = createAbciServer({ app: t.app }, { address: "tcp://127.0.0.1:0", log: (e) => logs.push(e) });
    await server.start();
    client.close();
    client = await AbciSocketClient.connect(server.address());
    const info = (
      await client.callOne({ info: { version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" } })
    ).info;
    assert.equal(info?.lastBlockHeight, 3n);
    assert.equal(hex(info?.lastBlockAppHash), appHash);
    const fb = await client.callOne(finalize(4n, []));
    assert.equal(fb.finalizeBlock?.appHash.length, 32, "the reopened application continues at height 4");
  });

  test("unix sockets: served like TCP; a non-socket file at the path is refused, not deleted", async () => {
    const path = join(t.dir, "abci.sock");
    const unixServer = createAbciServer({ app: t.app }, { address: `unix://${path}`, log: () => undefined });
    await unixServer.start();
    const c = await AbciSocketClient.connect(unixServer.address());
    assert.equal((await c.callOne({ echo: { message: "over unix" } })).echo?.message, "over unix");
    c.close();
    await unixServer.stop();

    // A socket file left by a process killed with SIGKILL: nobody answers, so it is replaced.
    const stale = join(t.dir, "stale.sock");
    const holder = spawn(process.execPath, ["-e", STALE_SOCKET_HOLDER, stale], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise((r) => holder.stdout.once("data", r));
    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("exit", r));
    assert.ok(lstatSync(stale).isSocket(), "stale socket file left behind");
    const revived = createAbciServer({ app: t.app }, { address: `unix://${stale}`, log: () => undefined });
    await revived.start();
    const c2 = await AbciSocketClient.connect(revived.address());
    assert.equal((await c2.callOne({ echo: { message: "revived" } })).echo?.message, "revived");
    c2.close();
    await revived.stop();

    const file = join(t.dir, "not-a-socket");
    writeFileSync(file, "keep me");
    const wrong = createAbciServer({ app: t.app }, { address: `unix://${file}`, log: () => undefined });
    await assert.rejects(wrong.start(), (e) => isConsortiaError(e, "ABCI_BAD_ADDRESS"));
    assert.equal(readFileSync(file, "utf8"), "keep me");
  });
});
