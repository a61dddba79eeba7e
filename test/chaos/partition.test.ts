import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Cluster, netnsAvailable } from "../helpers/cluster.js";

/**
 * Network partitions between validator hosts in Linux network namespaces (veth + bridge, blackhole
 * routes): isolate one node (3 of 4 keep committing), then split 2/2 (nobody has > 2/3: no
 * commits, no fork), then heal (commits resume within seconds, all nodes agree).
 */
const skip = netnsAvailable() ? false : "needs root and iproute2 (ip netns)";
let cluster: Cluster | undefined;
before(async () => {
  if (skip) return;
  cluster = await Cluster.create({ validators: 4, netns: true });
  await cluster.startAll();
  await cluster.waitForHeight(1n, [0, 1, 2, 3], 90_000);
});
after(async () => {
  await cluster?.close();
});

test("isolate one, split 2/2, heal: no fork, commits resume", { skip }, async () => {
  const c = cluster!;
  const stopLoad = c.load([0, 1, 2, 3]);
  await new Promise((r) => setTimeout(r, 2000));

  c.partition([[0, 1, 2], [3]]);
  const a = await c.height(0);
  await c.waitForHeight(a + 2n, [0, 1, 2], 30_000);

  c.heal();
  c.partition([
    [0, 1],
    [2, 3],
  ]);
  await new Promise((r) => setTimeout(r, 2000)); // in-flight rounds finish
  const stalled = await Promise.all([0, 1, 2, 3].map((i) => c.height(i)));
  await new Promise((r) => setTimeout(r, 4000));
  const after2 = await Promise.all([0, 1, 2, 3].map((i) => c.height(i)));
  const maxBefore = stalled.reduce((m, h) => (h > m ? h : m));
  for (const h of after2)
    assert.ok(h <= maxBefore + 1n, `no progress without a 2/3 quorum (${stalled} → ${after2})`);

  c.heal();
  const healedAt = Date.now();
  const top = after2.reduce((m, h) => (h > m ? h : m));
  await c.waitForHeight(top + 2n, [0, 1, 2, 3], 30_000);
  const resumeMs = Date.now() - healedAt;
  await stopLoad();
  const target = await c.height(0);
  await c.waitForHeight(target, [0, 1, 2, 3], 30_000);
  await c.check();
  process.stderr.write(`partition: commits resumed ${resumeMs} ms after the heal\n`);
  assert.ok(resumeMs < 30_000);
});
