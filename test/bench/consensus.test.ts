import assert from "node:assert/strict";
import { test } from "node:test";
import { runConsensusBench } from "../../bench/consensus.js";

test("a small run on 2 validators commits every transfer and accounts for the cores", async () => {
  const r = await runConsensusBench({ validators: 2, txs: 200, senders: 4, batch: 50, window: 100 });
  assert.equal(r.validators, 2);
  assert.equal(r.txs, 200);
  assert.equal(r.committed, 200, "every pre-signed transfer committed");
  assert.equal(r.failed, 0);
  assert.ok(r.tps > 0 && r.seconds > 0 && r.blocks >= 1);
  assert.ok(r.p50_ms > 0 && r.p50_ms <= r.p99_ms);
  assert.ok(r.verify_bound_tps > 0);
  // Both processes did work while the transfers committed; /proc exists on the CI machine.
  assert.ok(r.cpu_cores_cometbft !== null && r.cpu_cores_cometbft > 0, `cometbft ${r.cpu_cores_cometbft}`);
  assert.ok(r.cpu_cores_apps > 0);
  assert.ok(r.cometbft_cpu_us_per_tx !== null && r.cometbft_cpu_us_per_tx > 0);
  assert.ok(r.apps_cpu_us_per_tx > 0);
  // The bound is cores over CPU per transaction (both rounded: within 2 %).
  const expected = (r.cores * 1e6) / r.cometbft_cpu_us_per_tx;
  assert.ok(r.cometbft_bound_tps !== null && Math.abs(r.cometbft_bound_tps - expected) <= 0.02 * expected);
});
