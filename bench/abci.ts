/**
 * ABCI socket round-trip costs over loopback TCP: our AbciSocketClient plays CometBFT, the real
 * server drives the real Application on LevelDB. Prints one JSON object.
 *
 *   node --import tsx bench/abci.ts [txs=4000] [verifyThreads=2]
 *
 * - checktx_inprocess: baseline, app.checkTx called directly (what the solo engine pays).
 * - checktx_sequential: one CheckTx + Flush per round trip, awaited (CometBFT's sync path).
 * - checktx_batched: the rest in one write (CometBFT's async path after a burst of broadcasts).
 * - finalize/commit: one block with every transaction; app_ms is time inside the Application,
 *   overhead_ms = round trip − app_ms (decode, encode, socket, and our client's decode, reported
 *   separately as client_decode_ms).
 * cpu_* is this process's CPU time (server and client together), steadier than wall time on a
 * shared machine; the client's share is what CometBFT's Go client would spend instead.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { AbciSocketClient } from "../src/abci/client.js";
import { encodeResponse } from "../src/abci/encode.js";
import { createAbciServer } from "../src/abci/server.js";
import { Application } from "../src/app/application.js";
import { sha256 } from "../src/crypto/hash.js";
import { createVerifyPool } from "../src/crypto/verifyPool.js";
import { parseGenesis } from "../src/engine/genesis.js";
import { CommonErrors, ConsortiaError } from "../src/errors.js";
import { defaultModules } from "../src/node/modules.js";
import { createNetworkMaterial } from "../src/node/network.js";
import { PRESETS } from "../src/node/presets.js";
import { buildTransfer } from "../src/sdk/tx.js";
import { ChainStore } from "../src/storage/chainStore.js";

const N = Number(process.argv[2] ?? 4000);
const THREADS = Number(process.argv[3] ?? 2);
const SEQUENTIAL = Math.min(1000, Math.floor(N / 4));

let counter = 0;
const rand = (n: number) => {
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += 32)
    out.set(sha256(Buffer.from(`bench/abci/${counter++}`)).subarray(0, n - off), off);
  return out;
};

const dir = mkdtempSync(join(tmpdir(), "consortia-bench-abci-"));
const genesisMs = 1_790_000_000_000;
const material = createNetworkMaterial({
  validators: 2,
  preset: PRESETS.healthchain,
  genesisTimeMs: genesisMs,
  randomBytes: rand,
  appParams: { maxBlockTxs: N },
});
const genesis = parseGenesis(material.genesisJson);
const store = await ChainStore.open(join(dir, "data"));
const app = new Application({ store, ...defaultModules() }, { chainId: material.chainId });
const pool = THREADS > 0 ? createVerifyPool({ threads: THREADS }) : undefined;
const server = createAbciServer(
  { app, ...(pool ? { verifyPool: pool } : {}) },
  { address: "tcp://127.0.0.1:0" },
);
await server.start();
const client = await AbciSocketClient.connect(server.address());
function fail(what: string, got: unknown): never {
  const text = JSON.stringify(got, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  throw new ConsortiaError(CommonErrors.INTERNAL, `${what} failed: ${text.slice(0, 500)}`);
}

/** CPU milliseconds of this process (server and client both live here) since `from`. */
const cpu = (from?: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
const ts = (ms: bigint) => ({ seconds: ms / 1000n, nanos: Number(ms % 1000n) * 1_000_000 });

try {
  await client.callOne({
    initChain: {
      time: ts(genesis.genesisTimeMs),
      chainId: genesis.chainId,
      validators: genesis.validators.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
      appStateBytes: genesis.appStateBytes,
      initialHeight: 1n,
    },
  });
  const [from, to] = material.validators;
  const txs = Array.from({ length: N }, (_, i) =>
    buildTransfer(
      from!.keys.secretKey,
      { chainId: material.chainId, nonce: BigInt(i), fee: 10n },
      to!.address,
      1n,
    ),
  );
  // Baseline: the same CheckTx calls made in-process on a second Application (no socket, no pool),
  // on copies of the bytes so nothing is memoised across the two.
  const baseStore = await ChainStore.open(join(dir, "baseline"));
  const base = new Application({ store: baseStore, ...defaultModules() }, { chainId: material.chainId });
  base.initChain({
    chainId: genesis.chainId,
    timeMs: genesis.genesisTimeMs,
    initialHeight: 1n,
    appStateBytes: genesis.appStateBytes,
    validators: genesis.validators,
  });
  const copies = txs.map((t) => t.slice());
  const cb = process.cpuUsage();
  const tb = performance.now();
  for (const t of copies) if (base.checkTx(t, "new").code !== 0) fail("in-process CheckTx", t);
  const baseMs = performance.now() - tb;
  const baseCpu = cpu(cb);
  await baseStore.close();

  // Requests are encoded before the clock starts: CometBFT's Go client does that work, not us.
  const FLUSH = Request.encode({ flush: {} }).finish();
  const checks = txs.map((tx) => Request.encode({ checkTx: { tx, type: 0 } }).finish());
  const roundTrip = async (payloads: Uint8Array[]) =>
    (await Promise.all(client.sendEncoded([...payloads, FLUSH]))).slice(0, -1);

  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) {
    const [r] = await roundTrip([checks[i]!]);
    if (r?.checkTx?.code !== 0) fail("sequential CheckTx", r);
  }
  const seqMs = performance.now() - t0;
  const seqCpu = cpu(c0);

  const c1 = process.cpuUsage();
  const t1 = performance.now();
  const batch = await roundTrip(checks.slice(SEQUENTIAL));
  const batchMs = performance.now() - t1;
  const batchCpu = cpu(c1);
  const refused = batch.find((r) => r.checkTx?.code !== 0);
  if (refused) fail("batched CheckTx", refused);

  let appMs = 0;
  const fin = app.finalizeBlock.bind(app);
  app.finalizeBlock = (req) => {
    const s = performance.now();
    const r = fin(req);
    appMs += performance.now() - s;
    return r;
  };
  const finalize = Request.encode({
    finalizeBlock: {
      txs,
      decidedLastCommit: { round: 0, votes: [] },
      misbehavior: [],
      hash: sha256(Buffer.from("bench-block")),
      height: 1n,
      time: ts(genesis.genesisTimeMs + 1000n),
      nextValidatorsHash: new Uint8Array(32),
      proposerAddress: from!.address,
    },
  }).finish();
  const c2 = process.cpuUsage();
  const t2 = performance.now();
  const [fb] = await roundTrip([finalize]);
  const finMs = performance.now() - t2;
  const finCpu = cpu(c2);
  if (!fb?.finalizeBlock || fb.finalizeBlock.txResults.some((r) => r.code !== 0)) fail("FinalizeBlock", fb);
  // Our client's share of the round trip (CometBFT decodes in Go): decoding the response again.
  const fbBytes = encodeResponse(fb!);
  let clientDecodeMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    Response.decode(fbBytes);
    clientDecodeMs = Math.min(clientDecodeMs, performance.now() - s);
  }
  const best = (f: () => void) => {
    let m = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 25; i++) {
      const s = performance.now();
      f();
      m = Math.min(m, performance.now() - s);
    }
    return m;
  };
  const encodeFastMs = best(() => encodeResponse(fb));
  const encodeCosmjsMs = best(() => Response.encode(fb).finish());
  let commitAppMs = 0;
  const com = app.commit.bind(app);
  app.commit = async () => {
    const s = performance.now();
    const r = await com();
    commitAppMs += performance.now() - s;
    return r;
  };
  const t3 = performance.now();
  await roundTrip([Request.encode({ commit: {} }).finish()]);
  const commitMs = performance.now() - t3;

  const r2 = (x: number) => Math.round(x * 100) / 100;
  console.log(
    JSON.stringify({
      bench: "abci",
      txs: N,
      verify_threads: THREADS,
      tx_bytes: txs[0]!.length,
      loadavg_1m: r2(loadavg()[0] ?? 0),
      checktx_inprocess: {
        n: N,
        us_per_tx: r2((baseMs * 1000) / N),
        cpu_us_per_tx: r2((baseCpu * 1000) / N),
      },
      checktx_sequential: {
        n: SEQUENTIAL,
        us_per_roundtrip: r2((seqMs * 1000) / SEQUENTIAL),
        cpu_us_per_roundtrip: r2((seqCpu * 1000) / SEQUENTIAL),
      },
      checktx_batched: {
        n: N - SEQUENTIAL,
        ms: r2(batchMs),
        us_per_tx: r2((batchMs * 1000) / (N - SEQUENTIAL)),
        cpu_us_per_tx: r2((batchCpu * 1000) / (N - SEQUENTIAL)),
      },
      finalize_block: {
        n: N,
        roundtrip_ms: r2(finMs),
        cpu_ms: r2(finCpu),
        app_ms: r2(appMs),
        overhead_ms: r2(finMs - appMs),
        client_decode_ms: r2(clientDecodeMs),
        encode_best_ms: r2(encodeFastMs),
        encode_cosmjs_best_ms: r2(encodeCosmjsMs),
        response_bytes: fbBytes.length,
      },
      commit: {
        roundtrip_ms: r2(commitMs),
        app_ms: r2(commitAppMs),
        overhead_ms: r2(commitMs - commitAppMs),
      },
    }),
  );
} finally {
  client.close();
  await server.stop();
  await pool?.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
