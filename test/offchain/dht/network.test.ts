import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { isConsortiaError } from "../../../src/errors.js";
import { DhtErrors } from "../../../src/offchain/dht/errors.js";
import { commonPrefixLength, compareDistance, idHex } from "../../../src/offchain/dht/id.js";
import { createDhtNode } from "../../../src/offchain/dht/node.js";
import { type DhtServer, manualClock, startDhtNetwork } from "./helpers.js";

const N = 16;
const MAX_HOPS = Math.ceil(Math.log2(N)) + 2;

for (const k of [20, 3]) {
  test(`${N}-node network on loopback (k=${k}): every provider lookup succeeds in ≤ ${MAX_HOPS} hops`, async () => {
    const clock = manualClock();
    const net = await startDhtNetwork(N, clock.now, { k });
    try {
      const servers = net.servers;
      // Routing tables are consistent with their own ids (bucket = common prefix length).
      for (const s of servers) {
        assert.ok(s.node.table.size >= Math.min(k, N - 1) || s.node.table.size > 0, `${s.url} knows nobody`);
        for (let b = 0; b < 256; b++) {
          for (const c of s.node.table.bucket(b)) assert.equal(commonPrefixLength(s.node.self.id, c.id), b);
        }
      }
      const keys = Array.from({ length: 12 }, () => new Uint8Array(randomBytes(32)));
      for (const [i, key] of keys.entries()) {
        const holder = servers[i % N] as DhtServer;
        const r = await holder.node.provide(key, { url: `http://127.0.0.1:9/holder-${i}` });
        assert.ok(r.stored >= Math.min(k, N - 1) - 1, `key ${i} stored at only ${r.stored} peers`);
      }
      for (const [i, key] of keys.entries()) {
        for (const asker of servers) {
          const r = await asker.node.findProviders(key);
          assert.deepEqual(
            r.providers.map((p) => p.url),
            [`http://127.0.0.1:9/holder-${i}`],
          );
          assert.ok(r.hops <= MAX_HOPS, `lookup of key ${i} from ${asker.url} took ${r.hops} hops`);
        }
      }
      // A client-mode node (it serves nothing) finds every provider too, and nobody adds it.
      const client = createDhtNode(
        { now: clock.now },
        { selfUrl: "http://127.0.0.1:9/bench-client", k, mode: "client" },
      );
      await client.bootstrap([(servers[5] as DhtServer).url]);
      for (const key of keys) {
        const r = await client.findProviders(key);
        assert.equal(r.providers.length, 1);
        assert.ok(r.hops >= 1 && r.hops <= MAX_HOPS);
      }
      for (const s of servers) assert.equal(s.node.table.has(client.self.id), false);
    } finally {
      await net.close();
    }
  });
}

let net: Awaited<ReturnType<typeof startDhtNetwork>>;
const clock = manualClock();

before(async () => {
  net = await startDhtNetwork(6, clock.now, { k: 4, providerTtlMs: 60_000 });
});
after(async () => {
  await net.close();
});

test("findNode converges on the k nearest live nodes (checked against the full node list)", async () => {
  const target = new Uint8Array(randomBytes(32));
  const asker = net.servers[2] as DhtServer;
  const r = await asker.node.findNode(target);
  const expected = net.servers
    .filter((s) => s !== asker)
    .map((s) => s.node.self)
    .sort((a, b) => compareDistance(target, a.id, b.id))
    .slice(0, 4)
    .map((c) => idHex(c.id));
  assert.deepEqual(
    r.closest.map((c) => idHex(c.id)),
    expected,
  );
});

test("provider records expire on the injected clock and are found again after re-announcing", async () => {
  const key = new Uint8Array(randomBytes(32));
  const holder = net.servers[0] as DhtServer;
  const asker = net.servers[4] as DhtServer;
  await holder.node.provide(key, { url: "http://127.0.0.1:9/holder" });
  assert.equal((await asker.node.findProviders(key)).providers.length, 1);
  clock.advance(59_999);
  assert.equal((await asker.node.findProviders(key)).providers.length, 1);
  clock.advance(2);
  await assert.rejects(asker.node.findProviders(key), (e) => isConsortiaError(e, DhtErrors.DHT_NOT_FOUND));
  for (const s of net.servers) assert.equal(s.node.providers.get(key).length, 0);
  await holder.node.provide(key, { url: "http://127.0.0.1:9/holder" });
  assert.equal((await asker.node.findProviders(key)).providers.length, 1);
});

test("a stopped peer is dropped from tables and lookups still succeed around it", async () => {
  const key = new Uint8Array(randomBytes(32));
  await (net.servers[1] as DhtServer).node.provide(key, { url: "http://127.0.0.1:9/x" });
  const victim = net.servers[3] as DhtServer;
  await victim.app.close();
  const asker = net.servers[5] as DhtServer;
  const r = await asker.node.findProviders(key);
  assert.equal(r.providers.length, 1);
  const again = await asker.node.findNode(victim.node.self.id);
  assert.ok(!again.closest.some((c) => c.url === victim.url));
  assert.equal(asker.node.table.has(victim.node.self.id), false);
});

test("lookups on an empty table, bootstrap with no live peer, and a stopped node fail with typed errors", async () => {
  const lonely = createDhtNode({ now: clock.now }, { selfUrl: "http://127.0.0.1:9/lonely" });
  await assert.rejects(lonely.findProviders(new Uint8Array(32)), (e) =>
    isConsortiaError(e, DhtErrors.DHT_NO_PEERS),
  );
  await assert.rejects(lonely.bootstrap(["http://127.0.0.1:9/none"]), (e) =>
    isConsortiaError(e, DhtErrors.DHT_BOOTSTRAP_FAILED),
  );
  await lonely.stop();
  await assert.rejects(lonely.findNode(new Uint8Array(32)), (e) =>
    isConsortiaError(e, DhtErrors.DHT_STOPPED),
  );
  assert.throws(
    () => createDhtNode({ now: clock.now }, { selfUrl: "http://x/dht", k: 0 }),
    (e) => isConsortiaError(e, DhtErrors.DHT_BAD_ARGUMENT),
  );
  assert.throws(
    () => createDhtNode({ now: clock.now }, { selfUrl: "ftp://x/dht" }),
    (e) => isConsortiaError(e, DhtErrors.DHT_BAD_CONTACT),
  );
});
