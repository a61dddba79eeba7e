import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { readNonce } from "../src/app/nonce.js";
import { addressFromPublicKey, generateKeyPair, type KeyPair } from "../src/crypto/ed25519.js";
import { sha256, toHex } from "../src/crypto/hash.js";
import { measureVerifyThroughput } from "../src/crypto/verifyPool.js";
import { CommonErrors, ConsortiaError } from "../src/errors.js";
import { startDevnet } from "../src/node/devnet.js";
import { issueCertificate } from "../src/node/network.js";
import { PRESETS } from "../src/node/presets.js";
import { buildRegister, buildTransfer } from "../src/sdk/tx.js";
import { percentile, round } from "./stats.js";

export interface ConsensusBenchOptions {
  readonly validators: number;
  /** Transfers to commit in the measured phase. */
  readonly txs: number;
  /** Funded sending accounts (registered during setup); each sends through one node, in nonce order. */
  readonly senders: number;
  readonly batch: number;
  /** Submitted but not yet committed transactions allowed at once, network-wide. */
  readonly window: number;
  /** Keep the devnet (homes, CometBFT logs) here instead of a removed temporary directory. */
  readonly dir?: string;
  readonly log?: (line: string) => void;
}

export interface ConsensusBenchResult {
  readonly bench: "consensus";
  readonly validators: number;
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
  readonly startup_ms: number;
  readonly cores: number;
  readonly window: number;
  /** 1-minute load average when the run ended: other work on the machine skews every figure. */
  readonly load_avg: number;
  /**
   * Where the cores went during the measured phase (Linux /proc; null elsewhere): CPU-seconds per
   * second of the N cometbft processes together, and of this process (the N applications, their
   * signature-verification workers and the submission loop; transactions are signed beforehand).
   */
  readonly cpu_cores_cometbft: number | null;
  readonly cpu_cores_apps: number;
  /** CPU per committed transaction, all N nodes together. */
  readonly cometbft_cpu_us_per_tx: number | null;
  readonly apps_cpu_us_per_tx: number;
  /** cores / cometbft_cpu_us_per_tx: the rate at which the cometbft processes alone would fill every core. */
  readonly cometbft_bound_tps: number | null;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every mainstream kernel. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process from /proc/<pid>/stat; undefined when unreadable. */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** Summed CPU seconds of the cometbft processes (pid files in their homes); undefined if any is unreadable. */
function cometCpuSeconds(homes: readonly string[]): number | undefined {
  let sum = 0;
  for (const home of homes) {
    let pid: number;
    try {
      pid = Number(readFileSync(join(home, "cometbft", "cometbft.pid"), "utf8").trim());
    } catch {
      return undefined;
    }
    const s = procCpuSeconds(pid);
    if (s === undefined) return undefined;
    sum += s;
  }
  return sum;
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * N validators on this machine (CometBFT processes + our apps, `consortia devnet`), signed
 * transfers submitted through every node; committed = in a block as seen by node 0. Every tx is
 * verified by every validator (CheckTx on arrival or gossip), so the verification bound is
 * (Ed25519 verifies/s on this machine) / N.
 */
export async function runConsensusBench(o: ConsensusBenchOptions): Promise<ConsensusBenchResult> {
  const log = o.log ?? (() => undefined);
  const verifyAll = await measureVerifyThroughput({ seconds: 2 });
  const devnet = await startDevnet({
    validators: o.validators,
    preset: PRESETS.healthchain,
    basePort: 0,
    nowMs: Date.now(),
    log,
    ...(o.dir !== undefined ? { dir: o.dir } : {}),
  });
  try {
    const material = devnet.material!;
    const nodes = devnet.nodes.map((d) => d.node);
    const engine0 = nodes[0]!.engine;
    const chainId = devnet.chainId;

    // Setup: register and fund the senders (not measured).
    log(`bench: registering ${o.senders} senders`);
    const senders: KeyPair[] = Array.from({ length: o.senders }, () => generateKeyPair());
    const now = BigInt(Date.now());
    const regs = senders.map((k, i) =>
      buildRegister(
        k.secretKey,
        { chainId, nonce: 0n, fee: 0n },
        issueCertificate(material.ca.secretKey, {
          chainId,
          serial: 10_000n + BigInt(i),
          subjectPublicKey: k.publicKey,
          subject: sha256(k.publicKey),
          role: "patient",
          notBeforeMs: now - 60_000n,
          notAfterMs: now + 86_400_000n,
        }),
      ),
    );
    await commitAll(engine0, regs);
    const funder = material.validators[0]!;
    // The institution's record service may already have used nonces (it publishes its profile).
    const first = readNonce(nodes[0]!.store, funder.address);
    const funding = senders.map((k, i) =>
      buildTransfer(
        funder.keys.secretKey,
        { chainId, nonce: first + BigInt(i), fee: 0n },
        addressFromPublicKey(k.publicKey),
        10n ** 9n,
      ),
    );
    await commitAll(engine0, funding);

    // Pre-sign: sender s sends perSender transfers in nonce order (1, 2, …: its registration used
    // nonce 0), all through node s mod N.
    const perSender = Math.ceil(o.txs / o.senders);
    const addrs = senders.map((k) => addressFromPublicKey(k.publicKey));
    const queues: Uint8Array[][] = senders.map((k, s) =>
      Array.from({ length: perSender }, (_, n) =>
        buildTransfer(
          k.secretKey,
          { chainId, nonce: BigInt(n + 1), fee: 1n },
          addrs[(s + 1) % o.senders]!,
          1n,
        ),
      ),
    );
    const submitAt = new Map<string, number>();
    for (const q of queues) for (const raw of q) submitAt.set(toHex(sha256(raw)), 0);
    const total = submitAt.size;
    const latencies: number[] = [];
    let committed = 0;
    let failed = 0;
    let submitted = 0;
    let blocks = 0;
    let last = 0;
    const done = new Promise<void>((resolve) => {
      engine0.onBlock((b) => {
        const t = performance.now();
        blocks++;
        b.txHashes.forEach((h, i) => {
          const at = submitAt.get(h);
          if (at === undefined) return;
          latencies.push(t - at);
          if (b.response.txResults[i]!.code === 0) committed++;
          else failed++;
        });
        last = t;
        if (committed + failed >= total) resolve();
      });
    });

    log(`bench: submitting ${total} transfers through ${o.validators} nodes`);
    const homes = devnet.nodes.map((d) => d.home);
    const cometCpu0 = cometCpuSeconds(homes);
    const ownCpu0 = ownCpuSeconds();
    const start = performance.now();
    const byNode: Uint8Array[][] = nodes.map(() => []);
    for (const [s, q] of queues.entries()) byNode[s % nodes.length]!.push(...q);
    await Promise.all(
      nodes.map(async (node, i) => {
        const mine = byNode[i]!;
        for (let off = 0; off < mine.length; off += o.batch) {
          // Client-side flow control: a bounded number of submitted, uncommitted transactions
          // across the network, so the measurement is throughput, not queueing in the mempools.
          while (submitted - committed - failed > o.window) await new Promise((r) => setTimeout(r, 5));
          submitted += Math.min(o.batch, mine.length - off);
          const chunk = mine.slice(off, off + o.batch);
          const t = performance.now();
          for (const raw of chunk) submitAt.set(toHex(sha256(raw)), t);
          const res = await node.engine.submitBatch(chunk);
          failed += res.filter((r) => r.code !== 0).length;
        }
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, 120_000);
    });
    await Promise.race([done, timeout]);
    clearTimeout(timer);
    const cometCpu1 = cometCpuSeconds(homes);
    const ownCpu = ownCpuSeconds() - ownCpu0;
    const seconds = (last - start) / 1000;
    const cometCpu = cometCpu0 !== undefined && cometCpu1 !== undefined ? cometCpu1 - cometCpu0 : undefined;
    const perTxUs = (cpu: number) => (committed > 0 ? (cpu * 1e6) / committed : 0);
    const cores = availableParallelism();
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => percentile(latencies, p);
    const bound = verifyAll / o.validators;
    return {
      bench: "consensus",
      validators: o.validators,
      txs: total,
      committed,
      failed,
      seconds: round(seconds, 3),
      tps: round(committed / seconds, 0),
      p50_ms: round(pct(0.5), 1),
      p99_ms: round(pct(0.99), 1),
      blocks,
      verify_bound_tps: round(bound, 0),
      ratio_to_verify_bound: round(committed / seconds / bound, 3),
      startup_ms: devnet.startupMs,
      cores,
      window: o.window,
      load_avg: round(loadavg()[0] ?? 0, 2),
      cpu_cores_cometbft: cometCpu === undefined ? null : round(cometCpu / seconds, 2),
      cpu_cores_apps: round(ownCpu / seconds, 2),
      cometbft_cpu_us_per_tx: cometCpu === undefined ? null : round(perTxUs(cometCpu), 0),
      apps_cpu_us_per_tx: round(perTxUs(ownCpu), 0),
      cometbft_bound_tps:
        cometCpu === undefined || cometCpu <= 0 ? null : round((cores * committed) / cometCpu, 0),
    };
  } finally {
    await devnet.stop();
  }
}

async function commitAll(
  engine: {
    submitBatch(r: readonly Uint8Array[]): Promise<{ code: number; hash: string; log: string }[]>;
    waitForCommit(h: string, ms: number): Promise<unknown>;
  },
  raws: readonly Uint8Array[],
): Promise<void> {
  const res = await engine.submitBatch(raws);
  const bad = res.find((r) => r.code !== 0);
  if (bad) throw new ConsortiaError(CommonErrors.INTERNAL, `setup transaction refused: ${bad.log}`);
  await Promise.all(res.map((r) => engine.waitForCommit(r.hash, 60_000)));
}
