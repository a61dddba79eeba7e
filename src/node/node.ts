import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AbciLogger } from "../abci/log.js";
import { Application } from "../app/application.js";
import type { TxCache } from "../app/txCache.js";
import { fromHex } from "../crypto/hash.js";
import { createVerifyPool, type VerifyPool } from "../crypto/verifyPool.js";
import { CometErrors } from "../engine/cometbft/errors.js";
import { type CometRuntime, startCometRuntime } from "../engine/cometbft/runtime.js";
import { type Genesis, parseGenesis } from "../engine/genesis.js";
import { createSoloEngine, type SoloEngine } from "../engine/solo.js";
import type { TxEngine } from "../engine/types.js";
import { CommonErrors, ConsortiaError } from "../errors.js";
import { ChainStore } from "../storage/chainStore.js";
import { type Clock, systemClock, systemTimers, type Timers } from "../util/clock.js";
import type { NodeOptions } from "./config.js";
import { defaultModules } from "./modules.js";

export interface NodeComponents {
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** A verify pool shared by several nodes in one process (devnet); the node does not close it. */
  readonly verifyPool?: VerifyPool;
  /**
   * Verified signatures and decoded transactions shared by several nodes in one process (devnet):
   * each transaction is then checked once per process, not once per hosted validator.
   */
  readonly txCache?: TxCache;
  /** Engine "cometbft": CometBFT exited and its bounded restarts are spent. Default: a line on stderr. */
  readonly onEngineExit?: (err: ConsortiaError) => void;
}

/** Where a node keeps its CometBFT home. */
export function cometHomeOf(home: string): string {
  return join(home, "cometbft");
}

/** A running validator: storage, application, engine. The API attaches to `deps`. */
export interface ConsortiaNode {
  readonly home: string;
  readonly options: NodeOptions;
  readonly genesis: Genesis;
  readonly app: Application;
  readonly store: ChainStore;
  readonly engine: TxEngine & { stop(): Promise<void> };
  readonly startedAtMs: number;
  stop(): Promise<void>;
}

/** Opens the home's database, builds the application and starts the engine. */
export async function startNode(
  home: string,
  options: NodeOptions,
  components: NodeComponents = {},
): Promise<ConsortiaNode> {
  const clock = components.clock ?? systemClock;
  const timers = components.timers ?? systemTimers;
  let genesisText: string;
  try {
    genesisText = readFileSync(join(home, "genesis.json"), "utf8");
  } catch (err) {
    throw new ConsortiaError(
      CommonErrors.INVALID_CONFIG,
      `cannot read ${join(home, "genesis.json")}`,
      {},
      { cause: err },
    );
  }
  const genesis = parseGenesis(genesisText);
  if (
    options.engine === "cometbft" &&
    !existsSync(join(cometHomeOf(home), "config", "priv_validator_key.json"))
  ) {
    throw new ConsortiaError(
      CometErrors.COMET_HOME_INVALID_PARAM,
      `${cometHomeOf(home)} holds no CometBFT keys; create the home with 'consortia init --engine cometbft' or 'consortia devnet'`,
      { path: cometHomeOf(home) },
    );
  }
  const store = await ChainStore.open(join(home, "data"), options.storage);
  const shared = components.verifyPool;
  let pool: VerifyPool | undefined;
  let comet: CometRuntime | undefined;
  try {
    const app = new Application(
      { store, ...defaultModules(), ...(components.txCache ? { txCache: components.txCache } : {}) },
      { chainId: genesis.chainId },
    );
    pool =
      shared ??
      (options.verifyThreads > 0 ? createVerifyPool({ threads: options.verifyThreads }) : undefined);
    if (options.engine === "cometbft") {
      let stopping = false;
      const abciLog = prefixedAbciLog(options.moniker);
      // Store → application → ABCI server → cometbft → engine; stop in reverse.
      comet = await startCometRuntime({
        cometHome: cometHomeOf(home),
        moniker: options.moniker,
        options: options.cometbft,
        genesisJson: genesisText,
        app,
        clock,
        timers,
        ...(pool ? { verifyPool: pool } : {}),
        abciLog: (e) => {
          // Stopping CometBFT before the ABCI server closes its connections on purpose.
          if (!stopping) abciLog(e);
        },
        onExit:
          components.onEngineExit ??
          ((err) => process.stderr.write(`node ${options.moniker}: ${err.message}\n`)),
      });
      const runtime = comet;
      return {
        home,
        options,
        genesis,
        app,
        store,
        engine: runtime.engine,
        startedAtMs: clock.now(),
        async stop() {
          stopping = true;
          await runtime.stop();
          if (!shared) await pool?.close();
          await store.close();
        },
      };
    }
    const engine: SoloEngine = createSoloEngine(
      {
        app,
        store,
        clock,
        timers,
        genesis,
        validatorPublicKey: fromHex(options.validatorPublicKey),
        ...(pool ? { verifyPool: pool } : {}),
      },
      options.solo,
    );
    await engine.start();
    const node: ConsortiaNode = {
      home,
      options,
      genesis,
      app,
      store,
      engine,
      startedAtMs: clock.now(),
      async stop() {
        await engine.stop();
        if (!shared) await pool?.close();
        await store.close();
      },
    };
    return node;
  } catch (err) {
    await comet?.stop();
    if (!shared) await pool?.close();
    await store.close();
    throw err;
  }
}

/** ABCI warnings and errors on stderr, tagged with the node (a devnet runs many in one process). */
function prefixedAbciLog(moniker: string): AbciLogger {
  return (e) => {
    if (e.level === "info") return;
    process.stderr.write(`consortia abci ${e.level} [${moniker}]: ${e.message}\n`);
  };
}
