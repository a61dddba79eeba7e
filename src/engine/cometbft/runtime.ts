/**
 * One node's CometBFT side, started in order and stopped in reverse: our ABCI server (so CometBFT
 * finds it when it connects), the CometBFT home synced from our config, the cometbft process, and
 * the CometEngine on top. The caller owns the store and the application.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AbciLogger } from "../../abci/log.js";
import { type AbciServer, createAbciServer } from "../../abci/server.js";
import type { Application } from "../../app/application.js";
import type { VerifyPool } from "../../crypto/verifyPool.js";
import type { ConsortiaError } from "../../errors.js";
import type { Clock, Timers } from "../../util/clock.js";
import { CometEngine, type CometEngineOptions } from "./engine.js";
import { syncCometHome } from "./files.js";
import type { CometbftOptions } from "./options.js";
import { CometProcess, resolveCometBinary } from "./process.js";
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
  /** CometBFT exited while running; the engine has already stopped admitting. */
  readonly onExit?: (err: ConsortiaError) => void;
}

export interface CometRuntime {
  readonly engine: CometEngine;
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
      ...(input.verifyPool ? { verifyPool: input.verifyPool } : {}),
      ...(input.clock ? { clock: input.clock } : {}),
      ...(input.timers ? { timers: input.timers } : {}),
    },
    input.engine,
  );
  await abci.start();
  let proc: CometProcess | undefined;
  try {
    // The bound address, so abciAddress may name port 0.
    syncCometHome(input.cometHome, {
      genesisJson: input.genesisJson,
      config: { moniker: input.moniker, options: { ...o, abciAddress: abci.address() } },
    });
    proc = new CometProcess({
      home: input.cometHome,
      binary,
      rpcUrl: rpc.url,
      startTimeoutMs: o.startTimeoutMs,
      stopTimeoutMs: o.stopTimeoutMs,
      goMaxProcs: o.goMaxProcs,
      onUnexpectedExit: (exit) => {
        rmSync(join(input.cometHome, PID_FILE), { force: true });
        engine.halt(exit.error);
        input.onExit?.(exit.error);
      },
    });
    const started = proc.start();
    if (proc.pid !== undefined) writeFileSync(join(input.cometHome, PID_FILE), `${proc.pid}\n`);
    await started;
  } catch (err) {
    await engine.stop();
    await proc?.stop();
    await abci.stop();
    rmSync(join(input.cometHome, PID_FILE), { force: true });
    throw err;
  }
  const running = proc;
  let stopped: Promise<void> | undefined;
  return {
    engine,
    process: running,
    abci,
    rpc,
    stop() {
      stopped ??= (async () => {
        await engine.stop();
        await running.stop();
        rmSync(join(input.cometHome, PID_FILE), { force: true });
        await abci.stop();
      })();
      return stopped;
    },
  };
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
