/**
 * The `direct` design's on-chain locator for the retrieval benchmark: a devnet in a child process
 * (bench/retrievalChainNode.ts) indexes the seeded records under one institution per holder
 * server, and each lookup does what a client does (src/sdk/ehr.ts): GET
 * {api}/query/records/record/<id>, then GET {api}/query/access/profile/<holder> for the endpoint.
 * Nothing is cached between lookups.
 *
 *   const chain = startChainLocator({ log });       // the devnet boots while the servers seed
 *   try { await runRetrievalBench({ ..., locate: chain.locate, onSeeded: chain.onSeeded, locatorKind: "chain" }) }
 *   finally { await chain.stop() }
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { CommonErrors, ConsortiaError } from "../src/errors.js";
import { createClient } from "../src/sdk/client.js";
import { getProfile, getRecordInfo, type Profile } from "../src/sdk/ehr.js";
import { createTtlCache } from "../src/sdk/ttlCache.js";
import type { DirectLocator, SeededRecord } from "./retrieval.js";
import { type FromChain, zFromChain } from "./retrievalChainWire.js";

export interface ChainLocator {
  /** Registers the holders and records on chain; the runner calls it before measuring. */
  onSeeded(records: readonly SeededRecord[]): Promise<void>;
  readonly locate: DirectLocator;
  /** Stops the devnet and its child; safe to call more than once, or after a failure. */
  stop(): Promise<void>;
}

export interface ChainLocatorOptions {
  readonly log?: (line: string) => void;
  /** Devnet start-up allowance. Default 120 s. */
  readonly startTimeoutMs?: number;
  /** Registration allowance. Default 120 s. */
  readonly seedTimeoutMs?: number;
}

const ROOT = join(import.meta.dirname, "..");
const CHILD = join(
  import.meta.dirname,
  `retrievalChainNode${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
);

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

/** Spawns the chain child and starts its devnet at once, so it boots while the holders seed. */
export function startChainLocator(opts: ChainLocatorOptions = {}): ChainLocator {
  const log = opts.log ?? (() => undefined);
  const args = CHILD.endsWith(".ts") ? ["--import", "tsx", CHILD] : [CHILD];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });

  const inbox: FromChain[] = [];
  let waiter: ((m: FromChain) => void) | undefined;
  let gone: string | undefined;
  const deliver = (m: FromChain) => {
    const w = waiter;
    waiter = undefined;
    if (w) w(m);
    else inbox.push(m);
  };
  child.on("message", (raw: unknown) => {
    const m = zFromChain.safeParse(raw);
    deliver(
      m.success ? m.data : { type: "error", message: `unexpected message: ${m.error.message.slice(0, 300)}` },
    );
  });
  child.once("exit", (code) => {
    gone = `exited with ${code}`;
    deliver({ type: "error", message: gone });
  });
  child.once("error", (err) => deliver({ type: "error", message: `could not start: ${err.message}` }));

  const failure = (what: string, message: string) =>
    new ConsortiaError(CommonErrors.UNAVAILABLE, `chain locator: ${what}: ${message}`, {
      stderr: stderr.slice(-2000),
    });
  /** The child's next message of type `want`, or a typed failure. */
  const next = <T extends FromChain["type"]>(
    want: T,
    what: string,
    timeoutMs: number,
  ): Promise<Extract<FromChain, { type: T }>> =>
    new Promise((resolve, reject) => {
      const take = (m: FromChain) => {
        clearTimeout(timer);
        if (m.type === want) resolve(m as Extract<FromChain, { type: T }>);
        else reject(failure(what, m.type === "error" ? m.message : `answered ${m.type}`));
      };
      const timer = setTimeout(() => {
        waiter = undefined;
        reject(failure(what, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const queued = inbox.shift();
      if (queued) take(queued);
      else waiter = take;
    });

  child.send({ type: "start" });
  const started = next("started", "devnet start", opts.startTimeoutMs ?? 120_000);
  // Observed by onSeeded; until then a failure must not surface as an unhandled rejection.
  started.catch(() => undefined);
  let client: ReturnType<typeof createClient> | undefined;
  const profiles = createTtlCache<Profile>();
  let stopping: Promise<void> | undefined;

  return {
    async onSeeded(records) {
      const s = await started;
      log(
        `chain locator: devnet ${s.chainId} up in ${s.startupMs} ms; registering ${records.length} records`,
      );
      // Only holders that hold something get an institution; `compact` maps bench index → list index.
      const holders: string[] = [];
      const compact = new Map<number, number>();
      for (const r of records) {
        if (!compact.has(r.holder)) {
          compact.set(r.holder, holders.length);
          holders.push(r.holderUrl);
        }
      }
      if (gone !== undefined) throw failure("seed", gone);
      child.send({
        type: "seed",
        holders,
        records: records.map((r) => ({
          recordId: r.recordId,
          cid: r.cid,
          holder: compact.get(r.holder) as number,
          sizeBytes: r.sizeBytes,
        })),
      });
      const seeded = await next("seeded", "seed", opts.seedTimeoutMs ?? 120_000);
      log(
        `chain locator: ${holders.length} institutions and ${records.length} records indexed by block ${seeded.height} in ${seeded.ms} ms`,
      );
      client = createClient(s.api);
    },

    async locate(recordId) {
      if (client === undefined) {
        throw new ConsortiaError(CommonErrors.INTERNAL, "chain locator used before onSeeded finished");
      }
      const record = await getRecordInfo(client, recordId);
      // As the SDK's getRecord does with `profiles`: a holder's profile is read once a minute,
      // not once per retrieval.
      const c = client;
      const profile = await profiles.get(record.holder, () => getProfile(c, record.holder));
      return { baseUrl: profile.endpoint, cid: record.cid };
    },

    stop() {
      stopping ??= (async () => {
        if (child.connected) child.send({ type: "stop" });
        // The child stops CometBFT itself; killing it early would orphan that process.
        if (!(await waitExit(child, 60_000))) {
          child.kill("SIGKILL");
          await waitExit(child, 5_000);
        }
      })();
      return stopping;
    },
  };
}
