import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { verifyReceipt } from "../../src/ledger/receipt.js";
import { Cluster } from "../helpers/cluster.js";

/**
 * SIGKILL one of 4 validators under load — first its cometbft, then its application process —
 * the other three keep committing; restart it and it catches up with identical block and app
 * hashes, every acknowledged transaction in the chain and supply conserved.
 */
let cluster: Cluster;
before(async () => {
  cluster = await Cluster.create({ validators: 4 });
  await cluster.startAll();
  await cluster.waitForHeight(1n, [0, 1, 2, 3], 60_000);
});
after(async () => {
  await cluster?.close();
});

test("kill -9 a validator's cometbft, then its app, under load; restart; checker passes", async () => {
  const stopLoad = cluster.load([0, 1, 2]);
  await new Promise((r) => setTimeout(r, 3000));
  cluster.killCometbft(3);
  const h0 = await cluster.height(0);
  await cluster.waitForHeight(h0 + 3n, [0, 1, 2], 30_000); // three of four keep committing
  await cluster.kill(3, "SIGKILL");
  const h1 = await cluster.height(0);
  await cluster.waitForHeight(h1 + 2n, [0, 1, 2], 30_000);
  await stopLoad();
  assert.ok(cluster.acknowledged.length > 10, `acknowledged ${cluster.acknowledged.length} transactions`);

  await cluster.start(3);
  const target = await cluster.height(0);
  await cluster.waitForHeight(target, [0, 1, 2, 3], 60_000);
  const { height } = await cluster.check();
  assert.ok(height >= target);

  // A receipt from the restarted node carries the header's commit: verified offline against the
  // genesis validator set (trusted out of band), > 2/3 of the voting power signed it.
  const t = cluster.acknowledged[0]!;
  const receipt = (await (
    await fetch(`${cluster.nodes[3]!.apiUrl}/txs/${t.hash}/receipt`)
  ).json()) as unknown;
  const trusted = cluster.material.validators.map((v) => ({
    address: v.address,
    pubKey: v.keys.publicKey,
    power: 10n,
  }));
  const v = verifyReceipt(receipt, { trustedValidators: trusted, chainId: cluster.material.chainId });
  assert.equal(v.commitVerified, true);
  assert.equal(v.anchor, "trusted-validators");
  assert.equal(v.height, t.height);
});
