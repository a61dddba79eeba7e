import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { ExecTxResult } from "../../../src/app/abci.js";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import { CometEngine, codeNameOf } from "../../../src/engine/cometbft/engine.js";
import { CometErrors } from "../../../src/engine/cometbft/errors.js";
import type { RpcBroadcastSync } from "../../../src/engine/cometbft/rpc.js";
import type { CommittedBlockEvent } from "../../../src/engine/types.js";
import { CommonErrors, ConsortiaError, errorCodeInfo, isConsortiaError } from "../../../src/errors.js";
import { startDevnet } from "../../../src/node/devnet.js";
import { PRESETS } from "../../../src/node/presets.js";
import { buildTransfer } from "../../../src/sdk/tx.js";
import { ManualClock } from "../../../src/util/clock.js";
import { seededBytes } from "../../helpers/chain.js";

const OK_RESULT: ExecTxResult = {
  code: 0,
  errorCode: "",
  log: "",
  data: new Uint8Array(0),
  gasWanted: 0n,
  gasUsed: 0n,
  events: [],
};

/** A raw "transaction" whose last 96 bytes are sender key + signature, like the v1 envelope. */
function fakeTx(sender: number, n: number): Uint8Array {
  return new Uint8Array([
    ...Buffer.from(`tx-${sender}-${n}`),
    ...new Uint8Array(32).fill(sender),
    ...new Uint8Array(64),
  ]);
}

type Broadcast = (raw: Uint8Array) => Promise<RpcBroadcastSync>;

function harness(broadcast: Broadcast, clock = new ManualClock(0)) {
  let emit: ((ev: CommittedBlockEvent) => void) | undefined;
  let mempoolCalls = 0;
  const engine = new CometEngine(
    {
      app: { height: 7n, txHashOf: (raw) => sha256(raw), markVerified: () => undefined },
      rpc: {
        broadcastTxSync: broadcast,
        broadcastTxAsyncBatch: async (txs) => txs.map(() => undefined),
        numUnconfirmedTxs: async () => {
          mempoolCalls++;
          return { count: 3, bytes: 300n };
        },
      },
      committed: {
        onCommitted(l) {
          emit = l;
          return () => {
            emit = undefined;
          };
        },
      },
      clock,
    },
    { batchConcurrency: 2 },
  );
  const commit = (height: bigint, raws: Uint8Array[]) =>
    emit?.({
      height,
      hash: sha256(Buffer.from(`block ${height}`)),
      timeMs: 0n,
      appHash: new Uint8Array(32),
      txHashes: raws.map((r) => toHex(sha256(r))),
      response: {
        events: [],
        txResults: raws.map(() => OK_RESULT),
        validatorUpdates: [],
        appHash: new Uint8Array(32),
      },
    });
  return { engine, commit, clock, mempoolCalls: () => mempoolCalls, subscribed: () => emit !== undefined };
}

const accepted = (raw: Uint8Array): RpcBroadcastSync => ({
  code: 0,
  log: "",
  codespace: "",
  hash: toHex(sha256(raw)),
});

function rpcError(data: string): ConsortiaError {
  return new ConsortiaError(
    CometErrors.COMET_RPC_ERROR,
    `CometBFT RPC broadcast_tx_sync: Internal error: ${data}`,
    {
      method: "broadcast_tx_sync",
      rpcCode: -32603,
      data,
    },
  );
}

test("submit maps CheckTx codes and CometBFT's own mempool refusals onto stable codes", async () => {
  const answers: Array<RpcBroadcastSync | ConsortiaError> = [
    { code: errorCodeInfo(CommonErrors.INVALID_ARGUMENT).num, log: "bad", codespace: "consortia", hash: "" },
    rpcError("tx already exists in cache"),
    rpcError("mempool is full: number of txs 5000 (max: 5000), total txs bytes 1 (max: 2)"),
    rpcError("tx too large. Max size is 1048576, but got 2000000"),
    rpcError("something new"),
    new ConsortiaError(CometErrors.COMET_RPC_UNAVAILABLE, "unreachable"),
  ];
  const h = harness(async (raw) => {
    const a = answers.shift();
    if (a === undefined) return accepted(raw);
    if (a instanceof ConsortiaError) throw a;
    return a;
  });
  const got = [];
  for (let i = 0; i < 7; i++) got.push(await h.engine.submit(fakeTx(1, i)));
  assert.deepEqual(
    got.map((r) => [r.code, r.errorCode]),
    [
      [2, "INVALID_ARGUMENT"],
      [802, "MEMPOOL_DUPLICATE"],
      [801, "MEMPOOL_FULL"],
      [1659, "COMET_TX_TOO_LARGE"],
      [1660, "COMET_MEMPOOL_REJECTED"],
      [1655, "COMET_RPC_UNAVAILABLE"],
      [0, ""],
    ],
  );
  assert.equal(got[6]!.hash, toHex(sha256(fakeTx(1, 6))));
  assert.equal(codeNameOf(999_999, "consortia"), "", "unknown numbers give no invented code name");
});

