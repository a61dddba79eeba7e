/**
 * The TxEngine over a CometBFT process: admission goes through CometBFT's mempool (RPC
 * broadcast_tx_sync, which runs our CheckTx over ABCI), commits arrive from our own ABCI server
 * once the block is durable. The API and CLI see the same contract as the solo engine.
 */
import { txSignature, txSignedPart } from "../../codec/tx.js";
import { DOMAIN_TX, domainMessage } from "../../crypto/ed25519.js";
import { toHex } from "../../crypto/hash.js";
import type { VerifyItem, VerifyPool } from "../../crypto/verifyPool.js";
import { asConsortiaError, ConsortiaError, errorCodeInfo, registeredErrorCodes } from "../../errors.js";
import { type Clock, systemClock, systemTimers, type Timers } from "../../util/clock.js";
import { EngineErrors } from "../errors.js";
import type { CommittedBlockEvent, CommittedTx, SubmitResult, TxEngine } from "../types.js";
import { CometErrors } from "./errors.js";
import type { CometRpc } from "./rpc.js";

/** The ABCI server's side of the contract: committed blocks, after they are durable. */
export interface CommittedSource {
  onCommitted(listener: (ev: CommittedBlockEvent) => void): () => void;
}

/** The ABCI server's CheckTx verdicts on new transactions. */
export interface CheckedSource {
  onCheckTx(
    listener: (res: {
      readonly hash: Uint8Array;
      readonly code: number;
      readonly errorCode: string;
      readonly log: string;
    }) => void,
  ): () => void;
}

export interface CometEngineComponents {
  readonly app: {
    readonly height: bigint;
    txHashOf(raw: Uint8Array): Uint8Array;
    markVerified(hash: Uint8Array): void;
  };
  readonly rpc: Pick<CometRpc, "broadcastTxSync" | "broadcastTxAsyncBatch" | "numUnconfirmedTxs">;
  readonly committed: CommittedSource;
  /**
   * CheckTx verdicts from this process's ABCI server. With it, batches are broadcast
   * asynchronously and each verdict is taken from here instead of holding an RPC call open.
   */
  readonly checked?: CheckedSource;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Pre-verifies batch signatures in parallel; CheckTx (same process) then skips them. */
  readonly verifyPool?: VerifyPool;
}

export interface CometEngineOptions {
  /** Senders whose transactions are broadcast at once within a batch. */
  readonly batchConcurrency: number;
  /** mempoolSize() asks CometBFT at most this often. */
  readonly mempoolRefreshMs: number;
  /** Committed transactions remembered so a waiter registered just after the commit still resolves. */
  readonly recentCommitted: number;
  /** Own admissions remembered for isPending; older ones are presumed evicted by recheck. */
  readonly pendingTtlMs: number;
  readonly pendingMax: number;
  /** Transactions per JSON-RPC batch (≤ CometBFT's rpc.max_request_batch_size). */
  readonly maxBatch: number;
  /** Bytes of base64 payload per JSON-RPC batch (well under CometBFT's rpc.max_body_bytes). */
  readonly maxBatchBytes: number;
  /** How long a broadcast transaction may wait for its CheckTx verdict. */
  readonly checkTimeoutMs: number;
}

export const defaultCometEngineOptions: CometEngineOptions = {
  batchConcurrency: 8,
  mempoolRefreshMs: 1000,
  recentCommitted: 50_000,
  pendingTtlMs: 10 * 60_000,
  pendingMax: 100_000,
  maxBatch: 500,
  maxBatchBytes: 4 * 1024 * 1024,
  checkTimeoutMs: 30_000,
};

type Waiter = (tx: CommittedTx) => void;

export class CometEngine implements TxEngine {
  readonly kind = "cometbft" as const;
  private readonly listeners = new Set<(b: CommittedBlockEvent) => void>();
  private readonly waiters = new Map<string, Set<{ done: Waiter; fail: (e: unknown) => void }>>();
  private readonly recent = new Map<string, CommittedTx>();
  /** Hash → admission time of transactions this node admitted and has not seen commit. */
  private readonly pending = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly opts: CometEngineOptions;
  private halted: ConsortiaError | undefined;
  private stopped = false;
  private mempoolCount = 0;
  private mempoolAt = Number.NEGATIVE_INFINITY;
  private mempoolFetch: Promise<void> | undefined;
  /** Hash → resolver of a submitted transaction still waiting for its CheckTx verdict. */
  private readonly checkWaiters = new Map<string, (r: SubmitResult) => void>();
  private readonly unsubscribeChecked: (() => void) | undefined;

