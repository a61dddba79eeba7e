import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Application } from "../src/app/application.js";
import { encode } from "../src/codec/schema.js";
import { addressFromPublicKey, type KeyPair, keyPairFromSeed } from "../src/crypto/ed25519.js";
import { sha256, toHex } from "../src/crypto/hash.js";
import { createVerifyPool, measureVerifyThroughput } from "../src/crypto/verifyPool.js";
import { formatGenesis, parseGenesis } from "../src/engine/genesis.js";
import { createSoloEngine } from "../src/engine/solo.js";
import { certificateCodec } from "../src/modules/identity/certificate.js";
import { defaultModules } from "../src/node/modules.js";
import { issueCertificate } from "../src/node/network.js";
import { buildTransfer } from "../src/sdk/tx.js";
import { ChainStore } from "../src/storage/chainStore.js";
import { systemClock, systemTimers } from "../src/util/clock.js";
import { percentile, round } from "./stats.js";

export interface CoreBenchOptions {
  /** Transfers to commit. */
  readonly txs: number;
  /** Distinct senders (each sends txs/senders in nonce order). */
  readonly senders: number;
  /** Transactions handed to the engine per submission batch. */
  readonly batch: number;
  readonly maxBlockTxs: number;
  readonly verifyThreads: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export const defaultCoreBenchOptions: CoreBenchOptions = {
  txs: 100_000,
  senders: 1_000,
  batch: 2_000,
  maxBlockTxs: 10_000,
  verifyThreads: 2,
};

export interface CoreBenchResult {
  readonly bench: "core";
  readonly txs: number;
  readonly committed: number;
  readonly failed: number;
  readonly seconds: number;
  readonly tps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly blocks: number;
  readonly verify_bound_tps: number;
  readonly ratio_to_verify_bound: number;
  readonly cores: number;
  readonly fsync: true;
}

/**
 * Signed transfers submitted to one validator (solo engine, real LevelDB with fsync per block),
 * verified on a worker pool, executed, committed. Transactions are signed before the clock starts:
 * clients sign, validators verify. Latency = commit time of the block − submission time.
 */
export async function runCoreBench(init: Partial<CoreBenchOptions> = {}): Promise<CoreBenchResult> {
  const o = { ...defaultCoreBenchOptions, ...init };
  const verifyBound = await measureVerifyThroughput({ threads: o.verifyThreads, seconds: 2 });
  const dir = mkdtempSync(join(tmpdir(), "consortia-bench-"));
  const pool = createVerifyPool({ threads: o.verifyThreads });
  const store = await ChainStore.open(join(dir, "data"));
  try {
    const t0 = 1_790_000_000_000;
    const ca = keyPairFromSeed(sha256(Buffer.from("bench/ca")));
    const validator = keyPairFromSeed(sha256(Buffer.from("bench/validator")));
    const senders: KeyPair[] = [];
    for (let i = 0; i < o.senders; i++)
      senders.push(keyPairFromSeed(sha256(Buffer.from(`bench/sender/${i}`))));
    const chainId = "consortia-bench-1";
    const certs = [validator, ...senders].map((k, i) =>
      toHex(
        encode(
          certificateCodec,
          issueCertificate(ca.secretKey, {
            chainId,
            serial: BigInt(i + 1),
            subjectPublicKey: k.publicKey,
            subject: sha256(k.publicKey),
            role: i === 0 ? "institution" : "patient",
            notBeforeMs: BigInt(t0),
            notAfterMs: BigInt(t0) + 10n ** 13n,
          }),
        ),
      ),
    );
    const genesis = parseGenesis(
      formatGenesis({
        chainId,
        genesisTimeMs: t0,
        validators: [
          {
            name: "v0",
            pubKey: validator.publicKey,
            address: addressFromPublicKey(validator.publicKey),
            power: 10n,
          },
        ],
        appState: {
          app: { maxBlockTxs: o.maxBlockTxs },
          identity: { cas: [{ name: "ca", publicKey: toHex(ca.publicKey) }], certificates: certs },
          coin: {
            denom: "MED",
            blockReward: "0",
            allocations: senders.map((s) => ({
              address: toHex(addressFromPublicKey(s.publicKey)),
              amount: "1000000000",
            })),
          },
        },
      }),
    );
    const app = new Application({ store, ...defaultModules() }, { chainId });
    const engine = createSoloEngine(
      {
        app,
        store,
        clock: systemClock,
        timers: systemTimers,
        genesis,
        validatorPublicKey: validator.publicKey,
        verifyPool: pool,
      },
      {
        blockIntervalMs: 1,
        maxBlockTxs: o.maxBlockTxs,
        maxBlockBytes: 64 * 1024 * 1024,
        createEmptyBlocks: false,
      },
    );
    await engine.start();

    // Pre-sign: round-robin over senders so every block holds many senders' next nonces.
    const addrs = senders.map((s) => addressFromPublicKey(s.publicKey));
    const raws: Uint8Array[] = new Array(o.txs);
    for (let i = 0; i < o.txs; i++) {
      const s = i % o.senders;
      const to = addrs[(s + 1) % o.senders]!;
      raws[i] = buildTransfer(
        senders[s]!.secretKey,
        { chainId, nonce: BigInt(Math.floor(i / o.senders)), fee: 1n },
        to,
        1n,
      );
    }

    // Clients know their transactions' hashes; computing them is not the validator's cost.
    const hashIndex = new Map<string, number>();
    for (let i = 0; i < o.txs; i++) hashIndex.set(toHex(sha256(raws[i]!)), i);
    const submitAt = new Float64Array(o.txs);
    const latencies: number[] = [];
    let committed = 0;
    let failed = 0;
    let blocks = 0;
    let lastCommitAt = 0;
    const done = new Promise<void>((resolve) => {
      engine.onBlock((b) => {
        const now = performance.now();
        blocks++;
        for (let i = 0; i < b.txHashes.length; i++) {
          const idx = hashIndex.get(b.txHashes[i]!);
          if (idx === undefined) continue;
          latencies.push(now - submitAt[idx]!);
          if (b.response.txResults[i]!.code === 0) committed++;
          else failed++;
        }
        lastCommitAt = now;
        o.onProgress?.(committed + failed, o.txs);
        if (committed + failed >= o.txs) resolve();
      });
    });

    const start = performance.now();
    for (let off = 0; off < o.txs; off += o.batch) {
      // Back-pressure: keep at most a few blocks' worth queued, as a real client would.
      while (engine.mempoolSize() > o.maxBlockTxs) await new Promise((r) => setTimeout(r, 1));
      const chunk = raws.slice(off, off + o.batch);
      const now = performance.now();
      submitAt.fill(now, off, off + chunk.length);
      const res = await engine.submitBatch(chunk);
      const refused = res.filter((r) => r.code !== 0);
      if (refused.length > 0) {
        failed += refused.length;
        process.emitWarning(
          `${refused.length} refused at admission, first: ${refused[0]!.errorCode} ${refused[0]!.log}`,
        );
      }
    }
    await done;
    const seconds = (lastCommitAt - start) / 1000;
    await engine.stop();
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => percentile(latencies, p);
    const tps = committed / seconds;
    return {
      bench: "core",
      txs: o.txs,
      committed,
      failed,
      seconds: round(seconds, 3),
      tps: round(tps, 0),
      p50_ms: round(pct(0.5), 1),
      p99_ms: round(pct(0.99), 1),
      blocks,
      verify_bound_tps: round(verifyBound, 0),
      ratio_to_verify_bound: round(tps / verifyBound, 3),
      cores: (await import("node:os")).availableParallelism(),
      fsync: true,
    };
  } finally {
    await pool.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
