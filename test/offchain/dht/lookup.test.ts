import assert from "node:assert/strict";
import { test } from "node:test";
import { sha256 } from "../../../src/crypto/hash.js";
import { ConsortiaError } from "../../../src/errors.js";
import { DhtErrors } from "../../../src/offchain/dht/errors.js";
import { type Contact, compareDistance, idHex } from "../../../src/offchain/dht/id.js";
import { iterativeLookup } from "../../../src/offchain/dht/lookup.js";
import { createRoutingTable, type RoutingTable } from "../../../src/offchain/dht/routingTable.js";

const utf8 = new TextEncoder();
const N = 512;
const K = 4;
const ALPHA = 3;

/** A converged network in memory: every node offered every other, buckets keep the first k. */
function network(): { contacts: Contact[]; tables: Map<string, RoutingTable> } {
  const contacts = Array.from({ length: N }, (_, i) => ({
    id: sha256(utf8.encode(`node-${i}`)),
    url: `http://n/${i}`,
  }));
  const tables = new Map<string, RoutingTable>();
  for (const [i, c] of contacts.entries()) {
    const t = createRoutingTable(c.id, K);
    // A node-specific order, so tables differ the way join order makes them differ.
    for (let j = 1; j < N; j++) t.update(contacts[(i + j * 7) % N] as Contact);
    tables.set(idHex(c.id), t);
  }
  return { contacts, tables };
}

test(`iterative lookup in a ${N}-node network (k=${K}, α=${ALPHA}) finds the k nearest in ≤ log2(n)+2 hops`, async () => {
  const { contacts, tables } = network();
  const maxHops = Math.ceil(Math.log2(N)) + 2;
  const hops: number[] = [];
  for (let t = 0; t < 64; t++) {
    const target = sha256(utf8.encode(`target-${t}`));
    const asker = contacts[(t * 37) % N] as Contact;
    const table = tables.get(idHex(asker.id)) as RoutingTable;
    const r = await iterativeLookup({
      target,
      seeds: table.closest(target, K),
      k: K,
      alpha: ALPHA,
      self: asker.id,
      stopOnProviders: false,
      maxQueries: 16 * K,
      query: async (c) => ({ closer: (tables.get(idHex(c.id)) as RoutingTable).closest(target, K) }),
    });
    const expected = contacts
      .filter((c) => c !== asker)
      .sort((a, b) => compareDistance(target, a.id, b.id))
      .slice(0, K)
      .map((c) => c.url);
    assert.deepEqual(
      r.closest.map((c) => c.url),
      expected,
      `target ${t}`,
    );
    assert.ok(r.hops <= maxHops, `target ${t}: ${r.hops} hops`);
    hops.push(r.hops);
  }
  // With k=4 among 512 nodes a lookup cannot be answered from the first table alone.
  assert.ok(hops.reduce((a, b) => a + b, 0) / hops.length > 1.5, `mean hops ${hops.join(",")}`);
});

test("a provider lookup stops at the first answer naming a provider, and reports its hop distance", async () => {
  const { contacts, tables } = network();
  const target = sha256(utf8.encode("record"));
  const holders = new Set(
    [...contacts]
      .sort((a, b) => compareDistance(target, a.id, b.id))
      .slice(0, K)
      .map((c) => c.url),
  );
  const asker = contacts[3] as Contact;
  let queried = 0;
  const r = await iterativeLookup({
    target,
    seeds: (tables.get(idHex(asker.id)) as RoutingTable).closest(target, K),
    k: K,
    alpha: 1,
    self: asker.id,
    stopOnProviders: true,
    maxQueries: 16 * K,
    query: async (c) => {
      queried++;
      return holders.has(c.url)
        ? { closer: [], providers: [{ url: "http://holder/gw" }] }
        : { closer: (tables.get(idHex(c.id)) as RoutingTable).closest(target, K) };
    },
  });
  assert.deepEqual(r.providers, [{ url: "http://holder/gw" }]);
  assert.equal(r.queried, queried);
  // The answering holder is 1 + (nodes on its referral path) away; the path cannot be longer than the RPCs sent.
  assert.ok(r.hops >= 1 && r.hops <= queried, `${r.hops} hops, ${queried} RPCs`);
  assert.ok(queried < 16, "α=1 walked toward the key instead of flooding");
});

test("failed peers are skipped and reported; the lookup still converges", async () => {
  const { contacts, tables } = network();
  const target = sha256(utf8.encode("with-failures"));
  const dead = new Set(contacts.filter((_, i) => i % 5 === 0).map((c) => c.url));
  const asker = contacts[1] as Contact;
  const failedSeen: string[] = [];
  const r = await iterativeLookup({
    target,
    seeds: (tables.get(idHex(asker.id)) as RoutingTable).closest(target, K),
    k: K,
    alpha: ALPHA,
    self: asker.id,
    stopOnProviders: false,
    maxQueries: 64 * K,
    query: async (c) => {
      if (dead.has(c.url)) throw new ConsortiaError(DhtErrors.DHT_RPC_FAILED, "unreachable");
      return { closer: (tables.get(idHex(c.id)) as RoutingTable).closest(target, K) };
    },
    onFailure: (c) => failedSeen.push(c.url),
  });
  assert.equal(r.failed, failedSeen.length);
  for (const c of r.closest) assert.ok(!dead.has(c.url));
  const expected = contacts
    .filter((c) => c !== asker && !dead.has(c.url))
    .sort((a, b) => compareDistance(target, a.id, b.id))
    .slice(0, K)
    .map((c) => c.url);
  assert.deepEqual(
    r.closest.map((c) => c.url),
    expected,
  );
});
