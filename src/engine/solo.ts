import type { ExecTxResult, FinalizeBlockResponse } from "../app/abci.js";
import type { Application } from "../app/application.js";
import type { StoredBlock } from "../codec/block.js";
import { txSignature, txSignedPart } from "../codec/tx.js";
import { addressFromPublicKey, DOMAIN_TX, domainMessage } from "../crypto/ed25519.js";
import { sha256, toHex } from "../crypto/hash.js";
import type { VerifyItem, VerifyPool } from "../crypto/verifyPool.js";
import { asConsortiaError, ConsortiaError, errorCodeInfo } from "../errors.js";
import {
  BLOCK_PROTOCOL,
  type BlockHeader,
  type BlockId,
  decodeHeader,
  encodeHeader,
  headerHash,
  resultsHash,
  validatorSetHash,
} from "../ledger/header.js";
import { merkleRoot } from "../ledger/merkle.js";
import type { ChainStore } from "../storage/chainStore.js";
import type { Clock, Timers } from "../util/clock.js";
import { EngineErrors } from "./errors.js";
import type { Genesis } from "./genesis.js";
import { defaultMempoolOptions, Mempool, type MempoolOptions } from "./mempool.js";
import type { TxEngine } from "./types.js";

/**
 * The solo engine: one validator, no network, same ABCI calls as CometBFT makes. It keeps the
 * mempool, decides block time from the injected clock, builds CometBFT-shaped headers and drives
 * the application through prepare → process → finalize → commit.
 */
export interface SoloEngineComponents {
  readonly app: Application;
  readonly store: ChainStore;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly genesis: Genesis;
  /** Consensus key of the single validator. */
  readonly validatorPublicKey: Uint8Array;
  /** Parallel signature checks for batch submissions; optional. */
  readonly verifyPool?: VerifyPool;
}

export interface SoloEngineOptions {
  readonly blockIntervalMs: number;
  readonly maxBlockTxs: number;
  readonly maxBlockBytes: number;
  readonly createEmptyBlocks: boolean;
  readonly mempool: MempoolOptions;
}

export const defaultSoloEngineOptions: SoloEngineOptions = {
  blockIntervalMs: 200,
  maxBlockTxs: 20_000,
  maxBlockBytes: 16 * 1024 * 1024,
  createEmptyBlocks: false,
  mempool: defaultMempoolOptions,
};

export interface SubmitResult {
  readonly hash: string;
  readonly code: number;
  readonly errorCode: string;
  readonly log: string;
}

export interface CommittedTx {
  readonly hash: string;
  readonly height: bigint;
  readonly index: number;
  readonly result: ExecTxResult;
}

export interface CommittedBlockEvent {
  readonly height: bigint;
  readonly hash: Uint8Array;
  readonly timeMs: bigint;
  readonly appHash: Uint8Array;
  readonly txHashes: readonly string[];
  readonly response: FinalizeBlockResponse;
}

type BlockListener = (b: CommittedBlockEvent) => void;

interface Waiter {
  readonly done: (tx: CommittedTx) => void;
  readonly fail: (err: ConsortiaError) => void;
}

export class SoloEngine implements TxEngine {
  readonly kind = "solo" as const;
  readonly mempool: Mempool;
  private lastBlockId: BlockId = {
    hash: new Uint8Array(0),
    partSetHeader: { total: 0, hash: new Uint8Array(0) },
  };
  private lastResults: readonly ExecTxResult[] = [];
  private lastTimeMs = 0n;
  private timer: unknown;
  private running = false;
  /** Serialises block production; submissions wait for it so CheckTx never races a commit. */
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<BlockListener>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly proposer: Uint8Array;
  private readonly validatorsHash: Uint8Array;
  private readonly consensusHash: Uint8Array;

  constructor(
    private readonly c: SoloEngineComponents,
    private readonly opts: SoloEngineOptions = defaultSoloEngineOptions,
  ) {
    this.mempool = new Mempool(opts.mempool);
    this.proposer = addressFromPublicKey(c.validatorPublicKey);
    this.validatorsHash = validatorSetHash([{ pubKey: c.validatorPublicKey, power: 10n }]);
    this.consensusHash = sha256(Buffer.from("consortia/solo-consensus-params/v1"));
  }

  get height(): bigint {
    return this.c.app.height;
  }

  mempoolSize(): number {
    return this.mempool.size;
  }

  isPending(hashHex: string): boolean {
    return this.mempool.has(hashHex);
  }

