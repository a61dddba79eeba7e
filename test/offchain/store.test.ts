import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as dagPb from "@ipld/dag-pb";
import { ClassicLevel } from "classic-level";
import { isConsortiaError } from "../../src/errors.js";
import { type BlockStore, openBlockstore } from "../../src/offchain/blockstore.js";
import type { CID } from "../../src/offchain/cid.js";
import { OffchainErrors } from "../../src/offchain/errors.js";
import { type ContentStore, createContentStore } from "../../src/offchain/store.js";
import { UNIXFS_CHUNK_SIZE } from "../../src/offchain/unixfs.js";
import { detBytes, detStream, filesContaining, tempDir } from "./helpers.js";

const isCode = (code: string) => (e: unknown) => isConsortiaError(e, code);
const dirs: Array<{ cleanup(): void }> = [];
function dir(name: string): string {
  const d = tempDir(name);
  dirs.push(d);
  return d.path;
}

let bs: BlockStore;
let store: ContentStore;
before(async () => {
  bs = await openBlockstore(dir("store"));
  store = createContentStore({ blockstore: bs }, { maxCatBytes: 4 * 1024 * 1024 });
});
after(async () => {
  await bs.close();
  for (const d of dirs) d.cleanup();
});

const KiB = 1024;
const sizes: Array<[string, number, number]> = [
  // [label, size, expected distinct blocks]
  ["0 B", 0, 1],
  ["1 B", 1, 1],
  ["256 KiB", 256 * KiB, 1],
  ["256 KiB + 1", 256 * KiB + 1, 3],
  ["3 MiB", 3 * 1024 * KiB, 13],
];

for (const [label, size, blocks] of sizes) {
  test(`round trip ${label}: add → stat → cat gives the same bytes`, async () => {
    const data = detBytes(size, `rt-${label}`);
    const added = await store.add(data);
    assert.equal(added.size, size);
    assert.equal(added.blocks, blocks);
    assert.deepEqual(await store.cat(added.cid), data);
    const st = await store.stat(added.cid.toString());
    assert.deepEqual(
      { size: st.size, blocks: st.blocks, dagBytes: st.dagBytes, kind: st.kind },
      { size, blocks, dagBytes: added.dagBytes, kind: blocks === 1 ? "raw" : "file" },
    );
    assert.ok(added.dagBytes >= size);
    // Streamed input gives the same CID as the whole buffer.
    const streamed = await store.add(detStream(size, `rt-${label}`, 77_777));
    assert.equal(streamed.cid.toString(), added.cid.toString());
  });
}

test("cat and add are bounded: oversize refused typed, refused adds leave nothing behind", async () => {
  const big = detBytes(2 * UNIXFS_CHUNK_SIZE + 5, "bounded");
  const added = await store.add(big);
  await assert.rejects(
    store.cat(added.cid, { maxBytes: big.length - 1 }),
    (e) => isConsortiaError(e, OffchainErrors.OFFCHAIN_TOO_LARGE) && e.details.size === big.length,
  );
  assert.equal((await store.cat(added.cid, { maxBytes: big.length })).length, big.length);

  const before = bs.stats();
  await assert.rejects(
    store.add(detBytes(1000, "too-big"), { maxBytes: 999 }),
    isCode(OffchainErrors.OFFCHAIN_TOO_LARGE),
  );
  // A stream is cut off mid-import; the blocks it already wrote are rolled back.
  await assert.rejects(
    store.add(detStream(3 * UNIXFS_CHUNK_SIZE, "too-big-stream", 65_536), {
      maxBytes: 2 * UNIXFS_CHUNK_SIZE,
    }),
    isCode(OffchainErrors.OFFCHAIN_TOO_LARGE),
  );
  assert.deepEqual(bs.stats(), before);
});

test("quota exceeded during add: typed error, partial blocks rolled back", async () => {
  const small = await openBlockstore(dir("store-quota"), { quotaBytes: 600 * KiB });
  const s = createContentStore({ blockstore: small });
  await assert.rejects(
    s.add(detBytes(3 * UNIXFS_CHUNK_SIZE, "quota")),
    isCode(OffchainErrors.OFFCHAIN_QUOTA_EXCEEDED),
  );
  assert.deepEqual(small.stats(), { blocks: 0, bytes: 0, quotaBytes: 600 * KiB });
  const ok = await s.add(detBytes(2 * UNIXFS_CHUNK_SIZE, "quota-ok"));
  assert.equal(ok.blocks, 3);
  await small.close();
});

