import assert from "node:assert/strict";
import { test } from "node:test";
import { isConsortiaError } from "../../../src/errors.js";
import { DhtErrors } from "../../../src/offchain/dht/errors.js";
import { createProviderStore } from "../../../src/offchain/dht/providers.js";
import { manualClock } from "./helpers.js";

const key = (b: number) => new Uint8Array(32).fill(b);

test("records live exactly ttlMs after their last announcement", () => {
  const clock = manualClock();
  const store = createProviderStore(clock, { ttlMs: 1000, maxKeys: 10, maxPerKey: 5 });
  store.add(key(1), { url: "http://a" });
  clock.advance(600);
  store.add(key(1), { url: "http://b" });
  assert.deepEqual(
    store.get(key(1)).map((p) => p.url),
    ["http://b", "http://a"],
  );
  clock.advance(399);
  assert.equal(store.get(key(1)).length, 2);
  clock.advance(1);
  assert.deepEqual(
    store.get(key(1)).map((p) => p.url),
    ["http://b"],
  );
  // Re-announcing renews.
  store.add(key(1), { url: "http://b" });
  clock.advance(999);
  assert.equal(store.get(key(1)).length, 1);
  clock.advance(1);
  assert.equal(store.get(key(1)).length, 0);
  assert.equal(store.keys, 0);
});

test("per-key cap keeps the freshest records; a full store refuses new keys until a sweep frees one", () => {
  const clock = manualClock();
  const store = createProviderStore(clock, { ttlMs: 1000, maxKeys: 2, maxPerKey: 2 });
  for (const u of ["http://a", "http://b", "http://c"]) {
    store.add(key(1), { url: u });
    clock.advance(1);
  }
  assert.deepEqual(
    store.get(key(1)).map((p) => p.url),
    ["http://c", "http://b"],
  );
  store.add(key(2), { url: "http://a" });
  assert.throws(
    () => store.add(key(3), { url: "http://a" }),
    (e) => isConsortiaError(e, DhtErrors.DHT_STORE_FULL),
  );
  // Existing keys can still be renewed when full.
  store.add(key(2), { url: "http://b" });
  clock.advance(1000);
  store.add(key(3), { url: "http://a" });
  assert.equal(store.keys, 1);
  assert.equal(store.sweep(), 0);
});

test("limits must be positive integers", () => {
  assert.throws(
    () => createProviderStore(manualClock(), { ttlMs: 0, maxKeys: 1, maxPerKey: 1 }),
    (e) => isConsortiaError(e, DhtErrors.DHT_BAD_ARGUMENT),
  );
});
