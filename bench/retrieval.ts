/**
 * Record retrieval latency, three designs measured in one run (BEdgeHealth Fig. 7; edge-cloud
 * Table I). See docs/retrieval-bench.md for what is and is not measured.
 *
 *   direct   locate(recordId) → {holder gateway, CID}, then fetch the DAG from that holder
 *   dht      Kademlia GET_PROVIDERS lookup for the CID (no cache), then fetch from the provider
 *   central  fetch from the one server that holds every record
 *
 * Servers run in two child processes (bench/retrievalServers.ts): the holders with the DHT, and
 * the central server. This process is only the client. Each of N users retrieves a distinct record
 * (held round-robin); the N retrievals start together; every N is repeated `rounds` times with the
 * designs in rotating order, after one discarded warm-up round per design. A sample is the time
 * from the start of locating to the last byte verified (every block re-hashed against its CID by
 * fetchFromHolder); the bytes are then also compared, outside the timing, with sha256 of the
 * bytes this process derived itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sha256, toHex } from "../src/crypto/hash.js";
import { CommonErrors, ConsortiaError } from "../src/errors.js";
import { parseCid } from "../src/offchain/cid.js";
import { providerKey } from "../src/offchain/dht/id.js";
import { createDhtNode, type DhtNode } from "../src/offchain/dht/node.js";
import { fetchFromHolder } from "../src/offchain/fetch.js";
import { recordBytes, type ServersInit, type ServersReady, zFromServers } from "./retrievalRecords.js";
import { percentile, round } from "./stats.js";

export type RetrievalDesign = "direct" | "dht" | "central";
export type RetrievalLocatorKind = "in-memory" | "custom" | "chain";

/** Finds a record's holder and CID; in production, two queries to a node's API (records, then the holder's profile). */
export type DirectLocator = (recordId: string) => Promise<{ baseUrl: string; cid: string }>;

export interface SeededRecord {
  /** sha256 of the record bytes, hex (the on-chain record id). */
  readonly recordId: string;
  readonly cid: string;
  /** Gateway base URL of the holder. */
  readonly holderUrl: string;
  readonly holder: number;
  readonly sizeBytes: number;
}

export interface RetrievalBenchOptions {
  /** Concurrent retrievals per measurement, e.g. [2, 4, 6, 8, 10, 12]. */
  readonly users: readonly number[];
  readonly sizeBytes: number;
  /** Holder servers (hospitals). Default 4. */
  readonly holders?: number;
  /** DHT nodes, holders included. Default 32. */
  readonly dhtNodes?: number;
  /** The direct design's locator; default: an in-memory map filled while seeding (zero cost). */
  readonly locate?: DirectLocator;
  /** How rows name a caller's `locate`; default "custom". bench/retrievalChain.ts is "chain". */
  readonly locatorKind?: "custom" | "chain";
  /** Called once the records are held, before any measurement (e.g. to register them on chain). */
  readonly onSeeded?: (records: readonly SeededRecord[]) => Promise<void>;
  /** Repetitions of each N. Default 10. */
  readonly rounds?: number;
  /** Kademlia bucket size / replication. Default 20. */
  readonly k?: number;
  /** Kademlia lookup parallelism. Default 3. */
  readonly alpha?: number;
  readonly log?: (line: string) => void;
  /** Each row as soon as it is measured. */
  readonly onRow?: (row: RetrievalRow) => void;
}

export interface RetrievalRow {
  readonly design: RetrievalDesign;
  readonly users: number;
  readonly size_bytes: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly mean_ms: number;
  /** dht: mean path length of the provider lookups. */
  readonly mean_hops?: number;
  /** dht: mean RPCs sent per lookup. */
  readonly mean_rpcs?: number;
  /** Mean time spent finding the holder (0 for central), inside the total. */
  readonly locate_mean_ms: number;
  /** Median of the same. */
  readonly locate_p50_ms: number;
  /** direct: the built-in in-memory map, the on-chain index (bench/retrievalChain.ts) or another caller's. */
  readonly locator?: RetrievalLocatorKind;
  readonly retrievals: number;
}

interface Sample {
  readonly ms: number;
  readonly locateMs: number;
  readonly hops?: number;
  readonly rpcs?: number;
}

const ROOT = join(import.meta.dirname, "..");
const CHILD = join(import.meta.dirname, `retrievalServers${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`);
const DESIGNS: readonly RetrievalDesign[] = ["direct", "dht", "central"];

