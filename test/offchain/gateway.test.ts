import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CarReader } from "@ipld/car";
import * as dagPb from "@ipld/dag-pb";
import { ClassicLevel } from "classic-level";
import Fastify from "fastify";
import { ConsortiaError, isConsortiaError } from "../../src/errors.js";
import { type BlockStore, openBlockstore } from "../../src/offchain/blockstore.js";
import { encodeCarBlock, encodeCarHeader } from "../../src/offchain/car.js";
import type { CID } from "../../src/offchain/cid.js";
import { OffchainErrors } from "../../src/offchain/errors.js";
import { fetchBlock, fetchFromHolder } from "../../src/offchain/fetch.js";
import type { ServedEvent } from "../../src/offchain/gateway.js";
import { createMemoryBlockstore } from "../../src/offchain/memoryBlockstore.js";
import { type ContentStore, createContentStore } from "../../src/offchain/store.js";
import { UNIXFS_CHUNK_SIZE } from "../../src/offchain/unixfs.js";
import { detBytes, type GatewayServer, startGateway, tempDir } from "./helpers.js";

const isCode = (code: string) => (e: unknown) => isConsortiaError(e, code);
const RAW = "application/vnd.ipld.raw";
const CAR = "application/vnd.ipld.car";

interface Hospital {
  readonly path: string;
  blockstore: BlockStore;
  store: ContentStore;
  gateway: GatewayServer;
  readonly served: ServedEvent[];
}

const dirs: Array<{ cleanup(): void }> = [];
const hospitals: Hospital[] = [];

async function hospital(name: string, maxCarBytes?: number): Promise<Hospital> {
  const d = tempDir(name);
  dirs.push(d);
  const blockstore = await openBlockstore(d.path);
  const served: ServedEvent[] = [];
  const gateway = await startGateway(blockstore, {
    prefix: "/offchain",
    onServed: (e) => served.push(e),
    ...(maxCarBytes !== undefined ? { maxCarBytes } : {}),
  });
  const h = { path: d.path, blockstore, store: createContentStore({ blockstore }), gateway, served };
  hospitals.push(h);
  return h;
}

let A: Hospital;
let B: Hospital;
const record = detBytes(2 * UNIXFS_CHUNK_SIZE + 1234, "gateway-record");
let root: CID;
let leaves: CID[];

before(async () => {
  A = await hospital("hosp-a");
  B = await hospital("hosp-b");
  root = (await A.store.add(record)).cid;
  leaves = dagPb.decode(await A.blockstore.get(root)).Links.map((l) => l.Hash);
});

after(async () => {
  for (const h of hospitals) {
    await h.gateway.close();
    await h.blockstore.close();
  }
  for (const d of dirs) d.cleanup();
});

test("raw block: bytes, headers, HEAD, ETag/304, format param, probe CID", async () => {
  const url = `${A.gateway.url}/ipfs/${root}`;
  const res = await fetch(url, { headers: { accept: RAW } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), RAW);
  assert.equal(res.headers.get("content-disposition"), `attachment; filename="${root}.bin"`);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("content-location"), `/offchain/ipfs/${root}?format=raw`);
  const body = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual(body, await A.blockstore.get(root));
  const etag = res.headers.get("etag");
  assert.equal(etag, `"${root}.raw"`);

  const head = await fetch(url, { method: "HEAD", headers: { accept: RAW } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(body.length));
  assert.equal((await head.arrayBuffer()).byteLength, 0);

  assert.equal((await fetch(url, { headers: { accept: RAW, "if-none-match": etag! } })).status, 304);
  // ?format wins over Accept.
  const viaQuery = await fetch(`${url}?format=raw`, { headers: { accept: CAR } });
  assert.equal(viaQuery.headers.get("content-type"), RAW);
  // The spec's probe: identity CID bafkqaaa answers 200 with an empty body.
  const probe = await fetch(`${A.gateway.url}/ipfs/bafkqaaa?format=raw`, { headers: { accept: RAW } });
  assert.equal(probe.status, 200);
  assert.equal((await probe.arrayBuffer()).byteLength, 0);
  assert.ok(A.served.some((e) => e.format === "raw" && e.cid === root.toString() && e.bytes === body.length));
});

