import type { Command } from "commander";
import { parseNumberFlag } from "../../sim/params.js";
import { experimentIds, runExperiments } from "../../sim/run.js";
import { createProgress, exitWithError, printJson } from "../output.js";

interface SimulateFlags {
  readonly out: string;
  readonly seed: string;
  readonly json?: boolean;
  readonly png: boolean;
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
    .action(async (experiments: string[], flags: SimulateFlags) => {
      try {
        const seed = parseNumberFlag("--seed", flags.seed, { integer: true });
        const bars = new Map<string, ReturnType<typeof createProgress>>();
        const summary = await runExperiments({
          ids: experiments,
          outDir: flags.out,
          seed,
          noPng: !flags.png,
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
