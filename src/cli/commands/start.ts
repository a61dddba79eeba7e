import type { Command } from "commander";
import { type RunningNode, runNode } from "../../node/run.js";
import { choiceFlag, intFlag } from "../flags.js";
import { exitWithError, printJson } from "../output.js";

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("Run a validator node from its home directory (made by 'consortia init') until Ctrl-C")
    .requiredOption("--home <dir>", "node home directory (config.json, genesis.json, data/)")
    .option("--api-port <port>", "HTTP API port (overrides config.json; 0 = any free port)")
    .option("--engine <kind>", "solo | cometbft (overrides config.json's engine)")
    .option("--json", "print machine-readable status lines")
    .action(async (opts: { home: string; apiPort?: string; engine?: string; json?: boolean }) => {
      try {
        let started: RunningNode | undefined;
        const running = await runNode(
          opts.home,
          {
            ...(opts.apiPort !== undefined
              ? { apiPort: intFlag(opts.apiPort, "--api-port", 0, 65_535) }
              : {}),
            ...(opts.engine !== undefined
              ? { engine: choiceFlag(opts.engine, "--engine", ["solo", "cometbft"] as const) }
              : {}),
          },
          {
            // Without consensus the node can only serve stale reads: stop and let a supervisor restart it.
            onEngineExit: (err) => {
              process.stderr.write(`error [${err.code}]: ${err.message}\n`);
              void (started?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
            },
          },
        );
        started = running;
        const { node } = running;
        if (opts.json) {
          printJson({
            status: "started",
            api: running.apiUrl,
            chainId: node.genesis.chainId,
            height: node.app.height,
          });
        } else {
          process.stdout.write(`chain: ${node.genesis.chainId} at height ${node.app.height}\n`);
        }
        // Scripts and tests wait for exactly this line.
        process.stdout.write(`api: ${running.apiUrl}\n`);
        onShutdown(() => running.stop());
      } catch (err) {
        exitWithError(err, { json: opts.json ?? false });
      }
    });
}

/** Stops cleanly on SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n${sig}: stopping...\n`);
    stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      });
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
