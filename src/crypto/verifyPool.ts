/**
 * Parallel Ed25519 verification on worker threads, for block execution and mempool admission where
 * thousands of signatures arrive at once. A batch is split into chunks; each chunk is packed into
 * one ArrayBuffer and transferred (zero-copy) to an idle worker, so the per-item cost on the calling
 * thread is a few byte copies, not an object graph for structured clone. Each worker keeps its own
 * KeyObject cache (KeyObjects cannot cross threads cheaply).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { CommonErrors, ConsortiaError } from "../errors.js";
import { keyPairFromSeed, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, signBytes, verifyBytes } from "./ed25519.js";
import { CryptoErrors } from "./errors.js";
import { sha256Concat } from "./hash.js";
import {
  CHUNK_HEADER_BYTES,
  CHUNK_PER_ITEM_FIXED_BYTES,
  VERIFY_WORKER_SOURCE,
} from "./verifyWorkerSource.js";

export interface VerifyItem {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

export interface VerifyPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  readonly threads?: number;
  /** Batches smaller than this verify inline on the calling thread (default 64): a worker round trip costs more. */
  readonly inlineBelow?: number;
  /** Upper bound on items per chunk (default 8192), so large batches pipeline across workers. */
  readonly maxChunkItems?: number;
  /** Per-worker public KeyObject cache capacity (default 65,536). */
  readonly keyCacheSize?: number;
}

export interface VerifyPool {
  readonly threads: number;
  /** Result[i] = 1 when items[i] carries a valid signature, else 0. Malformed items give 0, never a rejection. */
  verifyBatch(items: readonly VerifyItem[]): Promise<Uint8Array>;
  /** Terminates the workers; pending and later batches reject with CRYPTO_POOL_CLOSED. */
  close(): Promise<void>;
}

interface Job {
  readonly buf: ArrayBuffer;
  readonly resolve: (out: Uint8Array) => void;
  readonly reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/** Consecutive worker crashes after which the pool stops respawning and fails all work. */
const MAX_RESPAWNS = 5;

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < min) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ARGUMENT,
      `${name} must be an integer >= ${min} (got ${String(v)})`,
      { field: name, value: v },
    );
  }
  return v;
}

function wellFormed(it: VerifyItem | undefined): it is VerifyItem {
  return (
    it !== undefined &&
    it !== null &&
    it.publicKey instanceof Uint8Array &&
    it.publicKey.byteLength === PUBLIC_KEY_BYTES &&
    it.signature instanceof Uint8Array &&
    it.signature.byteLength === SIGNATURE_BYTES &&
    it.message instanceof Uint8Array
  );
}

/** Packs items[from, to) in the layout documented in verifyWorkerSource.ts. */
export function packChunk(items: readonly VerifyItem[], from: number, to: number): ArrayBuffer {
  const n = to - from;
  let msgBytes = 0;
  for (let i = from; i < to; i++) {
    const it = items[i];
    if (wellFormed(it)) msgBytes += it.message.byteLength;
  }
  if (msgBytes > 0xffff_ffff) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ARGUMENT,
      "a verify chunk's messages must total < 4 GiB",
      {
        field: "items",
      },
    );
  }
  const buf = new ArrayBuffer(CHUNK_HEADER_BYTES + CHUNK_PER_ITEM_FIXED_BYTES * n + msgBytes);
  const view = new DataView(buf);
  const bytes = new Uint8Array(buf);
  view.setUint32(0, n, true);
  const checkBase = 4 + 4 * n;
  const pkBase = 4 + 5 * n;
  const sigBase = 4 + 37 * n;
  const msgBase = 4 + 101 * n;
  let end = 0;
  for (let j = 0; j < n; j++) {
    const it = items[from + j];
    if (wellFormed(it)) {
      bytes[checkBase + j] = 1;
      bytes.set(it.publicKey, pkBase + 32 * j);
      bytes.set(it.signature, sigBase + 64 * j);
      bytes.set(it.message, msgBase + end);
      end += it.message.byteLength;
    }
    view.setUint32(4 + 4 * j, end, true);
  }
  return buf;
}

export function verifyInline(items: readonly VerifyItem[]): Uint8Array {
  const out = new Uint8Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    out[i] = wellFormed(it) && verifyBytes(it.publicKey, it.message, it.signature) ? 1 : 0;
  }
  return out;
}