  constructor(
    private readonly c: CometEngineComponents,
    opts: Partial<CometEngineOptions> = {},
  ) {
    this.opts = { ...defaultCometEngineOptions, ...opts };
    this.clock = c.clock ?? systemClock;
    this.timers = c.timers ?? systemTimers;
    this.unsubscribe = c.committed.onCommitted((ev) => this.committed(ev));
    this.unsubscribeChecked = c.checked?.onCheckTx((res) => {
      if (this.checkWaiters.size === 0) return;
      const hash = toHex(res.hash);
      const done = this.checkWaiters.get(hash);
      if (!done) return;
      this.checkWaiters.delete(hash);
      if (res.code === 0 && !this.recent.has(hash)) this.rememberPending(hash);
      done({ hash, code: res.code, errorCode: res.errorCode, log: res.log });
    });
  }

  get height(): bigint {
    return this.c.app.height;
  }

  onBlock(listener: (b: CommittedBlockEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Pending transactions in CometBFT's mempool, at most mempoolRefreshMs old. */
  mempoolSize(): number {
    const now = this.clock.now();
    if (
      !this.halted &&
      this.mempoolFetch === undefined &&
      now - this.mempoolAt >= this.opts.mempoolRefreshMs
    ) {
      this.mempoolAt = now;
      this.mempoolFetch = this.c.rpc
        .numUnconfirmedTxs()
        .then((r) => {
          this.mempoolCount = r.count;
        })
        .catch(() => undefined)
        .finally(() => {
          this.mempoolFetch = undefined;
        });
    }
    return this.mempoolCount;
  }

  /**
   * Whether this node admitted the transaction and has not seen it commit. Transactions other
   * nodes admitted (and gossiped here) are not known: CometBFT's mempool is only reachable
   * asynchronously, and this answer must be synchronous.
   */
  isPending(hashHex: string): boolean {
    const at = this.pending.get(hashHex.toLowerCase());
    return at !== undefined && this.clock.now() - at < this.opts.pendingTtlMs;
  }

  async submit(raw: Uint8Array): Promise<SubmitResult> {
    const hash = toHex(this.c.app.txHashOf(raw));
    if (this.halted) return refusal(hash, this.halted);
    try {
      const r = await this.c.rpc.broadcastTxSync(raw);
      if (r.code === 0) {
        if (!this.recent.has(hash)) this.rememberPending(hash);
        return { hash, code: 0, errorCode: "", log: r.log };
      }
      return { hash, code: r.code, errorCode: codeNameOf(r.code, r.codespace), log: r.log };
    } catch (err) {
      return refusal(hash, mempoolError(hash, err));
    }
  }

  /**
   * Signatures checked in parallel first; then each sender's transactions are broadcast one after
   * the other (CheckTx admits only a sender's next nonce, and concurrent HTTP requests may reach
   * CometBFT in any order), several senders at a time.
   */
  async submitBatch(raws: readonly Uint8Array[]): Promise<SubmitResult[]> {
    if (this.c.checked && !this.halted) return this.submitAsync(raws);
    if (this.c.verifyPool && raws.length > 1 && !this.halted) {
      const items: VerifyItem[] = raws.map((raw) => ({
        publicKey: senderKeyOf(raw),
        message: domainMessage(DOMAIN_TX, txSignedPart(raw)),
        signature: txSignature(raw),
      }));
      try {
        const ok = await this.c.verifyPool.verifyBatch(items);
        for (let i = 0; i < raws.length; i++)
          if (ok[i] === 1) this.c.app.markVerified(this.c.app.txHashOf(raws[i]!));
      } catch {
        // A pool failure only costs speed: CheckTx verifies whatever is not marked.
      }
    }
    const groups = new Map<string, number[]>();
    for (let i = 0; i < raws.length; i++) {
      const k = toHex(senderKeyOf(raws[i]!));
      const g = groups.get(k);
      if (g) g.push(i);
      else groups.set(k, [i]);
    }
    const queue = [...groups.values()];
    const out: SubmitResult[] = new Array(raws.length);
    const worker = async () => {
      for (let g = queue.shift(); g !== undefined; g = queue.shift()) {
        for (const i of g) out[i] = await this.submit(raws[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.batchConcurrency, queue.length) }, worker));
    return out;
  }

  /**
   * The fast path: JSON-RPC batches of broadcast_tx_async, in input order (so each sender's nonce
   * order reaches CheckTx intact), one HTTP round trip per batch instead of one per transaction;
   * verdicts come from our own ABCI server. CometBFT's ABCI client flushes CheckTx requests on a
   * 20 ms throttle, so a synchronous broadcast costs up to 20 ms of waiting per transaction of a
   * sender; here a whole batch shares one flush.
   */
  private async submitAsync(raws: readonly Uint8Array[]): Promise<SubmitResult[]> {
    const out: SubmitResult[] = new Array(raws.length);
    const hashes = raws.map((raw) => toHex(this.c.app.txHashOf(raw)));
    const verdicts: Promise<void>[] = [];
    /** Hash → the input index whose verdict the waiter delivers (a repeat in the batch is refused by CometBFT). */
    const owner = new Map<string, number>();
    for (let i = 0; i < raws.length; i++) {
      const hash = hashes[i]!;
      // A hash already awaited (same bytes twice) gets CometBFT's duplicate refusal below.
      if (this.checkWaiters.has(hash)) continue;
      owner.set(hash, i);
      verdicts.push(
        new Promise<void>((resolve) => {
          this.checkWaiters.set(hash, (r) => {
            out[i] = r;
            resolve();
          });
        }),
      );
    }
    const settle = (i: number, r: SubmitResult) => {
      const hash = hashes[i]!;
      const waiter = owner.get(hash) === i ? this.checkWaiters.get(hash) : undefined;
      if (waiter) {
        this.checkWaiters.delete(hash);
        waiter(r);
      } else out[i] = r;
    };
    let start = 0;
    while (start < raws.length) {
      let end = start;
      let bytes = 0;
      while (end < raws.length && end - start < this.opts.maxBatch) {
        const size = Math.ceil((raws[end]!.length * 4) / 3) + 96;
        if (end > start && bytes + size > this.opts.maxBatchBytes) break;
        bytes += size;
        end++;
      }
      const chunk = raws.slice(start, end);
      try {
        if (this.halted) throw this.halted;
        const errs = await this.c.rpc.broadcastTxAsyncBatch(chunk);
        for (let k = 0; k < errs.length; k++) {
          const e = errs[k];
          if (e) settle(start + k, refusal(hashes[start + k]!, mempoolError(hashes[start + k]!, e)));
        }
      } catch (err) {
        // The whole request failed (CometBFT gone, timeout): nothing after this point was queued.
        const e = this.halted ?? mempoolError("", err);
        for (let k = start; k < raws.length; k++) settle(k, refusal(hashes[k]!, e));
        break;
      }
      start = end;
    }
    let timer: ReturnType<Timers["setTimeout"]> | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = this.timers.setTimeout(resolve, this.opts.checkTimeoutMs);
    });
    await Promise.race([Promise.all(verdicts), timedOut]);
    if (timer !== undefined) this.timers.clearTimeout(timer);
    for (let i = 0; i < raws.length; i++) {
      if (out[i] !== undefined) continue;
      const hash = hashes[i]!;
      if (owner.get(hash) === i) this.checkWaiters.delete(hash);
      out[i] = refusal(
        hash,
        new ConsortiaError(
          EngineErrors.ENGINE_TIMEOUT,
          `no CheckTx verdict for ${hash} within ${this.opts.checkTimeoutMs} ms`,
        ),
      );
    }
    return out;
  }