test("waitForCommit: resolves on the commit event, also when registered after it; times out typed", async () => {
  const h = harness(async (raw) => accepted(raw));
  const a = fakeTx(1, 0);
  const b = fakeTx(2, 0);
  const ra = await h.engine.submit(a);
  assert.equal(h.engine.isPending(ra.hash), true);
  const waiting = h.engine.waitForCommit(ra.hash, 5000);
  h.commit(8n, [b, a]);
  const ca = await waiting;
  assert.deepEqual([ca.height, ca.index, ca.result.code], [8n, 1, 0]);
  assert.equal(h.engine.isPending(ra.hash), false);
  // A commit that raced ahead of the waiter's registration is still found.
  const cb = await h.engine.waitForCommit(toHex(sha256(b)).toUpperCase(), 5000);
  assert.equal(cb.index, 0);
  const late = await h.engine.waitForCommit("ab".repeat(32), 30).catch((e: unknown) => e);
  assert.ok(isConsortiaError(late, "ENGINE_TIMEOUT"));
  // Own admissions count as pending only for pendingTtlMs.
  const rc = await h.engine.submit(fakeTx(3, 0));
  assert.equal(h.engine.isPending(rc.hash), true);
  h.clock.advance(10 * 60_000);
  assert.equal(h.engine.isPending(rc.hash), false);
});

test("submitBatch keeps each sender's order, runs senders in parallel up to the limit", async () => {
  const order: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const rand = seededBytes("batch");
  const h = harness(async (raw) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, rand(1)[0]! % 5));
    order.push(Buffer.from(raw.subarray(0, raw.length - 96)).toString());
    inFlight--;
    return accepted(raw);
  });
  const raws = [];
  for (let n = 0; n < 4; n++) for (let s = 1; s <= 3; s++) raws.push(fakeTx(s, n));
  const res = await h.engine.submitBatch(raws);
  assert.deepEqual(
    res.map((r) => r.hash),
    raws.map((r) => toHex(sha256(r))),
    "results in input order",
  );
  for (let s = 1; s <= 3; s++) {
    const mine = order.filter((o) => o.startsWith(`tx-${s}-`));
    assert.deepEqual(
      mine,
      [0, 1, 2, 3].map((n) => `tx-${s}-${n}`),
    );
  }
  assert.equal(maxInFlight, 2);
});

test("mempoolSize asks CometBFT at most once a second; halt refuses and fails waiters", async () => {
  const h = harness(async (raw) => accepted(raw));
  assert.equal(h.engine.mempoolSize(), 0, "first call answers the cache and starts a refresh");
  await new Promise((r) => setImmediate(r));
  assert.equal(h.engine.mempoolSize(), 3);
  h.engine.mempoolSize();
  assert.equal(h.mempoolCalls(), 1);
  h.clock.advance(1000);
  h.engine.mempoolSize();
  assert.equal(h.mempoolCalls(), 2);

  const w = h.engine.waitForCommit("cd".repeat(32), 60_000);
  h.engine.halt(new ConsortiaError(CometErrors.COMET_EXITED, "cometbft exited"));
  const err = await w.catch((e: unknown) => e);
  assert.ok(isConsortiaError(err, "COMET_EXITED"));
  const r = await h.engine.submit(fakeTx(1, 0));
  assert.deepEqual([r.code, r.errorCode], [1654, "COMET_EXITED"]);
  await h.engine.stop();
  assert.equal(h.subscribed(), false, "stop unsubscribes from the ABCI server");
});

// --- against a real one-validator CometBFT network ------------------------------------------

let stopNet: (() => Promise<void>) | undefined;
after(() => stopNet?.());

