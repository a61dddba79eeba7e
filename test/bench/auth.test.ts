import assert from "node:assert/strict";
import { test } from "node:test";
import { type AuthComponentName, runAuthBench } from "../../bench/auth.js";
import { isConsortiaError } from "../../src/errors.js";
import { localTimeoutsFor } from "../../src/node/cometHomes.js";

const NAMES: readonly AuthComponentName[] = [
  "hash_request",
  "hash_1kib",
  "request_encryption",
  "transaction_decoding",
  "request_decryption",
  "user_verification",
  "consensus_commitment",
];

const positive = (v: unknown, what: string) =>
  assert.ok(typeof v === "number" && Number.isFinite(v) && v > 0, `${what} = ${String(v)}`);

test("a tiny run reports every Table I component, the CometBFT timeouts and the access-cost table", async () => {
  const r = await runAuthBench({ validators: 1, minRuns: 5, subMsRuns: 7, commits: 3, accessCalls: 3 });
  assert.equal(r.bench, "auth");
  assert.deepEqual(Object.keys(r.components).sort(), [...NAMES].sort());
  for (const name of NAMES) {
    const c = r.components[name];
    positive(c.median_ms, `${name}.median_ms`);
    positive(c.p99_ms, `${name}.p99_ms`);
    positive(c.paper_ms, `${name}.paper_ms`);
    assert.ok(c.median_ms <= c.p99_ms, name);
    // CPU components must stay under 1 ms; the commitment may reach its 50 ms.
    const within = name === "consensus_commitment" ? c.median_ms <= c.goal_ms : c.median_ms < c.goal_ms;
    assert.equal(c.meets_goal, within, name);
    assert.ok(c.what.length > 0);
  }
  // Components with a median below 2 ms are extended to subMsRuns; the commitment counts transactions.
  assert.equal(r.components.hash_request.runs, 7);
  assert.equal(r.components.consensus_commitment.runs, 3);
  assert.equal(r.components.consensus_commitment.goal_ms, 50);

  const c = r.consensus;
  assert.equal(c.validators, 1);
  assert.equal(c.txs, 3);
  assert.equal(
    c.granted,
    6,
    "every measured retrieval (3 independent, 3 back-to-back) was granted by the chain",
  );
  assert.ok(c.blocks >= 1 && c.blocks <= 3);
  for (const k of [
    "min_ms",
    "median_ms",
    "mean_ms",
    "p99_ms",
    "max_ms",
    "admission_median_ms",
    "back_to_back_median_ms",
    "back_to_back_p99_ms",
  ] as const) {
    positive(c[k], k);
  }
  assert.ok(c.min_ms <= c.median_ms && c.median_ms <= c.max_ms);
  for (const k of ["proposeMs", "prevoteMs", "precommitMs"]) {
    positive(c.cometbft.timeouts_in_force[k], `timeouts_in_force.${k}`);
    positive(c.cometbft.local_timeouts[k], `local_timeouts.${k}`);
  }
  assert.deepEqual(c.arrival_pause_ms, [20, 200]);
  // One local validator: no commit pause, the next height starts once the (only) precommit is in.
  assert.equal(c.cometbft.skip_timeout_commit, true);
  // What the devnet's node actually runs with: the one-machine scaling for its validator count.
  assert.deepEqual(c.cometbft.timeouts_in_force, { ...localTimeoutsFor(1) });

  assert.equal(r.access_costs.bench, "access-costs");
  assert.equal(r.access_costs.calls, 3);
  assert.ok(r.access_costs.rows.length >= 5);
  for (const row of r.access_costs.rows) positive(row.medianUs, row.call);
  assert.ok(r.load_average.length === 3);
});

test("options are validated before anything is measured", async () => {
  await assert.rejects(runAuthBench({ validators: 0 }), (e) => isConsortiaError(e, "INVALID_ARGUMENT"));
  await assert.rejects(runAuthBench({ minRuns: 10, subMsRuns: 5 }), (e) =>
    isConsortiaError(e, "INVALID_ARGUMENT"),
  );
});
