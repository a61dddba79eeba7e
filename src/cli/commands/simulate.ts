import type { Command } from "commander";
import { invalidParam, parseNumberFlag } from "../../sim/params.js";
import { experimentIds, runExperiments } from "../../sim/run.js";
import { createProgress, exitWithError, printJson } from "../output.js";

interface SimulateFlags {
  readonly out: string;
  readonly seed: string;
  readonly json?: boolean;
  readonly png: boolean;
  readonly aesRate?: string;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description(
      `reproduce the papers' evaluation figures: writes <out>/<figure>.{csv,json,svg,png} and <out>/report.md (experiments: ${[...experimentIds(), "all"].join(", ")})`,
    )
    .argument("[experiments...]", "experiment ids, or all", ["all"])
    .option("--out <dir>", "output directory", "out/simulate")
    .option("--seed <n>", "PRNG seed (same seed, byte-identical CSV/JSON)", "1")
    .option("--json", "print the run summary as JSON")
    .option("--no-png", "write SVG only")
    .option(
      "--aes-rate <bytesPerSecond>",
      "AES-256-GCM rate for the offloading encryption term (default: measured on this machine; the rate used is in the summary — pass it back to reproduce a run byte for byte)",
    )
    .action(async (experiments: string[], flags: SimulateFlags) => {
      try {
        const seed = parseNumberFlag("--seed", flags.seed, { integer: true });
        const aesRate =
          flags.aesRate === undefined ? undefined : parseNumberFlag("--aes-rate", flags.aesRate);
        if (aesRate !== undefined && !(aesRate > 0))
          invalidParam("--aes-rate", "--aes-rate > 0", flags.aesRate);
        const bars = new Map<string, ReturnType<typeof createProgress>>();
        const summary = await runExperiments({
          ids: experiments,
          outDir: flags.out,
          seed,
          noPng: !flags.png,
          ...(aesRate !== undefined ? { aesBytesPerSecond: aesRate } : {}),
          command: `consortia simulate ${experiments.join(" ")} --seed ${seed}`,
          progress: (id, done, total) => {
            let bar = bars.get(id);
            if (bar === undefined) {
              bar = createProgress(`simulate ${id}`, total);
              bars.set(id, bar);
            }
            bar.update(done);
            if (done >= total) bar.done();
          },
        });
        if (flags.json) {
          printJson(summary);
          return;
        }
        for (const e of summary.experiments) {
          const ok = e.figures.filter((f) => f.reproduced).length;
          process.stdout.write(
            `${e.id}: ${e.figures.length} figures (${e.figures.length - ok} with a difference from the paper noted in the report) in ${e.seconds.toFixed(2)} s\n`,
          );
        }
        process.stdout.write(`report: ${summary.report}\n`);
      } catch (err) {
        exitWithError(err, { json: flags.json === true });
      }
    });
}
