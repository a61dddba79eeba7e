import assert from "node:assert/strict";
import { test } from "node:test";
import { isConsortiaError } from "../../src/errors.js";
import { createTtlCache } from "../../src/sdk/ttlCache.js";

test("entries live ttlMs on the injected clock, then load again", async () => {
  let now = 1000;
  let loads = 0;
  const c = createTtlCache<string>({ ttlMs: 50, now: () => now });
  const load = async () => `v${++loads}`;
  assert.equal(await c.get("a", load), "v1");
  now += 49;
  assert.equal(await c.get("a", load), "v1");
  assert.equal(c.has("a"), true);
  now += 1;
  assert.equal(c.has("a"), false, "expired at exactly ttlMs");
  assert.equal(await c.get("a", load), "v2");
  c.invalidate("a");
  assert.equal(await c.get("a", load), "v3");
});

test("concurrent misses share one load; a failed load is not cached", async () => {
  let loads = 0;
  let release: (v: string) => void = () => undefined;
  const c = createTtlCache<string>();
  const slow = () => {
    loads++;
    return new Promise<string>((r) => {
      release = r;
    });
  };
  const both = Promise.all([c.get("k", slow), c.get("k", slow)]);
  release("x");
  assert.deepEqual(await both, ["x", "x"]);
  assert.equal(loads, 1);
  await assert.rejects(
    c.get("bad", () => Promise.reject(new Error("down"))),
    /down/,
  );
  assert.equal(c.has("bad"), false);
  assert.equal(await c.get("bad", async () => "up"), "up");
});

test("at most maxEntries, least recently used first; bad options are typed errors", async () => {
  const c = createTtlCache<number>({ maxEntries: 2 });
  for (const [k, v] of [
    ["a", 1],
    ["b", 2],
    ["c", 3],
  ] as const) {
    await c.get(k, async () => v);
  }
  assert.equal(c.size, 2);
  assert.deepEqual(
    ["a", "b", "c"].map((k) => c.has(k)),
    [false, true, true],
  );
  for (const bad of [{ ttlMs: 0 }, { maxEntries: -1 }, { ttlMs: 1.5 }]) {
    assert.throws(
      () => createTtlCache(bad),
      (e) => isConsortiaError(e, "INVALID_ARGUMENT"),
    );
  }
});