test("CAR: version=1 DFS, readable by @ipld/car, every block of the DAG once; dag-scope=block", async () => {
  const res = await fetch(`${A.gateway.url}/ipfs/${root}?dag-scope=all`, { headers: { accept: CAR } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), `${CAR}; version=1; order=dfs; dups=n`);
  assert.equal(res.headers.get("content-disposition"), `attachment; filename="${root}.car"`);
  const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
  assert.deepEqual((await reader.getRoots()).map(String), [root.toString()]);
  const order: string[] = [];
  for await (const b of reader.blocks()) order.push(b.cid.toString());
  assert.deepEqual(order, [root, ...leaves].map(String), "parent first, then links in order");

  const blockOnly = await fetch(`${A.gateway.url}/ipfs/${root}?format=car&dag-scope=block`, {
    headers: { accept: CAR },
  });
  const r2 = await CarReader.fromBytes(new Uint8Array(await blockOnly.arrayBuffer()));
  let n = 0;
  for await (const _ of r2.blocks()) n++;
  assert.equal(n, 1);

  const head = await fetch(`${A.gateway.url}/ipfs/${root}`, { method: "HEAD", headers: { accept: CAR } });
  assert.equal(head.status, 200);
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  // The encoder's hand-written header is what @ipld/car produces: decodes to roots + version 1.
  assert.equal((await CarReader.fromBytes(encodeCarHeader(root))).version, 1);
});

test("errors: bad CID 400, missing 404, no Accept 400, unsupported type 406, paths and entity-bytes 400", async () => {
  const base = `${A.gateway.url}/ipfs`;
  const bad = await fetch(`${base}/not-a-cid`, { headers: { accept: RAW } });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, OffchainErrors.OFFCHAIN_BAD_CID);

  const missing = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
  const nf = await fetch(`${base}/${missing}`, { headers: { accept: CAR } });
  assert.equal(nf.status, 404);
  assert.equal(((await nf.json()) as { code: string }).code, OffchainErrors.OFFCHAIN_BLOCK_NOT_FOUND);
  assert.equal((await fetch(`${base}/${missing}`, { method: "HEAD", headers: { accept: RAW } })).status, 404);
  const cached = await fetch(`${base}/${missing}`, {
    headers: { accept: RAW, "cache-control": "only-if-cached" },
  });
  assert.equal(cached.status, 412);

  assert.equal((await fetch(`${base}/${root}`)).status, 400, "strict trustless: Accept required");
  assert.equal((await fetch(`${base}/${root}`, { headers: { accept: "text/html" } })).status, 406);
  assert.equal((await fetch(`${base}/${root}`, { headers: { accept: `${CAR}; version=2` } })).status, 406);
  assert.equal((await fetch(`${base}/${root}?format=tar`, { headers: { accept: RAW } })).status, 406);
  assert.equal((await fetch(`${base}/${root}/a/b`, { headers: { accept: CAR } })).status, 400);
  assert.equal((await fetch(`${base}/${root}?entity-bytes=0:10`, { headers: { accept: CAR } })).status, 400);
  assert.equal((await fetch(`${base}/${root}?dag-scope=nope`, { headers: { accept: CAR } })).status, 400);
});

test("oversize: gateway refuses a CAR over its limit up front (413); client enforces its own limits", async () => {
  const small = await hospital("hosp-small", 300 * 1024);
  const { cid } = await small.store.add(record);
  const res = await fetch(`${small.gateway.url}/ipfs/${cid}`, { headers: { accept: CAR } });
  assert.equal(res.status, 413);
  assert.equal(((await res.json()) as { code: string }).code, OffchainErrors.OFFCHAIN_TOO_LARGE);
  await assert.rejects(fetchFromHolder(small.gateway.url, cid), isCode(OffchainErrors.OFFCHAIN_TOO_LARGE));

  await assert.rejects(
    fetchFromHolder(A.gateway.url, root, { maxBytes: record.length - 1 }),
    isCode(OffchainErrors.OFFCHAIN_TOO_LARGE),
  );
  await assert.rejects(
    fetchFromHolder(A.gateway.url, root, { maxBytes: 100_000, mode: "blocks" }),
    isCode(OffchainErrors.OFFCHAIN_TOO_LARGE),
  );
  await assert.rejects(
    fetchBlock(A.gateway.url, leaves[0]!, { maxBlockBytes: 1000 }),
    isCode(OffchainErrors.OFFCHAIN_TOO_LARGE),
  );
});

