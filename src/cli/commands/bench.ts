import type { Command } from "commander";
import { runConsensusBench } from "../../../bench/consensus.js";
import { runCoreBench } from "../../../bench/core.js";
import { runCryptoBench } from "../../../bench/crypto.js";
import { intFlag } from "../flags.js";
import { createProgress, exitWithError, printJson } from "../output.js";

/**
 * `consortia bench <name>`: each benchmark prints one JSON object (or one per run) on stdout with
 * `--json`; progress goes to stderr. The numbers in docs/ and issue notes come from these.
 */
export function registerBenchCommand(program: Command): void {
  const bench = program.command("bench").description("Run a benchmark and print its measurements");

  bench
    .command("core")
    .description("Signed transfers verified, executed and committed (fsync) by one solo validator")
    .option("--txs <n>", "transfers to commit", "100000")
    .option("--senders <n>", "distinct sending accounts", "1000")
    .option("--block-txs <n>", "max transactions per block", "10000")
    .option("--threads <n>", "signature-verification worker threads", "2")
    .option("--json", "print one JSON object")
    .action(
      async (opts: { txs: string; senders: string; blockTxs: string; threads: string; json?: boolean }) => {
        try {
          const txs = intFlag(opts.txs, "--txs", 1, 10_000_000);
          const progress = createProgress("committed", txs);
          const r = await runCoreBench({
            txs,
            senders: intFlag(opts.senders, "--senders", 1, 1_000_000),
            maxBlockTxs: intFlag(opts.blockTxs, "--block-txs", 1, 1_000_000),
            verifyThreads: intFlag(opts.threads, "--threads", 1, 64),
            onProgress: (d) => progress.update(d),
          });
          progress.done();
          if (opts.json) printJson(r);
          else {
            process.stdout.write(
              `core: ${r.tps} tx/s (${r.committed} committed in ${r.seconds} s, ${r.blocks} blocks), ` +
                `p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms; verify bound ${r.verify_bound_tps}/s → ratio ${r.ratio_to_verify_bound}\n`,
            );
          }
        } catch (err) {
          exitWithError(err, { json: opts.json ?? false });
        }
      },
    );

  bench
    .command("consensus")
    .description(
      "N CometBFT validators on this machine (devnet): signed transfers through every node, committed tx/s and latency",
    )
    .option("--validators <list>", "validator counts, comma-separated (one run each)", "4")
    .option("--txs <n>", "transfers per run", "20000")
    .option("--senders <n>", "funded sending accounts", "64")
    .option("--json", "print one JSON object per run")
    .action(async (opts: { validators: string; txs: string; senders: string; json?: boolean }) => {
      try {
        const counts = opts.validators.split(",").map((v) => intFlag(v.trim(), "--validators", 1, 100));
        for (const validators of counts) {
          const r = await runConsensusBench({
            validators,
            txs: intFlag(opts.txs, "--txs", 1, 10_000_000),
            senders: intFlag(opts.senders, "--senders", 1, 100_000),
            batch: 500,
            log: (l) => process.stderr.write(`${l}\n`),
          });
          if (opts.json) printJson(r);
          else {
            process.stdout.write(
              `consensus ${validators} validators: ${r.tps} tx/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms; ` +
                `verify bound ${r.verify_bound_tps}/s → ratio ${r.ratio_to_verify_bound}\n`,
            );
          }
        }
      } catch (err) {
        exitWithError(err, { json: opts.json ?? false });
      }
    });

  bench
    .command("crypto")
    .description(
      "Ed25519 sign/verify throughput (cached and uncached keys, worker pool) and keystore unlock time",
    )
    .option("--json", "print one JSON object")
    .action(async (opts: { json?: boolean }) => {
      try {
        const r = await runCryptoBench();
        if (opts.json) printJson(r);
        else for (const [k, v] of Object.entries(r)) process.stdout.write(`${k}: ${v}\n`);
      } catch (err) {
        exitWithError(err, { json: opts.json ?? false });
      }
    });
}
