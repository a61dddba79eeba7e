import type { Command } from "commander";
import { CommonErrors, ConsortiaError } from "../../errors.js";
import { startDemo } from "../../node/demo.js";
import { isPresetName } from "../../node/presets.js";
import { intFlag } from "../flags.js";
import { exitWithError, printJson } from "../output.js";
import { onShutdown } from "./start.js";

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "Start a fresh consortium of validators on this machine (CometBFT + Consortia each), run the walk-through scenario, keep it running until Ctrl-C",
    )
    .option("--home <dir>", "network directory (default: a new temporary directory)")
    .option("--preset <name>", "healthchain | energy | spds", "healthchain")
    .option("--validators <n>", "validators to start", "4")
    .option("--base-port <port>", "first of 4 ports per validator (0 = any free block)", "0")
    .option("--exit", "stop the network after the scenario instead of waiting for Ctrl-C")
    .option("--json", "print the scenario report as JSON")
    .action(
      async (opts: {
        home?: string;
        preset: string;
        validators: string;
        basePort: string;
        exit?: boolean;
        json?: boolean;
      }) => {
        try {
          if (!isPresetName(opts.preset)) {
            throw new ConsortiaError(
              CommonErrors.INVALID_ARGUMENT,
              `--preset must be healthchain, energy or spds`,
            );
          }
          const log = opts.json
            ? (l: string) => process.stderr.write(`${l}\n`)
            : (l: string) => process.stdout.write(`${l}\n`);
          const demo = await startDemo({
            ...(opts.home !== undefined ? { home: opts.home } : {}),
            preset: opts.preset,
            validators: intFlag(opts.validators, "--validators", 1, 64),
            basePort: intFlag(opts.basePort, "--base-port", 0, 65_535),
            log,
          });
          if (opts.json)
            printJson({ ...demo.report, ehr: demo.ehr ? { ...demo.ehr, keys: undefined } : null });
          for (const n of demo.nodes) process.stdout.write(`api: ${n.apiUrl}\n`);
          if (opts.exit) {
            await demo.stop();
            return;
          }
          log(
            "the network keeps running; try: curl " +
              `${demo.nodes[0]!.apiUrl}/health` +
              "   (Ctrl-C to stop)",
          );
          onShutdown(() => demo.stop());
        } catch (err) {
          exitWithError(err, { json: opts.json ?? false });
        }
      },
    );
}
