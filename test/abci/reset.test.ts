import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CheckTxType, type Request } from "cosmjs-types/tendermint/abci/types";
import { AbciSocketClient } from "../../src/abci/client.js";
import { fromFinalizeBlock, fromInitChain } from "../../src/abci/convert.js";
import type { AbciLogEntry } from "../../src/abci/log.js";
import { type AbciServer, createAbciServer } from "../../src/abci/server.js";
import { addressFromPublicKey } from "../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../src/crypto/hash.js";
import { isConsortiaError } from "../../src/errors.js";
import { buildTransfer } from "../../src/sdk/tx.js";
import { GENESIS_MS, testKey } from "../helpers/chain.js";
import { type AbciTestApp, initChainRequest, msToTimestamp, openAbciTestApp, registerTx } from "./helpers.js";

/**
 * CometBFT restarted while the application process stays up: whatever was finalized but not
 * committed, and the check state of the dead mempool, must go (Application.resetUncommitted), and
 * the handshake's Info + replay must then produce exactly what a fresh instance produces.
 */

const SEED = "abci-reset";
const hex = (b: Uint8Array | undefined) => (b ? toHex(b) : "<none>");
const recipientKey = testKey("reset-recipient");
const INFO: Request = {
  info: { version: "0.38.26", blockVersion: 11n, p2pVersion: 8n, abciVersion: "2.0.0" },
};

function finalizeRequest(t: AbciTestApp, height: bigint, txs: Uint8Array[]): Request {
  return {
    finalizeBlock: {
      txs,
      misbehavior: [],
      hash: sha256(Buffer.from(`reset-block-${height}`)),
      height,
      time: msToTimestamp(BigInt(GENESIS_MS) + height * 1000n),
      nextValidatorsHash: new Uint8Array(32),
      proposerAddress: t.material.validators[0]!.address,
      decidedLastCommit: { round: 0, votes: [] },
    },
  };
}

/** Block h's transactions: a registration first, then one transfer per block from validator 0. */
function blockTxs(t: AbciTestApp, height: bigint): Uint8Array[] {
  if (height === 1n) return [registerTx(t, recipientKey, 100n)];
  const v = t.material.validators[0]!;
  const to = addressFromPublicKey(recipientKey.publicKey);
  return [
    buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce: height - 2n, fee: 10n },
      to,
      height,
    ),
  ];
}

/** App hash after each of blocks 1..n on a fresh instance: the reference. */
async function referenceHashes(n: bigint): Promise<string[]> {
  const t = await openAbciTestApp(SEED, GENESIS_MS);
  try {
    t.app.initChain(fromInitChain(initChainRequest(t).initChain!));
    const out: string[] = [];
    for (let h = 1n; h <= n; h++) {
      out.push(
        hex(
          t.app.finalizeBlock(fromFinalizeBlock(finalizeRequest(t, h, blockTxs(t, h)).finalizeBlock!))
            .appHash,
        ),
      );
      await t.app.commit();
    }
    return out;
  } finally {
    await t.close();
  }
}

describe("Application.resetUncommitted", () => {
  let ref: string[];
  before(async () => {
    ref = await referenceHashes(3n);
  });

  test("FinalizeBlock without Commit, reset, Info + replay of that block = a fresh instance", async () => {
    const t = await openAbciTestApp(SEED, GENESIS_MS);
    try {
      const app = t.app;
      app.initChain(fromInitChain(initChainRequest(t).initChain!));
      for (const h of [1n, 2n]) {
        app.finalizeBlock(fromFinalizeBlock(finalizeRequest(t, h, blockTxs(t, h)).finalizeBlock!));
        await app.commit();
      }
      const afterTwo = hex(app.appHash);
      assert.equal(afterTwo, ref[1]);

      // The dead mempool admitted nonce 1 into the check state; the block with it never committed.
      const v = t.material.validators[0]!;
      const to = addressFromPublicKey(recipientKey.publicKey);
      const pooled = buildTransfer(
        v.keys.secretKey,
        { chainId: t.material.chainId, nonce: 1n, fee: 10n },
        to,
        77n,
      );
      assert.equal(app.checkTx(pooled, "new").code, 0);
      const block3 = fromFinalizeBlock(finalizeRequest(t, 3n, blockTxs(t, 3n)).finalizeBlock!);
      const first = app.finalizeBlock(block3);

      // Without the reset the replayed block cannot even be finalized.
      assert.throws(
        () => app.finalizeBlock(block3),
        (e: unknown) => isConsortiaError(e) && e.code === "BLOCK_INVALID",
      );

      app.resetUncommitted();
      const info = app.info();
      assert.equal(info.lastBlockHeight, 2n, "Info reports the last committed height");
      assert.equal(hex(info.lastBlockAppHash), afterTwo);
      // Check state is the committed state again: another nonce-1 transaction is admitted.
      const other = buildTransfer(
        v.keys.secretKey,
        { chainId: t.material.chainId, nonce: 1n, fee: 10n },
        to,
        78n,
      );
      assert.equal(app.checkTx(other, "new").code, 0, "check state of the dead mempool was dropped");
      app.resetUncommitted();

      const replayed = app.finalizeBlock(block3);
      assert.equal(hex(replayed.appHash), hex(first.appHash));
      await app.commit();
      assert.equal(app.height, 3n);
      assert.equal(hex(app.appHash), ref[2], "app hash after the replay = fresh instance's");

      // And the store says the same after a process restart.
      await t.reopen();
      assert.equal(hex(t.app.appHash), ref[2]);
    } finally {
      await t.close();
    }
  });

  test("InitChain + block 1 without Commit: reset forgets genesis, Info says 0, InitChain again", async () => {
    const t = await openAbciTestApp(SEED, GENESIS_MS);
    try {
      const app = t.app;
      const init = fromInitChain(initChainRequest(t).initChain!);
      const genesisHash = hex(app.initChain(init).appHash);
      app.finalizeBlock(fromFinalizeBlock(finalizeRequest(t, 1n, blockTxs(t, 1n)).finalizeBlock!));
      app.resetUncommitted();
      assert.equal(app.info().lastBlockHeight, 0n);
      assert.equal(hex(app.info().lastBlockAppHash), hex(new Uint8Array(32)), "as before InitChain");
      assert.equal(app.query({ path: "app/params" }).errorCode, "APP_NOT_INITIALIZED");
      assert.equal(hex(app.initChain(init).appHash), genesisHash);
      const r = app.finalizeBlock(fromFinalizeBlock(finalizeRequest(t, 1n, blockTxs(t, 1n)).finalizeBlock!));
      assert.equal(hex(r.appHash), ref[0]);
      await app.commit();
    } finally {
      await t.close();
    }
  });
});

