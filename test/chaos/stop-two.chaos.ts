import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Cluster } from "../helpers/cluster.js";

/** Stop 2 of 4 validators: no commits and nothing crashes; restart them: commits resume. */
let cluster: Cluster;
before(async () => {
  cluster = await Cluster.create({ validators: 4 });
  await cluster.startAll();
  await cluster.waitForHeight(1n, [0, 1, 2, 3], 60_000);
});
after(async () => {
  await cluster?.close();
});

test("stop 2 of 4: no commits, survivors keep serving; restart: commits resume", async () => {
  const stopLoad = cluster.load([0, 1]);
  await new Promise((r) => setTimeout(r, 2000));
  await cluster.kill(2, "SIGTERM");
  await cluster.kill(3, "SIGTERM");
  await new Promise((r) => setTimeout(r, 2000));
  const before = await Promise.all([0, 1].map((i) => cluster.height(i)));
  await new Promise((r) => setTimeout(r, 6000));
  const later = await Promise.all([0, 1].map((i) => cluster.height(i)));
  for (let i = 0; i < 2; i++)
    assert.ok(later[i]! <= before[i]! + 1n, `no commits without quorum: ${before} → ${later}`);
  // The survivors still answer (health, queries) while stalled.
  for (const i of [0, 1]) assert.ok((await cluster.height(i)) >= 1n);
  await cluster.start(2);
  await cluster.start(3);
  const top = later.reduce((m, h) => (h > m ? h : m));
  await cluster.waitForHeight(top + 2n, [0, 1, 2, 3], 60_000);
  await stopLoad();
  await cluster.waitForHeight(await cluster.height(0), [0, 1, 2, 3], 30_000);
  await cluster.check();
});