  waitForCommit(hashHex: string, timeoutMs: number): Promise<CommittedTx> {
    const hash = hashHex.toLowerCase();
    const seen = this.recent.get(hash);
    if (seen) return Promise.resolve(seen);
    if (this.halted) return Promise.reject(this.halted);
    return new Promise((resolve, reject) => {
      const set = this.waiters.get(hash) ?? new Set();
      this.waiters.set(hash, set);
      const entry = {
        done: (tx: CommittedTx) => {
          this.timers.clearTimeout(timer);
          resolve(tx);
        },
        fail: (e: unknown) => {
          this.timers.clearTimeout(timer);
          reject(e);
        },
      };
      const timer = this.timers.setTimeout(() => {
        set.delete(entry);
        if (set.size === 0) this.waiters.delete(hash);
        reject(
          new ConsortiaError(
            EngineErrors.ENGINE_TIMEOUT,
            `transaction ${hash} not committed in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      set.add(entry);
    });
  }

  /**
   * No further admissions; pending waiters fail with `reason` (CometBFT exited) or ENGINE_STOPPED.
   * Commits the ABCI server still reports are delivered.
   */
  halt(reason?: ConsortiaError): void {
    if (this.halted) return;
    this.halted = reason ?? new ConsortiaError(EngineErrors.ENGINE_STOPPED, "engine is not running");
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of all) for (const w of set) w.fail(this.halted);
    const checks = [...this.checkWaiters];
    this.checkWaiters.clear();
    for (const [hash, done] of checks) done(refusal(hash, this.halted));
  }

  /** CometBFT runs again (the runtime restarted it): admissions resume. Never after stop(). */
  resume(): void {
    if (!this.stopped) this.halted = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halt();
    this.unsubscribe();
    this.unsubscribeChecked?.();
    await this.mempoolFetch;
  }

  private rememberPending(hash: string): void {
    this.pending.set(hash, this.clock.now());
    for (const k of this.pending.keys()) {
      if (this.pending.size <= this.opts.pendingMax) break;
      this.pending.delete(k);
    }
  }

  private committed(ev: CommittedBlockEvent): void {
    for (let i = 0; i < ev.txHashes.length; i++) {
      const hash = ev.txHashes[i]!.toLowerCase();
      this.pending.delete(hash);
      const result = ev.response.txResults[i];
      if (!result) continue;
      const tx: CommittedTx = { hash, height: ev.height, index: i, result };
      this.recent.set(hash, tx);
      const set = this.waiters.get(hash);
      if (set) {
        this.waiters.delete(hash);
        for (const w of set) w.done(tx);
      }
    }
    // Map iteration is insertion order: dropping from the front forgets the oldest commits.
    for (const k of this.recent.keys()) {
      if (this.recent.size <= this.opts.recentCommitted) break;
      this.recent.delete(k);
    }
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (err) {
        process.emitWarning(`block listener failed: ${asConsortiaError(err).message}`);
      }
    }
  }
}

/** The public key sits just before the 64-byte signature in the v1 envelope. */
function senderKeyOf(raw: Uint8Array): Uint8Array {
  return raw.length >= 96 ? raw.subarray(raw.length - 96, raw.length - 64) : new Uint8Array(0);
}

function refusal(hash: string, e: ConsortiaError): SubmitResult {
  return { hash, code: errorCodeInfo(e.code).num, errorCode: e.code, log: e.message };
}

/**
 * broadcast_tx_sync carries code, log and codespace but not CheckTx's `info`, so the stable string
 * code comes from `codespace` when the ABCI server sets it, else from the registry by number.
 */
export function codeNameOf(num: number, codespace = ""): string {
  if (codespace !== "" && errorCodeInfo(codespace).num === num) return codespace;
  for (const [code, info] of registeredErrorCodes()) if (info.num === num) return code;
  return "";
}

/** CometBFT's own mempool refusals come back as JSON-RPC errors with a fixed text. */
function mempoolError(hash: string, err: unknown): ConsortiaError {
  const e = asConsortiaError(err);
  if (e.code !== CometErrors.COMET_RPC_ERROR) return e;
  const data = String(e.details.data ?? "");
  if (data.includes("already exists in cache")) {
    return new ConsortiaError(
      EngineErrors.MEMPOOL_DUPLICATE,
      `transaction ${hash} is already pending or committed`,
    );
  }
  if (data.includes("mempool is full")) {
    return new ConsortiaError(EngineErrors.MEMPOOL_FULL, `mempool is full, retry later (${data})`);
  }
  if (data.includes("tx too large"))
    return new ConsortiaError(CometErrors.COMET_TX_TOO_LARGE, data, { hash });
  return new ConsortiaError(
    CometErrors.COMET_MEMPOOL_REJECTED,
    `CometBFT refused the transaction: ${data || e.message}`,
    {
      hash,
      reason: data,
    },
  );
}
