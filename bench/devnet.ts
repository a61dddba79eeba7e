/**
 * Local devnet startup and steady state: N validators (N cometbft processes, N applications in this
 * process), as `consortia devnet` runs them. Prints one JSON object.
 *
 *   node --import tsx bench/devnet.ts [validators=4] [settleMs=15000]
 *
 * - startup_ms: first cometbft spawned → every node committed block 1 (what `devnet` reports);
 *   total_ms adds creating keys, genesis and homes.
 * - commit_latency_ms: one transfer sent to the middle node with ?wait=commit, after settleMs.
 * - rounds: histogram of the consensus round each block committed in (0 = no timeout fired);
 *   block_interval_ms: mean header time difference.
 * - rss: this process, and the sum over the cometbft processes (from /proc).
 * - settle_cpu_pct: CPU used during the settle window (no transactions: the idle cost), as percent
 *   of one core — this process, and all cometbft processes together (/proc/<pid>/stat).
 * load_avg is the 1-minute load average at the start: the machine may be shared.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { toHex } from "../src/crypto/hash.js";
import { CometRpc } from "../src/engine/cometbft/rpc.js";
import { startDevnet } from "../src/node/devnet.js";
import { PRESETS } from "../src/node/presets.js";
import { buildTransfer } from "../src/sdk/tx.js";

const validators = Number(process.argv[2] ?? 4);
const settleMs = Number(process.argv[3] ?? 15_000);
const loadAvg = loadavg()[0];
const t0 = Date.now();
const net = await startDevnet({
  validators,
  preset: PRESETS.energy,
  basePort: 0,
  nowMs: Date.now() - 1000,
  logLevel: "error",
});
try {
  const totalMs = Date.now() - t0;
  const pids = net.nodes.map((n) => Number(readFileSync(join(n.home, "cometbft", "cometbft.pid"), "utf8")));
  // utime + stime in clock ticks (USER_HZ = 100 on Linux).
  const cometTicks = () =>
    pids.reduce((sum, pid) => {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return sum + Number(f[11]) + Number(f[12]);
    }, 0);
  const ticks0 = cometTicks();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, settleMs));
  const cometCpuPct = Math.round(((cometTicks() - ticks0) / 100 / (settleMs / 1000)) * 100);
  const own = process.cpuUsage(cpu0);
  const ownCpuPct = Math.round(((own.user + own.system) / 1e6 / (settleMs / 1000)) * 100 * 10) / 10;
  const m = net.material!;
  const raw = buildTransfer(
    m.validators[0]!.keys.secretKey,
    { chainId: m.chainId, nonce: 0n, fee: 1n },
    m.validators[Math.min(1, validators - 1)]!.address,
    5n,
  );
  const sent = Date.now();
  const res = await fetch(`${net.nodes[Math.floor(validators / 2)]!.apiUrl}/txs?wait=commit`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tx: toHex(raw) }),
  });
  const commitLatencyMs = Date.now() - sent;
  const committed = res.status === 200;
  const rpc = new CometRpc({ url: `http://127.0.0.1:${net.nodes[0]!.ports.rpc}` });
  const top = (await rpc.status()).sync_info.latest_block_height;
  const rounds: Record<string, number> = {};
  const times: number[] = [];
  for (let h = 2n; h <= top; h++) {
    const c = await rpc.commit(h);
    const r = String(c.signed_header.commit.round);
    rounds[r] = (rounds[r] ?? 0) + 1;
    times.push(Date.parse(c.signed_header.header.time));
  }
  const rssKb = (pid: number) =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  const cometRssKb = pids.reduce((sum, pid) => sum + rssKb(pid), 0);
  const stopStart = Date.now();
  await net.stop();
  process.stdout.write(
    `${JSON.stringify({
      validators,
      load_avg: Number(loadAvg?.toFixed(2)),
      startup_ms: net.startupMs,
      total_ms: totalMs,
      committed,
      commit_latency_ms: commitLatencyMs,
      height: Number(top),
      rounds,
      block_interval_ms:
        times.length > 1 ? Math.round((times.at(-1)! - times[0]!) / (times.length - 1)) : null,
      settle_cpu_pct: { node: ownCpuPct, cometbft: cometCpuPct },
      node_rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
      cometbft_rss_mb_total: Math.round(cometRssKb / 1024),
      stop_ms: Date.now() - stopStart,
    })}\n`,
  );
} finally {
  await net.stop();
}
