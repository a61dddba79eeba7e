import assert from "node:assert/strict";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { after, test } from "node:test";
import { ClassicLevel } from "classic-level";
import { sha256 } from "multiformats/hashes/sha2";
import { isConsortiaError } from "../../src/errors.js";
import { type BlockStore, openBlockstore } from "../../src/offchain/blockstore.js";
import { CID, DAG_PB_CODE, parseCid, RAW_CODE } from "../../src/offchain/cid.js";
import { OffchainErrors } from "../../src/offchain/errors.js";
import { createMemoryBlockstore } from "../../src/offchain/memoryBlockstore.js";
import { tempDir } from "./helpers.js";

const dirs: Array<{ cleanup(): void }> = [];
after(() => {
  for (const d of dirs) d.cleanup();
});
function dir(name: string): string {
  const d = tempDir(name);
  dirs.push(d);
  return d.path;
}

const enc = new TextEncoder();
const isCode = (code: string) => (e: unknown) => isConsortiaError(e, code);

async function block(text: string, codec = RAW_CODE, version: 0 | 1 = 1) {
  const bytes = enc.encode(text);
  const cid = CID.create(version, codec, await sha256.digest(bytes));
  return { cid, bytes };
}

async function behavesLikeABlockstore(bs: BlockStore) {
  const a = await block("alpha");
  assert.equal(await bs.has(a.cid), false);
  await assert.rejects(bs.get(a.cid), isCode(OffchainErrors.OFFCHAIN_BLOCK_NOT_FOUND));
  assert.equal(await bs.put(a.cid, a.bytes), true);
  assert.equal(await bs.put(a.cid, a.bytes), false, "second put is a no-op");
  assert.deepEqual(await bs.get(a.cid), a.bytes);
  assert.deepEqual(bs.stats(), { blocks: 1, bytes: 5, quotaBytes: bs.stats().quotaBytes });

  // CIDv0 and CIDv1 of the same dag-pb block share one stored copy (key = multihash).
  const pb = await block("pretend-dag-pb", DAG_PB_CODE, 0);
  const v1 = CID.create(1, DAG_PB_CODE, pb.cid.multihash);
  assert.equal(await bs.put(pb.cid, pb.bytes), true);
  assert.equal(await bs.put(v1, pb.bytes), false);
  assert.deepEqual(await bs.get(v1), pb.bytes);
  assert.equal(bs.stats().blocks, 2);

  // Bytes that do not hash to the CID are refused and not stored.
  const b = await block("beta");
  await assert.rejects(bs.put(b.cid, enc.encode("BETA")), isCode(OffchainErrors.OFFCHAIN_HASH_MISMATCH));
  assert.equal(await bs.has(b.cid), false);

  // Identity CIDs are inline: readable, never stored.
  const probe = parseCid("bafkqaaa");
  assert.deepEqual(await bs.get(probe), new Uint8Array(0));
  assert.equal(await bs.has(probe), true);

  // Unverifiable hashes are refused up front.
  const sha512ish = CID.parse(
    "bafkrgqhhyivzstcz3hhswshfjgy6ertgmnqeleynhwt4dlfsthi4hn7zgh4uvlsb5xncykzapi3ocd4lzogukir6ksdy6wzrnz6ohnv4aglcs",
  );
  await assert.rejects(bs.get(sha512ish), isCode(OffchainErrors.OFFCHAIN_UNSUPPORTED_HASH));

  assert.equal(await bs.delete(a.cid), true);
  assert.equal(await bs.delete(a.cid), false);
  assert.equal(await bs.has(a.cid), false);
  assert.deepEqual(
    { blocks: bs.stats().blocks, bytes: bs.stats().bytes },
    { blocks: 1, bytes: pb.bytes.length },
  );
}

test("LevelDB blockstore: put/get/has/delete, CIDv0/v1 dedupe, verification, identity", async () => {
  const bs = await openBlockstore(dir("bs-basic"));
  try {
    await behavesLikeABlockstore(bs);
  } finally {
    await bs.close();
  }
  await assert.rejects(bs.get((await block("x")).cid), isCode(OffchainErrors.OFFCHAIN_CLOSED));
});

test("memory blockstore behaves the same", async () => {
  await behavesLikeABlockstore(createMemoryBlockstore());
});

