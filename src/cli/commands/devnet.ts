import type { Command } from "commander";
import { CometErrors } from "../../engine/cometbft/errors.js";
import { isConsortiaError } from "../../errors.js";
import { MAX_DEVNET_VALIDATORS, startDevnet } from "../../node/devnet.js";
import { PRESETS } from "../../node/presets.js";
import { choiceFlag, intFlag } from "../flags.js";
import { exitWithError } from "../output.js";
import { usageErrorsOn } from "../run.js";
import { onShutdown } from "./start.js";

interface DevnetFlags {
  readonly validators: string;
  readonly preset: string;
  readonly home?: string;
  readonly basePort: string;
  readonly json?: boolean;
}

const PRESET_NAMES = ["healthchain", "energy", "spds"] as const;

export function registerDevnetCommand(program: Command): void {
  usageErrorsOn(
    program
      .command("devnet")
      .description(
        "run a local consortium: N validators, each a cometbft process driving its own application (one Node.js process, one HTTP API per node), until Ctrl-C",
      ),
  )
    .option("--validators <n>", `number of validators (1..${MAX_DEVNET_VALIDATORS})`, "4")
    .option("--preset <name>", `kind of consortium: ${PRESET_NAMES.join(" | ")}`, "healthchain")
    .option(
      "--home <dir>",
      "network directory, kept and restarted by the next run (default: a temporary one, deleted on exit)",
    )
    .option(
      "--base-port <port>",
      "node i: API port+i, CometBFT RPC port+N+i, P2P port+2N+i, ABCI port+3N+i (0 = a free random block)",
      "26680",
    )
    .option("--json", "print one JSON line once every node has committed block 1")
    .addHelpText("after", "\nExample:\n  consortia devnet --validators 4 --preset energy --home ./devnet")
    .action(async (opts: DevnetFlags) => {
      const json = opts.json === true;
      try {
        const validators = intFlag(opts.validators, "--validators", 1, MAX_DEVNET_VALIDATORS);
        const preset = PRESETS[choiceFlag(opts.preset, "--preset", PRESET_NAMES)];
        const basePort = intFlag(opts.basePort, "--base-port", 0, 65_535 - 4 * validators + 1);
        const cancel = new AbortController();
        const starting = startDevnet({
          signal: cancel.signal,
          validators,
          preset,
          basePort,
          nowMs: Date.now(),
          ...(opts.home !== undefined ? { dir: opts.home } : {}),
          log: (line) => process.stderr.write(`${line}\n`),
          onNodeExit: (name, err) =>
            process.stderr.write(`devnet: ${name}: error [${err.code}]: ${err.message}\n`),
        });
        // Registered before startup finishes: a Ctrl-C while 51 nodes boot still stops them in order
        // (a second Ctrl-C exits at once; the exit hook in process.ts then SIGKILLs the cometbft children).
        onShutdown(async () => {
          cancel.abort();
          await (await starting.catch(() => undefined))?.stop();
        });
        const devnet = await starting;
        if (json) {
          process.stdout.write(
            `${JSON.stringify({
              status: "ready",
              chainId: devnet.chainId,
              dir: devnet.dir,
              startupMs: devnet.startupMs,
              nodes: devnet.nodes.map((n) => ({
                name: n.name,
                api: n.apiUrl,
                rpc: `http://127.0.0.1:${n.ports.rpc}`,
                p2pPort: n.ports.p2p,
                abciPort: n.ports.abci,
                height: n.node.app.height.toString(),
              })),
            })}\n`,
          );
          return;
        }
        process.stdout.write(
          `devnet ${devnet.chainId}: ${devnet.nodes.length} validators ready in ${devnet.startupMs} ms (${devnet.dir})\n`,
        );
        // Scripts and tests wait for these lines.
        for (const n of devnet.nodes) process.stdout.write(`api: ${n.apiUrl}\n`);
        process.stderr.write("Ctrl-C stops every node\n");
      } catch (err) {
        // Ctrl-C during startup: onShutdown is already stopping what started and exits.
        if (isConsortiaError(err, CometErrors.COMET_DEVNET_ABORTED)) return;
        exitWithError(err, { json });
      }
    });
}