  /** Runs InitChain on a fresh database or restores the last header; then starts the block timer. */
  async start(): Promise<void> {
    const info = this.c.app.info();
    if (info.lastBlockHeight === 0n) {
      const g = this.c.genesis;
      this.c.app.initChain({
        chainId: g.chainId,
        timeMs: g.genesisTimeMs,
        initialHeight: g.initialHeight,
        appStateBytes: g.appStateBytes,
        validators: g.validators.map((v) => ({ pubKey: v.pubKey, power: v.power })),
      });
      this.lastTimeMs = g.genesisTimeMs;
    } else {
      const last = await this.c.store.getBlock(info.lastBlockHeight);
      if (!last)
        throw new ConsortiaError(EngineErrors.ENGINE_STOPPED, `block ${info.lastBlockHeight} missing`);
      this.restoreFrom(last);
    }
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.c.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight.catch(() => undefined);
    // Nobody will commit these now: fail the waiters instead of leaving their timers running.
    const stopped = new ConsortiaError(
      EngineErrors.ENGINE_STOPPED,
      "engine stopped before the transaction committed",
    );
    for (const list of this.waiters.values()) for (const w of list) w.fail(stopped);
    this.waiters.clear();
  }

  onBlock(listener: BlockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** CheckTx then the mempool; the result says whether the transaction was admitted. */
  async submit(raw: Uint8Array): Promise<SubmitResult> {
    await this.inFlight.catch(() => undefined);
    return this.admit(raw);
  }

  /** Batch submission: signatures verified in parallel on the pool, then CheckTx in order. */
  async submitBatch(raws: readonly Uint8Array[]): Promise<SubmitResult[]> {
    if (this.c.verifyPool && raws.length > 1) {
      const items: VerifyItem[] = raws.map((raw) => ({
        publicKey: publicKeyOf(raw),
        message: domainMessage(DOMAIN_TX, txSignedPart(raw)),
        signature: txSignature(raw),
      }));
      const ok = await this.c.verifyPool.verifyBatch(items);
      for (let i = 0; i < raws.length; i++)
        if (ok[i] === 1) this.c.app.markVerified(this.c.app.txHashOf(raws[i]!));
    }
    await this.inFlight.catch(() => undefined);
    return raws.map((r) => this.admit(r));
  }

  /** Resolves when the transaction commits (with its result), or rejects after `timeoutMs`. */
  waitForCommit(hashHex: string, timeoutMs: number): Promise<CommittedTx> {
    return new Promise((resolve, reject) => {
      if (!this.running) {
        reject(new ConsortiaError(EngineErrors.ENGINE_STOPPED, "engine is not running"));
        return;
      }
      const list = this.waiters.get(hashHex) ?? [];
      const timer = this.c.timers.setTimeout(() => {
        const l = this.waiters.get(hashHex);
        if (l)
          this.waiters.set(
            hashHex,
            l.filter((w) => w !== waiter),
          );
        reject(
          new ConsortiaError(
            EngineErrors.ENGINE_TIMEOUT,
            `transaction ${hashHex} not committed in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        done: (tx) => {
          this.c.timers.clearTimeout(timer);
          resolve(tx);
        },
        fail: (err) => {
          this.c.timers.clearTimeout(timer);
          reject(err);
        },
      };
      list.push(waiter);
      this.waiters.set(hashHex, list);
    });
  }

  /** Produces one block now (tests and benchmarks step the engine with this). */
  produceBlock(): Promise<CommittedBlockEvent | undefined> {
    const p = this.inFlight.then(() => this.buildBlock());
    this.inFlight = p.catch(() => undefined);
    return p;
  }

  private admit(raw: Uint8Array): SubmitResult {
    const hash = this.c.app.txHashOf(raw);
    const hashHex = toHex(hash);
    try {
      if (!this.running) throw new ConsortiaError(EngineErrors.ENGINE_STOPPED, "engine is not running");
      this.mempool.assertRoom(hashHex, raw.length);
    } catch (err) {
      const e = asConsortiaError(err);
      return { hash: hashHex, code: errorCodeInfo(e.code).num, errorCode: e.code, log: e.message };
    }
    const res = this.c.app.checkTx(raw, "new", BigInt(this.c.clock.now()));
    if (res.code === 0) this.mempool.add(raw, hashHex);
    return { hash: hashHex, code: res.code, errorCode: res.errorCode, log: res.log };
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.c.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.mempool.size > 0 || this.opts.createEmptyBlocks) {
        void this.produceBlock()
          .catch((err: unknown) => this.fail(err))
          .finally(() => this.schedule());
      } else this.schedule();
    }, this.opts.blockIntervalMs);
  }

  private fail(err: unknown): void {
    // A failed commit leaves memory and disk possibly out of step: stop producing rather than
    // build on an uncertain state; a restart replays from the last durable block.
    this.running = false;
    process.emitWarning(`solo engine stopped: ${asConsortiaError(err).message}`);
  }

  private async buildBlock(): Promise<CommittedBlockEvent | undefined> {
    const app = this.c.app;
    const height = app.height + 1n;
    // Block time: the clock, but strictly increasing (CometBFT's BFT time is monotonic too).
    const now = BigInt(this.c.clock.now());
    const timeMs = now > this.lastTimeMs ? now : this.lastTimeMs + 1n;
    const candidates = this.mempool.reap(this.opts.maxBlockTxs, this.opts.maxBlockBytes);
    const txs = app.prepareProposal({
      txs: candidates,
      maxTxBytes: this.opts.maxBlockBytes,
      height,
      timeMs,
      proposerAddress: this.proposer,
    });
    const hashes = txs.map((t) => app.txHashOf(t));
    const header: BlockHeader = {
      version: { block: BLOCK_PROTOCOL, app: 1n },
      chainId: app.chainId,
      height,
      time: { seconds: timeMs / 1000n, nanos: Number(timeMs % 1000n) * 1_000_000 },
      lastBlockId: this.lastBlockId,
      lastCommitHash: merkleRoot([]),
      // CometBFT's Data.Hash: Merkle root over the tx hashes.
      dataHash: merkleRoot(hashes),
      validatorsHash: this.validatorsHash,
      nextValidatorsHash: this.validatorsHash,
      consensusHash: this.consensusHash,
      appHash: app.appHash,
      lastResultsHash: resultsHash(this.lastResults),
      evidenceHash: merkleRoot([]),
      proposerAddress: this.proposer,
    };
    const hash = headerHash(header);
    const headerBytes = encodeHeader(header);
    // No ProcessProposal on our own proposal: PrepareProposal already simulated exactly these
    // transactions in this order, and there is no other validator to convince.
    const response = app.finalizeBlock({
      txs,
      height,
      timeMs,
      hash,
      proposerAddress: this.proposer,
      misbehavior: [],
      header: headerBytes,
    });
    await app.commit();
    this.lastBlockId = { hash, partSetHeader: { total: 1, hash: sha256(headerBytes) } };
    this.lastResults = response.txResults;
    this.lastTimeMs = timeMs;

    const txHashes = hashes.map(toHex);
    // Drop what committed, and what a proposal skipped for good (recheck fails), from the mempool.
    this.mempool.update(txHashes, (raw) => app.checkTx(raw, "recheck", timeMs).code === 0);
    const ev: CommittedBlockEvent = { height, hash, timeMs, appHash: response.appHash, txHashes, response };
    for (let i = 0; i < txHashes.length; i++) {
      const h = txHashes[i]!;
      const ws = this.waiters.get(h);
      if (!ws) continue;
      this.waiters.delete(h);
      const tx: CommittedTx = { hash: h, height, index: i, result: response.txResults[i]! };
      for (const w of ws) w.done(tx);
    }
    for (const l of this.listeners) l(ev);
    return ev;
  }

  private restoreFrom(last: StoredBlock): void {
    const headerBytes = last.header;
    this.lastBlockId = {
      hash: last.hash,
      partSetHeader: {
        total: headerBytes.length > 0 ? 1 : 0,
        hash: headerBytes.length > 0 ? sha256(headerBytes) : new Uint8Array(0),
      },
    };
    if (headerBytes.length > 0) decodeHeader(headerBytes);
    this.lastResults = last.results;
    this.lastTimeMs = last.timeMs;
  }
}

/** The public key sits just before the 64-byte signature in the v1 envelope. */
function publicKeyOf(raw: Uint8Array): Uint8Array {
  return raw.length >= 96 ? raw.subarray(raw.length - 96, raw.length - 64) : new Uint8Array(0);
}

export function createSoloEngine(c: SoloEngineComponents, init: Partial<SoloEngineOptions> = {}): SoloEngine {
  return new SoloEngine(c, { ...defaultSoloEngineOptions, ...init });
}
