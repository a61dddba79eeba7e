/**
 * Off-chain store benchmarks. Run:
 *   npx tsx -e "import('./bench/offchain.ts').then(m=>m.runOffchainBench()).then(r=>console.log(JSON.stringify(r)))"
 * Keys (MiB/s unless named otherwise; 1 MiB = 2^20 bytes; records are 1 MiB of random bytes):
 *   add_mib_s              store.add into a LevelDB blockstore (chunk, hash, verify, write, fsync per add)
 *   cat_mib_s              store.cat from LevelDB (read, re-hash every block, reassemble)
 *   fetch_car_mib_s        fetchFromHolder over loopback HTTP (CAR, verify, reassemble, memory store)
 *   aes256gcm_encrypt_mib_s  AES-256-GCM encryption of 1 MiB buffers (node:crypto, one core)
 *   seal_record_mib_s      sealRecord for 2 recipients (AES-256-GCM + 2 HPKE wraps + canonical encode)
 *   records                records per add/cat/fetch measurement
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Fastify from "fastify";
import { sealRecord } from "../src/crypto/envelope.js";
import { generateX25519KeyPair } from "../src/crypto/hpke.js";
import { openBlockstore } from "../src/offchain/blockstore.js";
import type { CID } from "../src/offchain/cid.js";
import { fetchFromHolder } from "../src/offchain/fetch.js";
import { registerGatewayRoutes } from "../src/offchain/gateway.js";
import { createContentStore } from "../src/offchain/store.js";

export interface OffchainBenchOptions {
  /** Records per store measurement (default 32, i.e. 32 MiB written). */
  readonly records?: number;
  /** Seconds for each in-memory crypto measurement (default 1). */
  readonly seconds?: number;
}

const MiB = 1024 * 1024;

function mibPerSecond(bytes: number, ms: number): number {
  return Math.round((bytes / MiB / (ms / 1000)) * 10) / 10;
}

function timed(seconds: number, op: () => void): { n: number; ms: number } {
  let n = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    op();
    n++;
  }
  return { n, ms: performance.now() - start };
}

export async function runOffchainBench(opts: OffchainBenchOptions = {}): Promise<Record<string, number>> {
  const records = opts.records ?? 32;
  const seconds = opts.seconds ?? 1;
  const inputs = Array.from({ length: records }, () => new Uint8Array(randomBytes(MiB)));
  const out: Record<string, number> = { records };

  const dir = mkdtempSync(join(tmpdir(), "consortia-bench-offchain-"));
  const blockstore = await openBlockstore(dir);
  const store = createContentStore({ blockstore });
  const app = Fastify({ logger: false });
  registerGatewayRoutes(app, { blockstore });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const cids: CID[] = [];
    let t = performance.now();
    for (const r of inputs) cids.push((await store.add(r)).cid);
    out.add_mib_s = mibPerSecond(records * MiB, performance.now() - t);

    t = performance.now();
    for (const c of cids) await store.cat(c);
    out.cat_mib_s = mibPerSecond(records * MiB, performance.now() - t);

    t = performance.now();
    for (const c of cids) await fetchFromHolder(url, c);
    out.fetch_car_mib_s = mibPerSecond(records * MiB, performance.now() - t);
  } finally {
    await app.close();
    await blockstore.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const key = randomBytes(32);
  const iv = randomBytes(12);
  const buf = inputs[0] as Uint8Array;
  const aes = timed(seconds, () => {
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.update(buf);
    c.final();
    c.getAuthTag();
  });
  out.aes256gcm_encrypt_mib_s = mibPerSecond(aes.n * MiB, aes.ms);

  const recipients = [
    { id: "patient", x25519PublicKey: generateX25519KeyPair().publicKey },
    { id: "hospital", x25519PublicKey: generateX25519KeyPair().publicKey },
  ];
  const aad = new TextEncoder().encode("bench");
  const seal = timed(seconds, () => sealRecord(buf, recipients, aad));
  out.seal_record_mib_s = mibPerSecond(seal.n * MiB, seal.ms);
  return out;
}