test("two hospitals: B fetches A's record by CID (CAR and block-by-block), stores it, and serves it on", async () => {
  const got = await fetchFromHolder(A.gateway.url, root.toString(), { blockstore: B.blockstore });
  assert.deepEqual(got.bytes, record);
  assert.equal(got.blocks, 4);
  assert.ok(got.transferredBytes > record.length);
  assert.deepEqual(await B.store.cat(root), record, "B now holds a verified copy");
  const car = A.served.find((e) => e.format === "car" && e.cid === root.toString() && e.complete);
  assert.ok(car !== undefined && car.blocks === 4, "the holder saw one complete CAR of 4 blocks");

  const viaBlocks = await fetchFromHolder(B.gateway.url, root, { mode: "blocks", concurrency: 2 });
  assert.deepEqual(viaBlocks.bytes, record);
  assert.deepEqual(await fetchBlock(B.gateway.url, leaves[1]!), await A.blockstore.get(leaves[1]!));
  await assert.rejects(
    fetchFromHolder(B.gateway.url, "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"),
    isCode(OffchainErrors.OFFCHAIN_BLOCK_NOT_FOUND),
  );
});

test("tampered ciphertext at the holder is detected and never served", async () => {
  const T = await hospital("hosp-tamper");
  const data = detBytes(2 * UNIXFS_CHUNK_SIZE + 99, "tampered-record");
  const { cid } = await T.store.add(data);
  const [leaf0, leaf1] = dagPb.decode(await T.blockstore.get(cid)).Links.map((l) => l.Hash) as [CID, CID];
  // Rewrite one leaf on disk behind the store's back.
  await T.gateway.close();
  await T.blockstore.close();
  const db = new ClassicLevel<Uint8Array, Uint8Array>(T.path, { keyEncoding: "view", valueEncoding: "view" });
  const original = (await db.get(leaf1.multihash.bytes)) as Uint8Array;
  const changed = new Uint8Array(original);
  changed[7] = (changed[7] as number) ^ 0x80;
  await db.put(leaf1.multihash.bytes, changed);
  await db.close();
  T.blockstore = await openBlockstore(T.path);
  T.gateway = await startGateway(T.blockstore, { prefix: "/offchain" });

  await assert.rejects(
    createContentStore({ blockstore: T.blockstore }).cat(cid),
    isCode(OffchainErrors.OFFCHAIN_HASH_MISMATCH),
  );
  const raw = await fetch(`${T.gateway.url}/ipfs/${leaf1}`, { headers: { accept: RAW } });
  assert.equal(raw.status, 500);
  const text = await raw.text();
  assert.equal((JSON.parse(text) as { code: string }).code, OffchainErrors.OFFCHAIN_HASH_MISMATCH);
  assert.ok(text.length < 1000, "an error document, not the block");
  assert.deepEqual(
    await fetchBlock(T.gateway.url, leaf0),
    await T.blockstore.get(leaf0),
    "good blocks still serve",
  );

  const target = createMemoryBlockstore();
  await assert.rejects(
    fetchFromHolder(T.gateway.url, cid, { blockstore: target }),
    (e) =>
      isConsortiaError(e, OffchainErrors.OFFCHAIN_INCOMPLETE_DAG) ||
      isConsortiaError(e, OffchainErrors.OFFCHAIN_HASH_MISMATCH),
  );
  assert.equal(target.stats().blocks, 0, "nothing from a failed fetch is stored");
  await assert.rejects(
    fetchFromHolder(T.gateway.url, cid, { mode: "blocks" }),
    isCode(OffchainErrors.OFFCHAIN_HASH_MISMATCH),
  );
});