test("a tampered leaf on disk: cat fails with OFFCHAIN_HASH_MISMATCH, never returns altered data", async () => {
  const path = dir("store-tamper");
  let local = await openBlockstore(path);
  const data = detBytes(UNIXFS_CHUNK_SIZE + 100, "tamper");
  const { cid } = await createContentStore({ blockstore: local }).add(data);
  const leaf = dagPb.decode(await local.get(cid)).Links[1]?.Hash as CID;
  await local.close();

  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: "view", valueEncoding: "view" });
  const bytes = (await db.get(leaf.multihash.bytes)) as Uint8Array;
  const changed = new Uint8Array(bytes);
  changed[50] = (changed[50] as number) ^ 1;
  await db.put(leaf.multihash.bytes, changed);
  await db.close();

  local = await openBlockstore(path);
  const s = createContentStore({ blockstore: local });
  await assert.rejects(
    s.cat(cid),
    (e) => isConsortiaError(e, OffchainErrors.OFFCHAIN_HASH_MISMATCH) && e.details.cid === leaf.toString(),
  );
  await assert.rejects(s.stat(cid), isCode(OffchainErrors.OFFCHAIN_HASH_MISMATCH));
  // remove still erases the tampered block (without following links read from it).
  const removed = await s.remove(cid);
  assert.deepEqual(
    { blocks: removed.blocks, unverifiable: removed.unverifiable },
    { blocks: 3, unverifiable: 1 },
  );
  assert.equal(local.stats().blocks, 0);
  await local.close();
});

test("remove erases the DAG: blocks gone, accounting back, bytes gone from the LevelDB files", async () => {
  const path = dir("store-erase");
  const local = await openBlockstore(path);
  const s = createContentStore({ blockstore: local });
  const keep = await s.add(detBytes(5000, "keep"));
  // Unencrypted on purpose: this is the positive control that the file scan can find bytes.
  const canary = new TextEncoder().encode(
    `ERASE-CANARY-${Buffer.from(detBytes(16, "erase")).toString("hex")}`,
  );
  const record = new Uint8Array(UNIXFS_CHUNK_SIZE + 10_000);
  record.set(detBytes(record.length, "erase-body"));
  record.set(canary, 1000);
  record.set(canary, UNIXFS_CHUNK_SIZE + 500);
  const doomed = await s.add(record);
  assert.ok(filesContaining(path, canary).length > 0, "control: the canary is findable before removal");

  const removed = await s.remove(doomed.cid);
  assert.deepEqual(removed, { blocks: 3, bytes: doomed.dagBytes, unverifiable: 0 });
  assert.equal(await s.has(doomed.cid), false);
  await assert.rejects(s.cat(doomed.cid), isCode(OffchainErrors.OFFCHAIN_BLOCK_NOT_FOUND));
  assert.deepEqual(
    { blocks: local.stats().blocks, bytes: local.stats().bytes },
    { blocks: 1, bytes: keep.dagBytes },
  );
  assert.deepEqual(filesContaining(path, canary), [], "compaction leaves no copy in any file");
  assert.equal((await s.cat(keep.cid)).length, 5000, "other records are untouched");
  assert.deepEqual(await s.remove(doomed.cid), { blocks: 0, bytes: 0, unverifiable: 0 }, "idempotent");
  await local.close();
});

test("bad inputs are typed", async () => {
  await assert.rejects(store.cat("not-a-cid"), isCode(OffchainErrors.OFFCHAIN_BAD_CID));
  await assert.rejects(
    store.cat("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"),
    isCode(OffchainErrors.OFFCHAIN_BLOCK_NOT_FOUND),
  );
  await assert.rejects(
    store.add("text" as unknown as Uint8Array),
    isCode(OffchainErrors.OFFCHAIN_BAD_ARGUMENT),
  );
});
