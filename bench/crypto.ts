/**
 * Crypto benchmarks. Run:
 *   npx tsx -e "import('./bench/crypto.ts').then(m=>m.runCryptoBench()).then(r=>console.log(JSON.stringify(r)))"
 * Keys (all rates per second unless named *_ms):
 *   sign_single          signBytes, one thread, cached private KeyObject
 *   verify_single_cached verifyBytes, one thread, public KeyObject cache warm (steady state)
 *   verify_single_uncached verifyBytes with the cache disabled: one KeyObject built per verify
 *   verify_pool_t2       verify pool with 2 worker threads
 *   verify_bound_tps     verify pool using all cores: the signature-check ceiling on tx throughput
 *   keystore_unlock_ms   decryptKeystore at the default scrypt cost (N=2^15, r=8, p=1)
 */
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import {
  configureKeyCaches,
  DEFAULT_PUBLIC_KEY_CACHE,
  keyCacheStats,
  signBytes,
  verifyBytes,
} from "../src/crypto/ed25519.js";
import { decryptKeystore, encryptKeystore } from "../src/crypto/keystore.js";
import { benchItems, measureVerifyThroughput, type VerifyItem } from "../src/crypto/verifyPool.js";
import { CommonErrors, ConsortiaError } from "../src/errors.js";

export interface CryptoBenchOptions {
  /** Seconds per throughput measurement (default 2). */
  readonly seconds?: number;
}

function rate(seconds: number, op: (i: number) => void): number {
  let n = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    for (let k = 0; k < 64; k++) op(n++);
  }
  return n / ((performance.now() - start) / 1000);
}

function verifyRate(items: readonly VerifyItem[], seconds: number): number {
  return rate(seconds, (i) => {
    const it = items[i % items.length] as VerifyItem;
    if (!verifyBytes(it.publicKey, it.message, it.signature)) {
      throw new ConsortiaError(CommonErrors.INTERNAL, "benchmark fixture failed verification");
    }
  });
}

export async function runCryptoBench(opts: CryptoBenchOptions = {}): Promise<Record<string, number>> {
  const seconds = opts.seconds ?? 2;
  const items = benchItems(4096, 256);
  const out: Record<string, number> = {};

  const secret = new Uint8Array(32).fill(3);
  const msg = new Uint8Array(128);
  out.sign_single = rate(seconds, () => signBytes(secret, msg));

  verifyRate(items, 0.2); // warm the public KeyObject cache
  out.verify_single_cached = verifyRate(items, seconds);

  const capacity = keyCacheStats().publicCapacity;
  configureKeyCaches({ publicKeys: 0 });
  try {
    out.verify_single_uncached = verifyRate(items, seconds);
  } finally {
    configureKeyCaches({ publicKeys: capacity > 0 ? capacity : DEFAULT_PUBLIC_KEY_CACHE });
  }

  out.verify_pool_t2 = await measureVerifyThroughput({ threads: 2, seconds });
  const cores = Math.max(1, availableParallelism());
  out.verify_bound_tps =
    cores === 2 ? out.verify_pool_t2 : await measureVerifyThroughput({ threads: cores, seconds });
  out.cores = cores;

  const ks = await encryptKeystore(secret, "benchmark password");
  const t0 = performance.now();
  await decryptKeystore(ks, "benchmark password");
  out.keystore_unlock_ms = performance.now() - t0;

  for (const [k, v] of Object.entries(out)) out[k] = Math.round(v * 10) / 10;
  return out;
}
