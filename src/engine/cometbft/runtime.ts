/**
 * One node's CometBFT side, started in order and stopped in reverse: our ABCI server (so CometBFT
 * finds it when it connects), the CometBFT home synced from our config, the cometbft process, and
 * the CometEngine on top. The caller owns the store and the application.
 *
 * A cometbft that exits on its own is restarted (bounded, with backoff): the ABCI server resets the
 * application's uncommitted state when the new process connects (Application.resetUncommitted),
 * and CometBFT's handshake replays from our last commit, exactly as after a restart of both.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AbciLogger } from "../../abci/log.js";
import { type AbciServer, createAbciServer } from "../../abci/server.js";
import type { Application } from "../../app/application.js";
import type { VerifyPool } from "../../crypto/verifyPool.js";
import { asConsortiaError, ConsortiaError } from "../../errors.js";
import { type Clock, systemClock, systemTimers, type Timers } from "../../util/clock.js";
import { CometEngine, type CometEngineOptions } from "./engine.js";
import { CometErrors } from "./errors.js";
import { syncCometHome } from "./files.js";
import type { CometbftOptions } from "./options.js";
import { type CometExit, CometProcess, resolveCometBinary } from "./process.js";
import { CometRpc } from "./rpc.js";

export interface CometRuntimeInput {
  /** The CometBFT home (<node home>/cometbft), written by files.ts writeCometHome. */
  readonly cometHome: string;
  readonly moniker: string;
  readonly options: CometbftOptions;
  readonly genesisJson: string;
  readonly app: Application;
  readonly verifyPool?: VerifyPool;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly abciLog?: AbciLogger;
  readonly engine?: Partial<CometEngineOptions>;
  /** How an exited cometbft is restarted; `maxRestarts: 0` gives up at the first exit. */
  readonly restart?: Partial<CometRestartPolicy>;
  /** A restart is scheduled (default: one line on stderr). */
  readonly onRestart?: (r: CometRestartEvent) => void;
  /** CometBFT exited and the restart budget is spent; the engine has stopped admitting. */
  readonly onExit?: (err: ConsortiaError) => void;
}

