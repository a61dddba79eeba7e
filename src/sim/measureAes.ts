/**
 * Measures AES-256-GCM encryption throughput on this machine (node:crypto), for the encryption term
 * of the offloading model (BEdgeHealth eq. 2). Lives in src/sim because it reads the clock; the
 * solvers in src/economics take the rate as a parameter.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";

export interface AesMeasurement {
  /** Median bytes per second over the rounds. */
  readonly bytesPerSecond: number;
  readonly bufferBytes: number;
  readonly rounds: number;
  /** Per-round throughputs, bytes/s. */
  readonly samples: number[];
}

export interface AesMeasureOptions {
  /** Plaintext size per encryption (default 1 MB, the largest task of the paper's sweep). */
  readonly bufferBytes?: number;
  /** Timed rounds (default 7); the median is reported. */
  readonly rounds?: number;
  /** Minimum wall time per round in ms (default 40). */
  readonly minRoundMs?: number;
}

function encryptOnce(key: Buffer, data: Buffer): number {
  // A fresh IV per message, as GCM requires; the tag is part of the work.
  const cipher = createCipheriv("aes-256-gcm", key, randomBytes(12));
  const a = cipher.update(data);
  const b = cipher.final();
  cipher.getAuthTag();
  return a.length + b.length;
}

export function measureAesGcm(opts: AesMeasureOptions = {}): AesMeasurement {
  const bufferBytes = opts.bufferBytes ?? 1_000_000;
  const rounds = opts.rounds ?? 7;
  const minRoundMs = opts.minRoundMs ?? 40;
  const key = randomBytes(32);
  const data = randomBytes(bufferBytes);
  encryptOnce(key, data); // warm-up: cipher init and JIT
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let bytes = 0;
    const t0 = performance.now();
    let t1 = t0;
    do {
      bytes += encryptOnce(key, data);
      t1 = performance.now();
    } while (t1 - t0 < minRoundMs);
    samples.push(bytes / ((t1 - t0) / 1000));
  }
  const sorted = [...samples].sort((x, y) => x - y);
  const bytesPerSecond = sorted[Math.floor(sorted.length / 2)] as number;
  return { bytesPerSecond, bufferBytes, rounds, samples };
}

let cached: AesMeasurement | undefined;

/** Measures once per process and caches (about 0.3 s). */
export function measuredAesGcm(): AesMeasurement {
  cached ??= measureAesGcm();
  return cached;
}
