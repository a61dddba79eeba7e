// Long runs of the seeded chain simulation: `npm run test:sim -- --seeds 10000 [--from 1]`, or one
// seed: `npm run test:sim -- --seed 42` (replays a failure exactly). Prints a JSON summary; exit 1
// on the first failing seed, naming it.
import { defaultChainSimOptions, runChainSimulation } from "../src/sim/chain/chainSim.js";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const one = flag("--seed");
const from = Number(flag("--from") ?? 1);
const count = one !== undefined ? 1 : Number(flag("--seeds") ?? 1000);
const first = one !== undefined ? Number(one) : from;
const blocks = Number(flag("--blocks") ?? defaultChainSimOptions.blocks);
if (![first, count, blocks].every(Number.isSafeInteger)) {
  process.stderr.write("usage: npm run test:sim -- [--seeds N] [--from S] [--seed S] [--blocks B]\n");
  process.exit(2);
}
const started = Date.now();
let txs = 0;
for (let seed = first; seed < first + count; seed++) {
  const r = await runChainSimulation({ ...defaultChainSimOptions, seed, blocks });
  txs += r.txs;
  if (r.failure) {
    process.stdout.write(
      `${JSON.stringify({ ok: false, ...r.failure, height: r.failure.height.toString() })}\n`,
    );
    process.stderr.write(`seed ${seed} FAILED; replay: npm run test:sim -- --seed ${seed}\n`);
    process.exit(1);
  }
  if ((seed - first + 1) % 100 === 0)
    process.stderr.write(`seeds ${seed - first + 1}/${count}, ${txs} txs\n`);
}
process.stdout.write(
  `${JSON.stringify({ ok: true, seeds: count, from: first, blocks, txs, seconds: (Date.now() - started) / 1000 })}\n`,
);