export interface CometRestartPolicy {
  /** Restarts allowed within `windowMs`; one more exit in the window is final. */
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** Wait before the first restart in a window; doubles with each further one, up to maxBackoffMs. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/**
 * A crash loop (a disk that fails every Commit, a config CometBFT refuses) ends after 5 tries in
 * 10 minutes instead of spinning; an occasional crash costs 1 s of downtime.
 */
export const defaultCometRestartPolicy: CometRestartPolicy = {
  maxRestarts: 5,
  windowMs: 10 * 60_000,
  backoffMs: 1000,
  maxBackoffMs: 30_000,
};

export interface CometRestartEvent {
  /** 1-based count of restarts within the current window. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: ConsortiaError;
}

export interface CometRuntime {
  readonly engine: CometEngine;
  /** The current cometbft process (a new one after each restart). */
  readonly process: CometProcess;
  readonly abci: AbciServer;
  readonly rpc: CometRpc;
  /** Engine, then CometBFT (SIGTERM), then the ABCI server (waits for a commit in flight). */
  stop(): Promise<void>;
}

const PID_FILE = "cometbft.pid";

export async function startCometRuntime(input: CometRuntimeInput): Promise<CometRuntime> {
  const o = input.options;
  const binary = await resolveCometBinary(o.binary);
  await reapOrphan(input.cometHome);
  const abci = createAbciServer(
    { app: input.app, ...(input.verifyPool ? { verifyPool: input.verifyPool } : {}) },
    { address: o.abciAddress, ...(input.abciLog ? { log: input.abciLog } : {}) },
  );
  const rpc = new CometRpc({ url: `http://127.0.0.1:${o.rpcPort}` });
  const engine = new CometEngine(
    {
      app: input.app,
      rpc,
      committed: abci,
      checked: abci,
      ...(input.verifyPool ? { verifyPool: input.verifyPool } : {}),
      ...(input.clock ? { clock: input.clock } : {}),
      ...(input.timers ? { timers: input.timers } : {}),
    },
    { maxBatch: o.rpcMaxBatch, maxBatchBytes: Math.floor(o.rpcMaxBodyBytes / 2), ...input.engine },
  );
  await abci.start();
  const clock = input.clock ?? systemClock;
  const timers = input.timers ?? systemTimers;
  const policy: CometRestartPolicy = { ...defaultCometRestartPolicy, ...input.restart };
  const onRestart = input.onRestart ?? ((r) => reportRestart(input.cometHome, policy, r));
  const pidPath = join(input.cometHome, PID_FILE);
  let stopping = false;
  let current: CometProcess | undefined;
  let restarting: Promise<void> | undefined;
  /** Ends a backoff wait early when stop() is called. */
  let wake: (() => void) | undefined;
  /** Start times of the restarts inside the current window. */
  const restarts: number[] = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        wake = undefined;
        resolve();
      };
      const h = timers.setTimeout(done, ms);
      wake = () => {
        timers.clearTimeout(h);
        done();
      };
    });

  const launch = async (): Promise<void> => {
    const proc = new CometProcess({
      home: input.cometHome,
      binary,
      rpcUrl: rpc.url,
      startTimeoutMs: o.startTimeoutMs,
      stopTimeoutMs: o.stopTimeoutMs,
      goMaxProcs: o.goMaxProcs,
      onUnexpectedExit: exited,
    });
    current = proc;
    const started = proc.start();
    if (proc.pid !== undefined) writeFileSync(pidPath, `${proc.pid}\n`);
    await started;
  };

  function exited(exit: CometExit): void {
    rmSync(pidPath, { force: true });
    engine.halt(exit.error);
    if (!stopping) restarting = restartLoop(exit.error);
  }

  const restartLoop = async (first: ConsortiaError): Promise<void> => {
    let error = first;
    for (;;) {
      const now = clock.now();
      while (restarts.length > 0 && now - restarts[0]! >= policy.windowMs) restarts.shift();
      if (restarts.length >= policy.maxRestarts) {
        input.onExit?.(
          new ConsortiaError(
            CometErrors.COMET_EXITED,
            `${error.message}\n  (restarted ${restarts.length} times within ${policy.windowMs} ms: not restarting again)`,
            { ...error.details, restarts: restarts.length },
          ),
        );
        return;
      }
      restarts.push(now);
      const delayMs = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (restarts.length - 1));
      onRestart({ attempt: restarts.length, delayMs, error });
      await sleep(delayMs);
      // The ABCI server recognises the new process by finding none of the old one's connections
      // open; they close as soon as the kernel reaps it, so this wait is normally zero.
      for (let waited = 0; abci.connectionCount() > 0 && waited < 5000 && !stopping; waited += 20)
        await sleep(20);
      if (stopping) return;
      try {
        await launch();
        if (!stopping) engine.resume();
        return;
      } catch (err) {
        rmSync(pidPath, { force: true });
        if (stopping) return;
        error = asConsortiaError(err);
      }
    }
  };

  try {
    // The bound address, so abciAddress may name port 0.
    syncCometHome(input.cometHome, {
      genesisJson: input.genesisJson,
      config: { moniker: input.moniker, options: { ...o, abciAddress: abci.address() } },
    });
    await launch();
  } catch (err) {
    await engine.stop();
    await current?.stop();
    await abci.stop();
    rmSync(pidPath, { force: true });
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    engine,
    get process(): CometProcess {
      return current!;
    },
    abci,
    rpc,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        wake?.();
        await engine.stop();
        // A restart in progress sees `stopping` and ends; stopping its process fails its start.
        await current?.stop();
        await restarting;
        await current?.stop();
        rmSync(pidPath, { force: true });
        await abci.stop();
      })();
      return stopped;
    },
  };
}

function reportRestart(home: string, policy: CometRestartPolicy, r: CometRestartEvent): void {
  process.stderr.write(
    `warning [${r.error.code}]: ${r.error.message}\n  restarting cometbft (home ${home}) in ${r.delayMs} ms ` +
      `(restart ${r.attempt} of at most ${policy.maxRestarts} within ${policy.windowMs} ms)\n`,
  );
}

/**
 * A cometbft left running by a node process that died hard (SIGKILL) still holds the home's
 * database lock and ports. Kill it if, and only if, /proc says it is cometbft on this very home.
 */
async function reapOrphan(cometHome: string): Promise<void> {
  const pidPath = join(cometHome, PID_FILE);
  if (!existsSync(pidPath)) return;
  const pid = Number(readFileSync(pidPath, "utf8").trim());
  rmSync(pidPath, { force: true });
  if (!Number.isSafeInteger(pid) || pid <= 1) return;
  let cmdline: string[];
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return; // gone, or not Linux
  }
  const isOurs =
    cmdline.some((a) => a.endsWith("cometbft")) && cmdline.includes("start") && cmdline.includes(cometHome);
  if (!isOurs) return;
  process.kill(pid, "SIGKILL");
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 20));
}