test("size accounting survives reopen; quota refuses writes past it", async () => {
  const path = dir("bs-quota");
  let bs = await openBlockstore(path, { quotaBytes: 10 });
  const a = await block("12345");
  const b = await block("6789");
  const c = await block("xy");
  await bs.put(a.cid, a.bytes);
  await bs.put(b.cid, b.bytes);
  await assert.rejects(
    bs.put(c.cid, c.bytes),
    (e) =>
      isConsortiaError(e, OffchainErrors.OFFCHAIN_QUOTA_EXCEEDED) &&
      e.details.used === 9 &&
      e.details.quota === 10,
  );
  assert.equal(await bs.has(c.cid), false);
  await bs.close();

  bs = await openBlockstore(path, { quotaBytes: 10 });
  assert.deepEqual(bs.stats(), { blocks: 2, bytes: 9, quotaBytes: 10 });
  await bs.delete(a.cid);
  assert.equal(await bs.put(c.cid, c.bytes), true, "space freed by delete is reusable");
  await bs.close();

  const big = await openBlockstore(dir("bs-maxblock"), { maxBlockBytes: 4 });
  await assert.rejects(big.put(a.cid, a.bytes), isCode(OffchainErrors.OFFCHAIN_TOO_LARGE));
  await big.close();
  await assert.rejects(
    openBlockstore(dir("bs-badopt"), { quotaBytes: -1 }),
    isCode(OffchainErrors.OFFCHAIN_BAD_ARGUMENT),
  );
});

test("a block changed on disk is detected on get and never returned; a good put repairs it", async () => {
  const path = dir("bs-tamper");
  let bs = await openBlockstore(path);
  const a = await block("the original ciphertext");
  await bs.put(a.cid, a.bytes);
  await bs.close();

  // An attacker (or bit rot) rewrites the value under the same key.
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: "view", valueEncoding: "view" });
  await db.put(a.cid.multihash.bytes, enc.encode("the modified ciphertext"));
  await db.close();

  bs = await openBlockstore(path);
  await assert.rejects(
    bs.get(a.cid),
    (e) => isConsortiaError(e, OffchainErrors.OFFCHAIN_HASH_MISMATCH) && e.details.source === "disk",
  );
  assert.equal(await bs.put(a.cid, a.bytes), false, "repair overwrites, the block was already counted");
  assert.deepEqual(await bs.get(a.cid), a.bytes);
  await bs.close();
});

test("refuses to open a LevelDB that is not a blockstore, and a locked one", async () => {
  const path = dir("bs-foreign");
  const db = new ClassicLevel<string, string>(path);
  await db.put("chain/height", "12");
  await db.close();
  await assert.rejects(openBlockstore(path), isCode(OffchainErrors.OFFCHAIN_IO));

  const p2 = dir("bs-lock");
  const first = await openBlockstore(p2);
  await assert.rejects(
    openBlockstore(p2),
    (e) => isConsortiaError(e, OffchainErrors.OFFCHAIN_IO) && e.details.locked === true,
  );
  await first.close();
});

test("compact rewrites the database; an interrupted rewrite is finished or discarded at open", async () => {
  const path = dir("bs-compact");
  let bs = await openBlockstore(path);
  const a = await block("stays");
  const b = await block("goes away");
  await bs.put(a.cid, a.bytes);
  await bs.put(b.cid, b.bytes);
  await bs.delete(b.cid);
  // Reads issued during the swap wait for it instead of hitting a closed database.
  const [, during] = await Promise.all([bs.compact(), bs.get(a.cid)]);
  assert.deepEqual(during, a.bytes);
  assert.deepEqual(bs.stats(), { blocks: 1, bytes: a.bytes.length, quotaBytes: undefined });
  await bs.close();

  // Crash after the old database was moved aside, before the new one took its place.
  renameSync(path, `${path}.compacting`);
  mkdirSync(`${path}.replaced`);
  bs = await openBlockstore(path);
  assert.deepEqual(await bs.get(a.cid), a.bytes);
  await bs.close();
  assert.equal(existsSync(`${path}.replaced`), false, "stale copies are deleted");

  // A partial fresh copy next to an intact database is discarded.
  mkdirSync(`${path}.compacting`);
  bs = await openBlockstore(path);
  assert.equal(await bs.has(a.cid), true);
  assert.equal(existsSync(`${path}.compacting`), false);
  await bs.close();
});