describe("ABCI server: a new CometBFT session resets the application", () => {
  let t: AbciTestApp;
  let server: AbciServer;
  let ref: string[];
  const logs: AbciLogEntry[] = [];
  const clients: AbciSocketClient[] = [];
  const connect = async () => {
    const c = await AbciSocketClient.connect(server.address());
    clients.push(c);
    return c;
  };
  const closeAll = async () => {
    for (const c of clients.splice(0)) c.close();
    for (let i = 0; i < 200 && server.connectionCount() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.connectionCount(), 0);
  };

  before(async () => {
    ref = await referenceHashes(3n);
    t = await openAbciTestApp(SEED, GENESIS_MS);
    server = createAbciServer({ app: t.app }, { address: "tcp://127.0.0.1:0", log: (e) => logs.push(e) });
    await server.start();
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.stop();
    await t?.close();
  });

  test("session 1 dies after FinalizeBlock 2; session 2's Info + replay commits block 2 with the fresh hash", async () => {
    const a = await connect();
    // A second connection of the same session (CometBFT opens four): no reset while one is open.
    const b = await connect();
    const [info0, ic] = await a.call([INFO, initChainRequest(t)]);
    assert.equal(info0?.info?.lastBlockHeight, 0n);
    assert.ok(ic?.initChain);
    const [fb1, c1] = await a.call([finalizeRequest(t, 1n, blockTxs(t, 1n)), { commit: {} }]);
    assert.equal(hex(fb1?.finalizeBlock?.appHash), ref[0]);
    assert.ok(c1?.commit);
    const fb2 = (await b.callOne(finalizeRequest(t, 2n, blockTxs(t, 2n)))).finalizeBlock;
    assert.equal(hex(fb2?.appHash), ref[1]);
    // The dead mempool admitted another nonce-0 transfer (block 2 is not committed, so 0 is next).
    const v = t.material.validators[0]!;
    const to = addressFromPublicKey(recipientKey.publicKey);
    const pooled = buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce: 0n, fee: 10n },
      to,
      5n,
    );
    assert.equal((await b.callOne({ checkTx: { tx: pooled, type: CheckTxType.NEW } })).checkTx?.code, 0);
    assert.ok(!logs.some((l) => /new CometBFT session/.test(l.message)), "no reset within a session");
    await closeAll();

    const c = await connect();
    const info = (await c.callOne(INFO)).info;
    assert.equal(info?.lastBlockHeight, 1n, "Info: the last committed block, not the finalized one");
    assert.equal(hex(info?.lastBlockAppHash), ref[0]);
    assert.ok(
      logs.some((l) => l.level === "warn" && /dropped block 2/.test(l.message)),
      `the reset names the dropped block: ${JSON.stringify(logs.map((l) => l.message))}`,
    );
    // Check state is block 1's committed state again: a third nonce-0 transfer is admitted, which
    // the dead session's check state (nonce 0 used) would refuse.
    const again = buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce: 0n, fee: 10n },
      to,
      6n,
    );
    assert.equal((await c.callOne({ checkTx: { tx: again, type: CheckTxType.NEW } })).checkTx?.code, 0);
    const [fb2again, c2] = await c.call([finalizeRequest(t, 2n, blockTxs(t, 2n)), { commit: {} }]);
    assert.equal(fb2again?.exception, undefined, fb2again?.exception?.error);
    assert.equal(hex(fb2again?.finalizeBlock?.appHash), ref[1]);
    assert.ok(c2?.commit);
    const [fb3, c3] = await c.call([finalizeRequest(t, 3n, blockTxs(t, 3n)), { commit: {} }]);
    assert.equal(hex(fb3?.finalizeBlock?.appHash), ref[2]);
    assert.ok(c3?.commit);
    assert.equal(t.app.height, 3n);
    await closeAll();
  });
});
