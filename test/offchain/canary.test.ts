import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, test } from "node:test";
import { openRecord, sealRecord } from "../../src/crypto/envelope.js";
import { generateX25519KeyPair } from "../../src/crypto/hpke.js";
import { openBlockstore } from "../../src/offchain/blockstore.js";
import { createContentStore } from "../../src/offchain/store.js";
import { UNIXFS_CHUNK_SIZE } from "../../src/offchain/unixfs.js";
import { detBytes, filesContaining, tempDir } from "./helpers.js";

const dirs: Array<{ cleanup(): void }> = [];
after(() => {
  for (const d of dirs) d.cleanup();
});

const enc = new TextEncoder();
// Unique per run, no repeated substrings (so LevelDB's Snappy cannot back-reference it away).
const canary = enc.encode(`PLAINTEXT-CANARY-${randomBytes(16).toString("hex")}`);

/** A multi-chunk health record with the canary in the first and in the last chunk. */
function recordWithCanary(): Uint8Array {
  const head = enc.encode('{"patient":"p-4711","diagnosis":"E11.9","note":"');
  const body = detBytes(UNIXFS_CHUNK_SIZE + 4000, "canary-record");
  const out = new Uint8Array(head.length + body.length + 2 * canary.length);
  out.set(head, 0);
  out.set(canary, head.length);
  out.set(body, head.length + canary.length);
  out.set(canary, out.length - canary.length);
  return out;
}

async function storeIn(name: string, content: Uint8Array) {
  const d = tempDir(name);
  dirs.push(d);
  const blockstore = await openBlockstore(d.path);
  const store = createContentStore({ blockstore });
  const added = await store.add(content);
  await blockstore.close(); // flushes everything LevelDB buffers
  return { dir: d.path, added };
}

test("control: an unencrypted record is found by the file scan", async () => {
  const { dir } = await storeIn("canary-control", recordWithCanary());
  assert.ok(filesContaining(dir, canary).length > 0);
});

test("no file under the store directory (LevelDB log, tables, manifest) contains the plaintext", async () => {
  const patient = generateX25519KeyPair();
  const hospital = generateX25519KeyPair();
  const aad = enc.encode("record=r-4711");
  const plaintext = recordWithCanary();
  const envelope = sealRecord(
    plaintext,
    [
      { id: "patient:p-4711", x25519PublicKey: patient.publicKey },
      { id: "hospital:a", x25519PublicKey: hospital.publicKey },
    ],
    aad,
  );
  assert.ok(!Buffer.from(envelope).includes(Buffer.from(canary)), "the envelope itself hides it");
  const { dir, added } = await storeIn("canary-sealed", envelope);
  assert.ok(added.blocks > 1, "multi-block DAG");
  assert.deepEqual(filesContaining(dir, canary), []);

  // And the stored envelope still opens to the original record.
  const bs = await openBlockstore(dir);
  const back = await createContentStore({ blockstore: bs }).cat(added.cid);
  await bs.close();
  assert.deepEqual(openRecord(back, "hospital:a", hospital.secretKey, aad), plaintext);
});
