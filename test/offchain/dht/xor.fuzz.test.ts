import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type Contact,
  commonPrefixLength,
  compareDistance,
  ID_BITS,
  idHex,
  idWithPrefix,
  xorDistance,
} from "../../../src/offchain/dht/id.js";
import { createRoutingTable } from "../../../src/offchain/dht/routingTable.js";

const id = fc.uint8Array({ minLength: 32, maxLength: 32 });
const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex")}`);
const contact = (i: Uint8Array): Contact => ({ id: i, url: `http://peer/${idHex(i)}` });

test("XOR distance is a metric: d(a,a)=0, symmetric, positive, triangle inequality", () => {
  fc.assert(
    fc.property(id, id, id, (a, b, c) => {
      assert.equal(big(xorDistance(a, a)), 0n);
      assert.equal(big(xorDistance(a, b)), big(xorDistance(b, a)));
      if (idHex(a) !== idHex(b)) assert.ok(big(xorDistance(a, b)) > 0n);
      assert.ok(big(xorDistance(a, b)) + big(xorDistance(b, c)) >= big(xorDistance(a, c)));
    }),
  );
});

test("XOR is unidirectional: a ⊕ d is the only point at distance d from a", () => {
  fc.assert(
    fc.property(id, id, (a, d) => {
      const b = xorDistance(a, d);
      assert.deepEqual(xorDistance(a, b), d);
    }),
  );
});

test("compareDistance orders like the integer distances", () => {
  fc.assert(
    fc.property(id, id, id, (t, a, b) => {
      const da = big(xorDistance(t, a));
      const db = big(xorDistance(t, b));
      assert.equal(compareDistance(t, a, b), da < db ? -1 : da > db ? 1 : 0);
    }),
  );
});

test("bucket index = common prefix length: distance lies in [2^(255-i), 2^(256-i))", () => {
  fc.assert(
    fc.property(id, id, (a, b) => {
      const i = commonPrefixLength(a, b);
      const d = big(xorDistance(a, b));
      if (i === ID_BITS) return assert.equal(d, 0n);
      assert.ok(d >= 1n << BigInt(255 - i) && d < 1n << BigInt(256 - i), `cpl ${i} distance ${d}`);
    }),
  );
});

test("idWithPrefix lands in the requested bucket", () => {
  fc.assert(
    fc.property(id, id, fc.integer({ min: 0, max: ID_BITS - 1 }), (self, rnd, cpl) => {
      assert.equal(commonPrefixLength(self, idWithPrefix(self, cpl, rnd)), cpl);
    }),
  );
});

test("routing table: buckets hold ≤ k contacts of the right prefix; closest() matches brute force", () => {
  fc.assert(
    fc.property(
      id,
      fc.array(id, { maxLength: 120 }),
      id,
      fc.integer({ min: 1, max: 8 }),
      (self, ids, target, k) => {
        const table = createRoutingTable(self, k);
        const kept = new Map<string, Uint8Array>();
        for (const i of ids) {
          const r = table.update(contact(i));
          if (r.status === "added" || r.status === "refreshed") kept.set(idHex(i), i);
          if (r.status === "full") assert.equal(table.bucket(table.bucketIndex(i)).length, k);
        }
        assert.equal(table.size, kept.size);
        for (let b = 0; b < ID_BITS; b++) {
          const bucket = table.bucket(b);
          assert.ok(bucket.length <= k);
          for (const c of bucket) assert.equal(commonPrefixLength(self, c.id), b);
        }
        const expected = [...kept.values()]
          .sort((x, y) => (big(xorDistance(target, x)) < big(xorDistance(target, y)) ? -1 : 1))
          .slice(0, 5)
          .map(idHex);
        assert.deepEqual(
          table.closest(target, 5).map((c) => idHex(c.id)),
          expected,
        );
      },
    ),
  );
});

test("routing table: LRU order, refusal when full, replace evicts the named contact", () => {
  const self = new Uint8Array(32);
  const table = createRoutingTable(self, 2);
  // Three ids in bucket 0 (first bit set).
  const ids = [0x80, 0x81, 0x82].map((b) => {
    const x = new Uint8Array(32);
    x[0] = b;
    return x;
  });
  const [a, b, c] = ids.map(contact) as [Contact, Contact, Contact];
  assert.equal(table.update(a).status, "added");
  assert.equal(table.update(b).status, "added");
  assert.equal(table.update(a).status, "refreshed");
  assert.deepEqual(
    table.bucket(0).map((x) => x.url),
    [b.url, a.url],
  );
  const full = table.update(c);
  assert.equal(full.status, "full");
  assert.equal(full.status === "full" ? full.oldest.url : "", b.url);
  assert.equal(table.has(c.id), false);
  assert.equal(table.replace(b.id, c), true);
  assert.deepEqual(
    table.bucket(0).map((x) => x.url),
    [a.url, c.url],
  );
  assert.equal(table.update(contact(self)).status, "self");
});
