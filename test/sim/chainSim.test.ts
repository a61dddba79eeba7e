import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultChainSimOptions, runChainSimulation } from "../../src/sim/chain/chainSim.js";

const SEEDS = Number(process.env.CONSORTIA_SIM_SEEDS ?? 200);

test(`chain simulation: ${SEEDS} seeds of random valid and invalid blocks keep every invariant`, async () => {
  const totals: Record<string, number> = {};
  let txs = 0;
  let succeeded = 0;
  let failedInBlock = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = await runChainSimulation({ seed, ...defaultChainSimOptions });
    if (r.failure) {
      assert.fail(
        `seed ${seed} broke "${r.failure.invariant}" at height ${r.failure.height}: ${r.failure.detail}\n` +
          `replay: npm run test:sim -- --seed ${seed}`,
      );
    }
    txs += r.txs;
    succeeded += r.succeeded;
    failedInBlock += r.failedInBlock;
    for (const [k, v] of Object.entries(r.codes)) totals[k] = (totals[k] ?? 0) + v;
  }
  // The generator must actually exercise both paths, or the invariants prove nothing.
  assert.ok(succeeded > txs / 10, `enough successes (${succeeded}/${txs})`);
  assert.ok(failedInBlock > 0, "some transactions failed after paying their fee");
  for (const code of [
    "TX_BAD_NONCE",
    "TX_BAD_SIGNATURE",
    "TX_WRONG_CHAIN",
    "TX_UNKNOWN_TYPE",
    "COIN_INSUFFICIENT_FUNDS",
    "IDENTITY_NOT_REGISTERED",
    "CERT_UNKNOWN_CA",
  ]) {
    assert.ok((totals[code] ?? 0) > 0, `generator produced ${code}: ${JSON.stringify(totals)}`);
  }
});

test("a seed replays exactly", async () => {
  const a = await runChainSimulation({ seed: 4242, ...defaultChainSimOptions });
  const b = await runChainSimulation({ seed: 4242, ...defaultChainSimOptions });
  assert.deepEqual(a, b);
});