test("a lying holder: wrong bytes for a CID are rejected (raw and CAR), unrelated blocks ignored", async () => {
  const liar = Fastify({ logger: false, forceCloseConnections: true });
  const leafBytes = await A.blockstore.get(leaves[0]!);
  const rootBytes = await A.blockstore.get(root);
  const otherLeaf = await A.blockstore.get(leaves[1]!);
  liar.get("/ipfs/:cid", async (req, reply) => {
    const cid = (req.params as { cid: string }).cid;
    const car = (req.query as Record<string, string>).format === "car";
    if (!car) return reply.type(RAW).send(Buffer.from(otherLeaf)); // wrong bytes for any CID
    const frames = [encodeCarHeader(root), encodeCarBlock({ cid: root, bytes: rootBytes })];
    if (cid === root.toString()) frames.push(encodeCarBlock({ cid: leaves[0]!, bytes: otherLeaf }));
    else frames.push(encodeCarBlock({ cid: leaves[0]!, bytes: leafBytes })); // incomplete
    return reply.type(`${CAR}; version=1`).send(Buffer.concat(frames));
  });
  await liar.listen({ host: "127.0.0.1", port: 0 });
  const addr = liar.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  try {
    const target = createMemoryBlockstore();
    await assert.rejects(fetchBlock(url, leaves[0]!), isCode(OffchainErrors.OFFCHAIN_HASH_MISMATCH));
    await assert.rejects(
      fetchFromHolder(url, root, { blockstore: target }),
      isCode(OffchainErrors.OFFCHAIN_HASH_MISMATCH),
    );
    assert.equal(target.stats().blocks, 0);
    // A CAR that lacks a block of the DAG: typed incomplete, nothing stored.
    await assert.rejects(
      fetchFromHolder(url, leaves[2]!, { blockstore: target }),
      isCode(OffchainErrors.OFFCHAIN_INCOMPLETE_DAG),
    );
    assert.equal(target.stats().blocks, 0);
    await assert.rejects(
      fetchFromHolder("http://127.0.0.1:9/", root, { timeoutMs: 5000 }),
      isCode(OffchainErrors.OFFCHAIN_REMOTE_ERROR),
    );
  } finally {
    await liar.close();
  }
});

test("authorize hook gates access (403 typed on both sides); CAR probe answers an empty CAR", async () => {
  const d = tempDir("hosp-auth");
  dirs.push(d);
  const blockstore = await openBlockstore(d.path);
  const gateway = await startGateway(blockstore, {
    authorize: (req) => {
      if (req.headers["x-consortia-grant"] !== "ok") {
        throw new ConsortiaError(OffchainErrors.OFFCHAIN_FORBIDDEN, "no grant for this record");
      }
    },
  });
  hospitals.push({
    path: d.path,
    blockstore,
    store: createContentStore({ blockstore }),
    gateway,
    served: [],
  });
  const { cid } = await createContentStore({ blockstore }).add(detBytes(1000, "auth"));
  const denied = await fetch(`${gateway.url}/ipfs/${cid}`, { headers: { accept: RAW } });
  assert.equal(denied.status, 403);
  await assert.rejects(fetchFromHolder(gateway.url, cid), isCode(OffchainErrors.OFFCHAIN_FORBIDDEN));
  const ok = await fetchFromHolder(gateway.url, cid, { headers: { "x-consortia-grant": "ok" } });
  assert.equal(ok.bytes.length, 1000);

  const probe = await fetch(`${A.gateway.url}/ipfs/bafkqaaa?format=car`, { headers: { accept: CAR } });
  assert.equal(probe.status, 200);
  const reader = await CarReader.fromBytes(new Uint8Array(await probe.arrayBuffer()));
  assert.deepEqual((await reader.getRoots()).map(String), ["bafkqaaa"]);
});