function invalid(field: string, why: string): ConsortiaError {
  return new ConsortiaError(CommonErrors.INVALID_ARGUMENT, `${field} ${why}`, { field });
}

function intIn(field: string, v: number, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw invalid(field, `must be an integer in ${min}..${max}`);
  return v;
}

interface Servers {
  readonly ready: ServersReady;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Spawns the server child with `init` and resolves once it reports its records are held. */
function startServers(init: ServersInit, timeoutMs: number): Promise<Servers> {
  const args = CHILD.endsWith(".ts") ? ["--import", "tsx", CHILD] : [CHILD];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = async () => {
    if (child.connected) child.send({ type: "stop" });
    if (!(await waitExit(child, 15_000))) {
      child.kill("SIGKILL");
      await waitExit(child, 5_000);
    }
  };
  return new Promise<Servers>((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      void stop();
      reject(
        new ConsortiaError(CommonErrors.UNAVAILABLE, `${init.role} servers: ${message}`, {
          role: init.role,
          stderr: stderr.slice(-2000),
        }),
      );
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null) => fail(`exited with ${code} before ready`);
    child.once("exit", onExit);
    child.once("error", (err) => fail(`could not start: ${err.message}`));
    child.once("message", (raw: unknown) => {
      const msg = zFromServers.safeParse(raw);
      if (!msg.success) return fail(`unexpected message: ${msg.error.message.slice(0, 300)}`);
      if (msg.data.type === "error") return fail(msg.data.message);
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve({ ready: msg.data, stop });
    });
    child.send(init);
  });
}

function summarize(
  design: RetrievalDesign,
  users: number,
  sizeBytes: number,
  samples: readonly Sample[],
  locator: RetrievalLocatorKind,
): RetrievalRow {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    design,
    users,
    size_bytes: sizeBytes,
    p50_ms: round(percentile(sorted, 0.5), 2),
    p99_ms: round(percentile(sorted, 0.99), 2),
    mean_ms: round(mean(sorted), 2),
    ...(design === "dht"
      ? {
          mean_hops: round(mean(samples.map((s) => s.hops ?? 0)), 2),
          mean_rpcs: round(mean(samples.map((s) => s.rpcs ?? 0)), 2),
        }
      : {}),
    locate_mean_ms: round(mean(samples.map((s) => s.locateMs)), 2),
    locate_p50_ms: round(
      percentile(
        samples.map((s) => s.locateMs).sort((a, b) => a - b),
        0.5,
      ),
      2,
    ),
    ...(design === "direct" ? { locator } : {}),
    retrievals: samples.length,
  };
}

