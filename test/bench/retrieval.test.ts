import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type DirectLocator,
  type RetrievalRow,
  runRetrievalBench,
  type SeededRecord,
} from "../../bench/retrieval.js";
import { startChainLocator } from "../../bench/retrievalChain.js";
import { isConsortiaError } from "../../src/errors.js";

const SIZE = 64 * 1024;

test("the three designs each retrieve and verify every record (users [2], 64 KiB)", async () => {
  const streamed: RetrievalRow[] = [];
  const rows = await runRetrievalBench({
    users: [2],
    sizeBytes: SIZE,
    holders: 2,
    dhtNodes: 8,
    rounds: 2,
    onRow: (r) => streamed.push(r),
  });
  assert.deepEqual(
    rows.map((r) => r.design),
    ["direct", "dht", "central"],
  );
  assert.deepEqual(streamed, rows);
  for (const r of rows) {
    assert.equal(r.users, 2);
    assert.equal(r.size_bytes, SIZE);
    assert.equal(r.retrievals, 4);
    assert.ok(r.p50_ms > 0 && r.p50_ms <= r.p99_ms, JSON.stringify(r));
    assert.ok(r.locate_mean_ms <= r.mean_ms);
  }
  const [direct, dht, central] = rows as [RetrievalRow, RetrievalRow, RetrievalRow];
  assert.equal(direct.locator, "in-memory");
  assert.ok(dht.mean_hops !== undefined && dht.mean_hops >= 1, "every DHT retrieval did a network lookup");
  assert.ok(dht.mean_rpcs !== undefined && dht.mean_rpcs >= 1);
  assert.equal(central.locate_mean_ms, 0);
  assert.equal(central.mean_hops, undefined);
});

test("a custom locator is used and reported; a locator naming the wrong holder fails the run", async () => {
  let seeded: readonly SeededRecord[] = [];
  const calls: string[] = [];
  const honest: DirectLocator = async (recordId) => {
    calls.push(recordId);
    const s = seeded.find((r) => r.recordId === recordId);
    assert.ok(s !== undefined);
    return { baseUrl: s.holderUrl, cid: s.cid };
  };
  const rows = await runRetrievalBench({
    users: [2],
    sizeBytes: SIZE,
    holders: 2,
    dhtNodes: 2,
    rounds: 1,
    locate: honest,
    onSeeded: async (records) => {
      seeded = records;
    },
  });
  assert.equal(seeded.length, 2);
  assert.notEqual(seeded[0]?.holderUrl, seeded[1]?.holderUrl, "records are spread round-robin");
  assert.equal(rows[0]?.locator, "custom");
  // Warm-up (2) + one round (2).
  assert.equal(calls.length, 4);

  // Holder 1 does not have record 0: the fetch gets a 404 and the run must not report numbers.
  const wrongHolder: DirectLocator = async (recordId) => {
    const i = seeded.findIndex((r) => r.recordId === recordId);
    const other = seeded[(i + 1) % seeded.length] as SeededRecord;
    return { baseUrl: other.holderUrl, cid: (seeded[i] as SeededRecord).cid };
  };
  await assert.rejects(
    runRetrievalBench({
      users: [2],
      sizeBytes: SIZE,
      holders: 2,
      dhtNodes: 2,
      rounds: 1,
      locate: wrongHolder,
      onSeeded: async (records) => {
        seeded = records;
      },
    }),
    (e) => isConsortiaError(e, "OFFCHAIN_BLOCK_NOT_FOUND"),
  );
});

test("the chain locator finds each record's holder through the node API of a devnet", async () => {
  const chain = startChainLocator();
  let seeded: readonly SeededRecord[] = [];
  try {
    const rows = await runRetrievalBench({
      users: [3],
      sizeBytes: SIZE,
      holders: 2,
      dhtNodes: 2,
      rounds: 1,
      locate: chain.locate,
      locatorKind: "chain",
      onSeeded: async (records) => {
        seeded = records;
        await chain.onSeeded(records);
      },
    });
    const direct = rows.find((r) => r.design === "direct");
    assert.equal(direct?.locator, "chain");
    assert.ok(direct.locate_mean_ms > 0 && direct.locate_p50_ms > 0, JSON.stringify(direct));
    // What the chain names is what the run registered: each record's own holder server.
    for (const s of seeded)
      assert.deepEqual(await chain.locate(s.recordId), { baseUrl: s.holderUrl, cid: s.cid });
    await assert.rejects(chain.locate("00".repeat(32)), (e) => isConsortiaError(e));
  } finally {
    await chain.stop();
  }
});

test("options are validated before anything is started", async () => {
  await assert.rejects(runRetrievalBench({ users: [], sizeBytes: SIZE }), (e) =>
    isConsortiaError(e, "INVALID_ARGUMENT"),
  );
  await assert.rejects(runRetrievalBench({ users: [2], sizeBytes: SIZE, holders: 4, dhtNodes: 2 }), (e) =>
    isConsortiaError(e, "INVALID_ARGUMENT"),
  );
});
