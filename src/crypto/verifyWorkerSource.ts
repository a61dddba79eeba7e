/**
 * Source of the verify worker thread, as a string run with `new Worker(src, { eval: true })`.
 * A string rather than a file because the same code must run from TypeScript sources under tsx
 * and from compiled dist/, and an eval'd CommonJS script that only requires node: built-ins
 * needs neither a loader nor a path that differs between the two.
 *
 * Chunk wire format (one transferred ArrayBuffer, built by packChunk in verifyPool.ts):
 *   u32 n                      at 0
 *   u32 msgEnd[n]              at 4          (end offset of message i within the message area)
 *   u8  check[n]               at 4+4n       (1 = well-formed, verify it; 0 = answer 0)
 *   u8  publicKeys[n][32]      at 4+5n
 *   u8  signatures[n][64]      at 4+37n
 *   u8  messages[...]          at 4+101n
 * Reply: a transferred Uint8Array(n), 1 = valid signature.
 */

export const CHUNK_HEADER_BYTES = 4;
export const CHUNK_PER_ITEM_FIXED_BYTES = 4 + 1 + 32 + 64;

export const VERIFY_WORKER_SOURCE = `"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { createPublicKey, verify } = require("node:crypto");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const capacity = workerData && workerData.keyCacheSize >= 0 ? workerData.keyCacheSize : 65536;
const cache = new Map();
function keyObject(pk) {
  const k = pk.toString("latin1");
  let key = cache.get(k);
  if (key !== undefined) {
    cache.delete(k);
    cache.set(k, key);
    return key;
  }
  key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pk]), format: "der", type: "spki" });
  if (capacity > 0) {
    cache.set(k, key);
    if (cache.size > capacity) cache.delete(cache.keys().next().value);
  }
  return key;
}
parentPort.on("message", (buf) => {
  const n = new DataView(buf).getUint32(0, true);
  const ends = new DataView(buf, 4, 4 * n);
  const check = new Uint8Array(buf, 4 + 4 * n, n);
  const pkBase = 4 + 5 * n;
  const sigBase = 4 + 37 * n;
  const msgBase = 4 + 101 * n;
  const out = new Uint8Array(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = ends.getUint32(4 * i, true);
    if (check[i] === 1) {
      try {
        const pk = Buffer.from(buf, pkBase + 32 * i, 32);
        const sig = Buffer.from(buf, sigBase + 64 * i, 64);
        const msg = Buffer.from(buf, msgBase + start, end - start);
        out[i] = verify(null, msg, keyObject(pk), sig) ? 1 : 0;
      } catch {
        out[i] = 0;
      }
    }
    start = end;
  }
  parentPort.postMessage(out, [out.buffer]);
});
`;