export async function runRetrievalBench(opts: RetrievalBenchOptions): Promise<RetrievalRow[]> {
  if (!Array.isArray(opts.users) || opts.users.length === 0 || opts.users.length > 100) {
    throw invalid("users", "must be a list of 1..100 user counts");
  }
  const users = opts.users.map((n) => intIn("users", n, 1, 1000));
  const sizeBytes = intIn("sizeBytes", opts.sizeBytes, 1, 64 * 1024 * 1024);
  const holders = intIn("holders", opts.holders ?? 4, 1, 256);
  const dhtNodes = intIn("dhtNodes", opts.dhtNodes ?? 32, holders, 1024);
  const rounds = intIn("rounds", opts.rounds ?? 10, 1, 1000);
  const k = intIn("k", opts.k ?? 20, 1, 64);
  const alpha = intIn("alpha", opts.alpha ?? 3, 1, 64);
  const log = opts.log ?? (() => undefined);
  const count = Math.max(...users);
  const seed = toHex(new Uint8Array(randomBytes(16)));

  const expected = Array.from({ length: count }, (_, i) => toHex(sha256(recordBytes(seed, i, sizeBytes))));
  log(
    `retrieval: ${count} records of ${sizeBytes} bytes, ${holders} holders, ${dhtNodes} DHT nodes (k=${k}, α=${alpha}); ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
  );
  const init = { seed, records: count, sizeBytes, holders, dhtNodes, k, alpha };
  const timeoutMs = 120_000 + count * 2_000;
  const started: Servers[] = [];
  let client: DhtNode | undefined;
  try {
    const settled = await Promise.allSettled([
      startServers({ type: "init", role: "holders", ...init }, timeoutMs),
      startServers({ type: "init", role: "central", ...init }, timeoutMs),
    ]);
    for (const s of settled) if (s.status === "fulfilled") started.push(s.value);
    for (const s of settled) if (s.status === "rejected") throw s.reason;
    const [holderSide, centralSide] = started as [Servers, Servers];
    log(
      `servers ready (holders seeded in ${holderSide.ready.seedMs} ms, central in ${centralSide.ready.seedMs} ms)`,
    );
    const records = holderSide.ready.records;
    const central = centralSide.ready.records;
    for (let i = 0; i < count; i++) {
      if (records[i]?.cid !== central[i]?.cid) {
        throw new ConsortiaError(
          CommonErrors.INTERNAL,
          `record ${i} has different CIDs on holder and central`,
        );
      }
    }
    const seeded: SeededRecord[] = records.map((r, i) => ({
      recordId: expected[i] as string,
      cid: r.cid,
      holderUrl: holderSide.ready.gateways[r.holder] as string,
      holder: r.holder,
      sizeBytes,
    }));
    await opts.onSeeded?.(seeded);
    const byId = new Map(seeded.map((s) => [s.recordId, s]));
    const locate: DirectLocator =
      opts.locate ??
      (async (recordId) => {
        const s = byId.get(recordId);
        if (s === undefined) throw new ConsortiaError(CommonErrors.NOT_FOUND, `no record ${recordId}`);
        return { baseUrl: s.holderUrl, cid: s.cid };
      });
    const locator: RetrievalLocatorKind =
      opts.locate === undefined ? "in-memory" : (opts.locatorKind ?? "custom");
    const centralUrl = centralSide.ready.gateways[0] as string;

    // The client is a DHT node in client mode: a routing table from bootstrap, no provider cache.
    const dhtClient = createDhtNode(
      { now: Date.now },
      { selfUrl: "http://127.0.0.1:1/retrieval-bench-client", mode: "client", k, alpha },
    );
    client = dhtClient;
    const peers = holderSide.ready.dht;
    await dhtClient.bootstrap([peers[peers.length - 1] as string]);
    log(`DHT client bootstrapped: ${dhtClient.table.size} contacts`);

    const retrieve = async (design: RetrievalDesign, i: number): Promise<Sample> => {
      const recordId = expected[i] as string;
      const cid = parseCid(seeded[i]?.cid as string);
      const t0 = performance.now();
      let baseUrl: string;
      let hops: number | undefined;
      let rpcs: number | undefined;
      if (design === "direct") {
        const loc = await locate(recordId);
        if (loc.cid !== cid.toString()) {
          throw new ConsortiaError(CommonErrors.INTERNAL, `locator returned CID ${loc.cid} for record ${i}`);
        }
        baseUrl = loc.baseUrl;
      } else if (design === "dht") {
        const found = await dhtClient.findProviders(providerKey(cid));
        baseUrl = (found.providers[0] as { url: string }).url;
        hops = found.hops;
        rpcs = found.queried;
      } else {
        baseUrl = centralUrl;
      }
      // Central has nothing to locate; do not charge it the few microseconds of the branch.
      const t1 = design === "central" ? t0 : performance.now();
      const got = await fetchFromHolder(baseUrl, cid, { maxBytes: sizeBytes });
      const ms = performance.now() - t0;
      if (toHex(sha256(got.bytes)) !== recordId) {
        throw new ConsortiaError(CommonErrors.INTERNAL, `${design}: record ${i} came back with other bytes`);
      }
      return {
        ms,
        locateMs: t1 - t0,
        ...(hops !== undefined ? { hops } : {}),
        ...(rpcs !== undefined ? { rpcs } : {}),
      };
    };
    const burst = (design: RetrievalDesign, n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => retrieve(design, i)));

    for (const design of DESIGNS) await burst(design, count);

    const rows: RetrievalRow[] = [];
    for (const n of users) {
      const samples = new Map<RetrievalDesign, Sample[]>(DESIGNS.map((d) => [d, []]));
      for (let r = 0; r < rounds; r++) {
        // Rotating the order spreads any drift (GC, other load) over all three designs.
        for (let j = 0; j < DESIGNS.length; j++) {
          const design = DESIGNS[(r + j) % DESIGNS.length] as RetrievalDesign;
          samples.get(design)?.push(...(await burst(design, n)));
        }
      }
      for (const design of DESIGNS) {
        const row = summarize(design, n, sizeBytes, samples.get(design) ?? [], locator);
        rows.push(row);
        opts.onRow?.(row);
      }
      log(
        `N=${n}: ${rows
          .slice(-3)
          .map((r) => `${r.design} p50 ${r.p50_ms} ms`)
          .join(", ")}`,
      );
    }
    return rows;
  } finally {
    await client?.stop();
    await Promise.all(started.map((s) => s.stop()));
  }
}