export function createVerifyPool(opts: VerifyPoolOptions = {}): VerifyPool {
  const threads = positiveInt("threads", opts.threads, Math.max(1, availableParallelism()));
  const inlineBelow = positiveInt("inlineBelow", opts.inlineBelow, 64, 0);
  const maxChunkItems = positiveInt("maxChunkItems", opts.maxChunkItems, 8192);
  const keyCacheSize = positiveInt("keyCacheSize", opts.keyCacheSize, 65_536, 0);

  const queue: Job[] = [];
  let closed = false;
  let broken: ConsortiaError | undefined;
  let respawns = 0;

  const spawn = (slot?: Slot): Slot => {
    // execArgv [] keeps tsx's loader (inherited from the parent by default) out of the worker.
    const worker = new Worker(VERIFY_WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { keyCacheSize },
    });
    worker.unref();
    const s: Slot = slot ?? { worker, job: undefined };
    s.worker = worker;
    worker.on("message", (out: Uint8Array) => {
      const job = s.job;
      s.job = undefined;
      respawns = 0;
      if (queue.length === 0) worker.unref();
      job?.resolve(out);
      pump();
    });
    worker.on("error", (err: unknown) => failSlot(s, worker, err));
    worker.on("exit", (code: number) => failSlot(s, worker, `exit code ${code}`));
    return s;
  };

  const failSlot = (s: Slot, worker: Worker, cause: unknown): void => {
    if (s.worker !== worker) return; // a replaced worker's late "exit"
    const job = s.job;
    s.job = undefined;
    if (closed) {
      job?.reject(new ConsortiaError(CryptoErrors.CRYPTO_POOL_CLOSED, "verify pool was closed"));
      return;
    }
    job?.reject(
      new ConsortiaError(
        CryptoErrors.CRYPTO_WORKER_FAILED,
        "a verify worker failed while verifying a chunk",
        {
          cause: String(cause),
        },
      ),
    );
    if (respawns >= MAX_RESPAWNS) {
      broken = new ConsortiaError(
        CryptoErrors.CRYPTO_WORKER_FAILED,
        `verify workers crashed ${MAX_RESPAWNS} times in a row; pool disabled`,
        { cause: String(cause) },
      );
      for (const j of queue.splice(0)) j.reject(broken);
      return;
    }
    respawns++;
    spawn(s);
    pump();
  };

  const slots: Slot[] = Array.from({ length: threads }, () => spawn());

  const pump = (): void => {
    for (const s of slots) {
      if (queue.length === 0) return;
      if (s.job !== undefined) continue;
      const job = queue.shift() as Job;
      s.job = job;
      s.worker.ref();
      s.worker.postMessage(job.buf, [job.buf]);
    }
  };

  const runChunk = (buf: ArrayBuffer): Promise<Uint8Array> =>
    new Promise<Uint8Array>((resolve, reject) => {
      queue.push({ buf, resolve, reject });
      pump();
    });

  const verifyBatch = async (items: readonly VerifyItem[]): Promise<Uint8Array> => {
    if (closed) throw new ConsortiaError(CryptoErrors.CRYPTO_POOL_CLOSED, "verify pool was closed");
    if (broken) throw broken;
    if (!Array.isArray(items)) {
      throw new ConsortiaError(CryptoErrors.CRYPTO_BAD_ARGUMENT, "items must be an array", {
        field: "items",
      });
    }
    const n = items.length;
    if (n === 0 || n < inlineBelow) return verifyInline(items);
    const chunks = Math.max(
      Math.min(threads, Math.ceil(n / Math.max(1, inlineBelow))),
      Math.ceil(n / maxChunkItems),
    );
    const size = Math.ceil(n / chunks);
    const pending: Promise<Uint8Array>[] = [];
    for (let from = 0; from < n; from += size)
      pending.push(runChunk(packChunk(items, from, Math.min(n, from + size))));
    const parts = await Promise.all(pending);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    if (at !== n) {
      throw new ConsortiaError(CommonErrors.INTERNAL, `verify workers returned ${at} results for ${n} items`);
    }
    return out;
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    const err = new ConsortiaError(CryptoErrors.CRYPTO_POOL_CLOSED, "verify pool was closed");
    for (const j of queue.splice(0)) j.reject(err);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  };

  return { threads, verifyBatch, close };
}

export interface ThroughputOptions {
  /** Worker threads; default os.availableParallelism(). */
  readonly threads?: number;
  /** Measuring time after warm-up (default 2). */
  readonly seconds?: number;
  /** Items per batch (default 4096). */
  readonly batchSize?: number;
}

/**
 * Verifications per second through a pool using all cores: the `verify_bound_tps` of benchmarks,
 * i.e. the ceiling signature checking puts on transaction throughput. Uses 256 deterministic keys
 * (so warmed KeyObject caches, as in steady state with a bounded validator/account set) and
 * 128-byte messages, with `threads` batches in flight so packing overlaps verification.
 */
export async function measureVerifyThroughput(opts: ThroughputOptions = {}): Promise<number> {
  const threads = positiveInt("threads", opts.threads, Math.max(1, availableParallelism()));
  const batchSize = positiveInt("batchSize", opts.batchSize, 4096);
  const seconds = opts.seconds ?? 2;
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ARGUMENT,
      `seconds must be > 0 (got ${String(seconds)})`,
      {
        field: "seconds",
        value: seconds,
      },
    );
  }
  const items = benchItems(batchSize, 256);
  const pool = createVerifyPool({ threads });
  try {
    const warm = await pool.verifyBatch(items);
    if (warm.some((v) => v !== 1)) {
      throw new ConsortiaError(CommonErrors.INTERNAL, "throughput fixture failed verification");
    }
    let verified = 0;
    const start = performance.now();
    const deadline = start + seconds * 1000;
    const loop = async (): Promise<void> => {
      while (performance.now() < deadline) {
        await pool.verifyBatch(items);
        verified += items.length;
      }
    };
    await Promise.all(Array.from({ length: threads }, loop));
    return verified / ((performance.now() - start) / 1000);
  } finally {
    await pool.close();
  }
}

/** Deterministic signed items: `count` messages of 128 bytes signed round-robin by `keys` keys. */
export function benchItems(count: number, keys: number): VerifyItem[] {
  const label = new TextEncoder().encode("consortia/bench/key");
  const pairs = Array.from({ length: keys }, (_, k) => {
    const index = new Uint8Array(4);
    new DataView(index.buffer).setUint32(0, k, true);
    return keyPairFromSeed(sha256Concat(label, index));
  });
  const items: VerifyItem[] = [];
  for (let i = 0; i < count; i++) {
    const pair = pairs[i % keys] as (typeof pairs)[number];
    const message = new Uint8Array(128);
    new DataView(message.buffer).setUint32(0, i, true);
    items.push({ publicKey: pair.publicKey, message, signature: signBytes(pair.secretKey, message) });
  }
  return items;
}