test("real cometbft (2 validators): submit → waitForCommit, duplicate and malformed refusals, batch in nonce order", async () => {
  const net = await startDevnet({
    validators: 2,
    preset: PRESETS.energy,
    basePort: 0,
    nowMs: Date.now() - 1000,
    randomBytes: seededBytes("comet-engine"),
    logLevel: "error",
  });
  stopNet = () => net.stop();
  const { node } = net.nodes[0]!;
  const engine = node.engine;
  assert.equal(engine.kind, "cometbft");
  const v = net.material!.validators[0]!;
  // Recipients must hold a registered identity: the other validator institution does.
  const to = net.material!.validators[1]!.address;
  const tx = (nonce: bigint) =>
    buildTransfer(v.keys.secretKey, { chainId: net.chainId, nonce, fee: 1n }, to, 5n);

  const r0 = await engine.submit(tx(0n));
  assert.deepEqual([r0.code, r0.errorCode], [0, ""]);
  const c0 = await engine.waitForCommit(r0.hash, 20_000);
  assert.equal(c0.result.code, 0);
  assert.ok(c0.height >= 1n && c0.height <= engine.height);
  const again = await engine.submit(tx(0n));
  assert.notEqual(again.code, 0, "a committed transaction is not admitted twice");
  assert.ok(again.errorCode !== "" && errorCodeInfo(again.errorCode).num === again.code, again.errorCode);

  const junk = await engine.submit(new Uint8Array([1, 2, 3]));
  assert.notEqual(junk.code, 0);
  assert.equal(errorCodeInfo(junk.errorCode).num, junk.code, `registered code name (${junk.errorCode})`);

  const batch = [tx(1n), tx(2n), tx(3n)];
  const rs = await engine.submitBatch(batch);
  assert.deepEqual(
    rs.map((r) => r.code),
    [0, 0, 0],
    rs.map((r) => r.log).join("; "),
  );
  const cs = await Promise.all(rs.map((r) => engine.waitForCommit(r.hash, 20_000)));
  assert.deepEqual(
    cs.map((c) => c.result.code),
    [0, 0, 0],
  );
  // Node 0 reports the commit as soon as it applied the block; node 1 applies it moments later.
  let nonce = "";
  for (let i = 0; i < 100 && nonce !== "4"; i++) {
    const acct = await fetch(`${net.nodes[1]!.apiUrl}/accounts/${toHex(v.address)}`).then(
      (r) => r.json() as Promise<{ nonce: string }>,
    );
    nonce = acct.nonce;
    if (nonce !== "4") await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(nonce, "4", "the other node executed all four transfers");
});

test("async batches: one RPC per batch in input order, verdicts from CheckTx, refusals and timeouts typed", async () => {
  let listener: ((r: { hash: Uint8Array; code: number; errorCode: string; log: string }) => void) | undefined;
  const batches: number[] = [];
  const seen: string[] = [];
  const clock = new ManualClock(0);
  const engine = new CometEngine(
    {
      app: { height: 1n, txHashOf: (raw) => sha256(raw), markVerified: () => undefined },
      rpc: {
        broadcastTxSync: async () => {
          throw new ConsortiaError(CommonErrors.INTERNAL, "the async path must not use broadcast_tx_sync");
        },
        // Like CometBFT: elements run in array order; a duplicate is refused at once; CheckTx
        // verdicts arrive later over ABCI. Tx "tx-9-*" gets no verdict at all.
        broadcastTxAsyncBatch: async (txs) => {
          batches.push(txs.length);
          return txs.map((raw) => {
            const name = Buffer.from(raw.subarray(0, raw.length - 96)).toString();
            if (seen.includes(name)) return rpcError("tx already exists in cache");
            seen.push(name);
            setImmediate(() => {
              if (name.startsWith("tx-9-")) return;
              const bad = name === "tx-2-1";
              listener?.({
                hash: sha256(raw),
                code: bad ? 402 : 0,
                errorCode: bad ? "TX_BAD_NONCE" : "",
                log: "",
              });
            });
            return undefined;
          });
        },
        numUnconfirmedTxs: async () => ({ count: 0, bytes: 0n }),
      },
      committed: { onCommitted: () => () => undefined },
      checked: {
        onCheckTx(l) {
          listener = l;
          return () => {
            listener = undefined;
          };
        },
      },
      clock,
      timers: {
        setTimeout: (fn, ms) => setTimeout(fn, ms / 1000),
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
    },
    { maxBatch: 4, checkTimeoutMs: 50_000 },
  );
  const raws = [fakeTx(1, 0), fakeTx(1, 1), fakeTx(2, 0), fakeTx(2, 1), fakeTx(1, 0), fakeTx(9, 0)];
  const res = await engine.submitBatch(raws);
  assert.deepEqual(batches, [4, 2], "two JSON-RPC batches of at most maxBatch");
  assert.deepEqual(seen, ["tx-1-0", "tx-1-1", "tx-2-0", "tx-2-1", "tx-9-0"], "input order preserved");
  assert.deepEqual(
    res.map((r) => r.errorCode),
    ["", "", "", "TX_BAD_NONCE", "MEMPOOL_DUPLICATE", "ENGINE_TIMEOUT"],
  );
  assert.equal(engine.isPending(toHex(sha256(raws[0]!))), true, "accepted ones count as pending");
  assert.equal(engine.isPending(toHex(sha256(raws[3]!))), false, "refused ones do not");
  await engine.stop();
  assert.equal(listener, undefined, "stop unsubscribes from CheckTx verdicts");
});
