import { type StoredBlock, type StoredTxResult, storedBlockCodec } from "../codec/block.js";
import { decode, encode } from "../codec/schema.js";
import { decodeTx, type SignedTx, txSignature, txSignedPart } from "../codec/tx.js";
import { addressFromPublicKey, DOMAIN_TX, verifyWithDomain } from "../crypto/ed25519.js";
import { sha256, toHex } from "../crypto/hash.js";
import { asConsortiaError, ConsortiaError, errorCodeInfo } from "../errors.js";
import type {
  AbciApplication,
  CheckTxResponse,
  ExecTxResult,
  FinalizeBlockRequest,
  FinalizeBlockResponse,
  InfoResponse,
  InitChainRequest,
  InitChainResponse,
  ProcessProposalRequest,
  ProposalRequest,
  QueryRequest,
  QueryResponse,
} from "./abci.js";
import { computeAppHash } from "./appHash.js";
import { AppErrors } from "./errors.js";
import { parseGenesisAppState } from "./genesis.js";
import { readNonce, writeNonce } from "./nonce.js";
import type { AppParams } from "./params.js";
import { decodeParams, encodeParams, PARAMS_KEY } from "./paramsStore.js";
import { StateOverlay } from "./state.js";
import type { CommittedState } from "./store.js";
import { createTxCache, type DecodedTx, type TxCache } from "./txCache.js";
import type {
  AnteCheck,
  AnyMessageHandler,
  AppEvent,
  BlockInfo,
  FeeCharger,
  Module,
  TxContext,
  ValidatorUpdate,
} from "./types.js";

export const APP_VERSION = 1n;

export interface ApplicationComponents {
  readonly store: CommittedState;
  readonly modules: readonly Module[];
  readonly fees: FeeCharger;
  readonly ante: readonly AnteCheck[];
  /** Shared by validators hosted in one process (src/app/txCache.ts); a private one otherwise. */
  readonly txCache?: TxCache;
}

export interface ApplicationInit {
  readonly chainId: string;
  /** Bound on remembered verified-signature hashes (CheckTx → FinalizeBlock skips re-verifying). */
  readonly sigCacheSize?: number;
}

interface PendingBlock {
  readonly overlay: StateOverlay;
  readonly block: StoredBlock;
  readonly appHash: Uint8Array;
  readonly txHashes: readonly Uint8Array[];
}

/** What decoding + stateless checks produce; shared by CheckTx, ProcessProposal, FinalizeBlock. */
interface CheckedTx {
  readonly tx: SignedTx;
  readonly handler: AnyMessageHandler;
  readonly msg: unknown;
  readonly sender: Uint8Array;
  readonly hash: Uint8Array;
  readonly hashHex: string;
}

/**
 * The deterministic state machine behind every engine. It never reads a clock or the network;
 * time and ordering come from the engine through the ABCI calls, storage through `store`.
 */
export class Application implements AbciApplication {
  private readonly router = new Map<string, AnyMessageHandler>();
  private readonly txCache: TxCache;
  /**
   * Decode + stateless-check results and hashes, keyed by the bytes object itself. In-process
   * engines pass the same Uint8Array through CheckTx, PrepareProposal, ProcessProposal and
   * FinalizeBlock, so each transaction is decoded and hashed once; a socket engine hands new
   * objects and simply misses. Entries vanish with the bytes (WeakMap), so this is unbounded by
   * construction but never outlives the mempool.
   */
  private readonly checked = new WeakMap<Uint8Array, CheckedTx>();
  private readonly hashes = new WeakMap<Uint8Array, Uint8Array>();
  private params: AppParams | undefined;
  private lastHeight = 0n;
  private lastAppHash: Uint8Array = new Uint8Array(32);
  /** Time of the last committed block: CheckTx's notion of "now" (it has no block of its own). */
  private lastTimeMs = 0n;
  /** Genesis writes wait here until the first block commits them with it. */
  private genesisOverlay: StateOverlay | undefined;
  private checkState: StateOverlay;
  private pending: PendingBlock | undefined;

  constructor(
    private readonly components: ApplicationComponents,
    private readonly init: ApplicationInit,
  ) {
    for (const m of components.modules) {
      for (const h of m.messages) {
        if (this.router.has(h.type)) {
          throw new ConsortiaError(AppErrors.GENESIS_INVALID, `message type ${h.type} registered twice`);
        }
        this.router.set(h.type, h);
      }
    }
    this.txCache =
      components.txCache ??
      createTxCache(init.sigCacheSize !== undefined ? { verified: init.sigCacheSize } : {});
    this.checkState = this.loadCommitted();
  }

  /**
   * Forgets everything that is not durable: a block finalized but not committed, genesis writes
   * waiting for block 1, and a check state built from a mempool that no longer exists. For a
   * CometBFT that restarted while this process kept running: its handshake asks Info and replays
   * from our last Commit, so the application must then be exactly what a fresh instance on the
   * same store would be.
   */
  resetUncommitted(): void {
    this.pending = undefined;
    this.genesisOverlay = undefined;
    this.checkState = this.loadCommitted();
  }

  /** Height, app hash, time and params as the store last committed them; a fresh check state. */
  private loadCommitted(): StateOverlay {
    const store = this.components.store;
    const last = store.lastCommitted();
    this.lastHeight = last?.height ?? 0n;
    this.lastAppHash = last?.appHash ?? new Uint8Array(32);
    this.lastTimeMs = last?.timeMs ?? 0n;
    const p = last ? store.get(PARAMS_KEY) : undefined;
    this.params = p ? decodeParams(p) : undefined;
    return new StateOverlay(store);
  }

  get chainId(): string {
    return this.init.chainId;
  }

  get height(): bigint {
    return this.lastHeight;
  }

  get appHash(): Uint8Array {
    return this.lastAppHash;
  }

  /** Params in force; throws before InitChain. */
  get appParams(): AppParams {
    if (!this.params) throw new ConsortiaError(AppErrors.APP_NOT_INITIALIZED, "chain not initialised");
    return this.params;
  }

  messageTypes(): string[] {
    return [...this.router.keys()].sort();
  }

  info(): InfoResponse {
    return {
      lastBlockHeight: this.lastHeight,
      lastBlockAppHash: this.lastAppHash,
      appVersion: APP_VERSION,
      version: "consortia/0.1.0",
    };
  }

  initChain(req: InitChainRequest): InitChainResponse {
    if (req.chainId !== this.init.chainId) {
      throw new ConsortiaError(
        AppErrors.GENESIS_INVALID,
        `genesis chain id ${req.chainId} != ${this.init.chainId}`,
      );
    }
    const genesis = parseGenesisAppState(req.appStateBytes, this.components.modules);
    const overlay = new StateOverlay(this.components.store);
    overlay.set(PARAMS_KEY, encodeParams(genesis.app));
    const block: BlockInfo = {
      chainId: req.chainId,
      height: req.initialHeight - 1n,
      timeMs: req.timeMs,
      proposer: new Uint8Array(20),
    };
    for (const m of this.components.modules) m.initGenesis(overlay, genesis.modules.get(m.name), block);
    this.params = genesis.app;
    this.genesisOverlay = overlay;
    this.lastTimeMs = req.timeMs;
    this.checkState = new StateOverlay(overlay);
    this.lastAppHash = computeAppHash(new Uint8Array(32), req.initialHeight - 1n, overlay.pending());
    return { appHash: this.lastAppHash, validators: req.validators };
  }

  /**
   * Mempool admission: stateless checks, then execution against the check state so a sender's
   * queued transactions see each other's nonce and balance effects.
   */
  checkTx(raw: Uint8Array, kind: "new" | "recheck", nowMs?: bigint): CheckTxResponse {
    const hash = this.txHashOf(raw);
    try {
      const c = this.statelessCheck(raw);
      const block = this.checkBlockInfo(nowMs);
      const cp = this.checkState.checkpoint();
      const res = this.executeChecked(this.checkState, block, c, false);
      if (res.code !== 0) {
        // A message that fails at execution would only burn a fee: refuse it at the door, and
        // leave no trace (nonce, fee) in the check state, so the sender's next tx is unaffected.
        this.checkState.revert(cp);
        return { code: res.code, errorCode: res.errorCode, log: res.log, gasWanted: res.gasWanted, hash };
      }
      this.checkState.accept(cp);
      return {
        code: 0,
        errorCode: "",
        log: kind,
        gasWanted: res.gasWanted,
        sender: toHex(c.sender),
        nonce: c.tx.nonce,
        hash,
      };
    } catch (err) {
      const e = asConsortiaError(err);
      return { code: errorCodeInfo(e.code).num, errorCode: e.code, log: e.message, gasWanted: 0n, hash };
    }
  }

  /** sha256 of the transaction bytes, memoised per bytes object. */
  txHashOf(raw: Uint8Array): Uint8Array {
    let h = this.hashes.get(raw);
    if (h === undefined) {
      h = sha256(raw);
      this.hashes.set(raw, h);
    }
    return h;
  }

  /**
   * The next nonce of `address` counting the transactions this node has admitted but not yet
   * committed (its mempool view). Clients that share a key with a busy signer (a hospital's CLI
   * beside its record service) sign with this instead of the committed nonce.
   */
  pendingNonce(address: Uint8Array): bigint {
    return readNonce(this.checkState, address);
  }

  /** Whether these bytes' signature is known to verify (checked here or by a sharing instance). */
  isVerified(hash: Uint8Array): boolean {
    return this.txCache.isVerified(toHex(hash));
  }

  /** Marks a hash as signature-verified (the engine verified it in parallel, e.g. a worker pool). */
  markVerified(hash: Uint8Array): void {
    this.txCache.markVerified(toHex(hash));
  }

  prepareProposal(req: ProposalRequest): readonly Uint8Array[] {
    const params = this.appParams;
    const maxBytes = Math.min(req.maxTxBytes, params.maxBlockBytes);
    const out: Uint8Array[] = [];
    let bytes = 0;
    // Simulate on a scratch overlay so only transactions that would pass their nonce and ante
    // checks in this order are proposed (ProcessProposal on other validators checks the same).
    const scratch = new StateOverlay(this.genesisOverlay ?? this.components.store);
    const block: BlockInfo = {
      chainId: this.init.chainId,
      height: req.height,
      timeMs: req.timeMs,
      proposer: req.proposerAddress,
    };
    for (const raw of req.txs) {
      if (out.length >= params.maxBlockTxs) break;
      if (bytes + raw.length > maxBytes) continue;
      try {
        const c = this.statelessCheck(raw);
        this.anteAndNonce(scratch, block, c, true);
      } catch {
        continue;
      }
      out.push(raw);
      bytes += raw.length;
    }
    return out;
  }

  processProposal(req: ProcessProposalRequest): "accept" | "reject" {
    const params = this.appParams;
    if (req.txs.length > params.maxBlockTxs) return "reject";
    let bytes = 0;
    const scratch = new StateOverlay(this.genesisOverlay ?? this.components.store);
    const block: BlockInfo = {
      chainId: this.init.chainId,
      height: req.height,
      timeMs: req.timeMs,
      proposer: req.proposerAddress,
    };
    for (const raw of req.txs) {
      bytes += raw.length;
      if (bytes > params.maxBlockBytes) return "reject";
      try {
        const c = this.statelessCheck(raw);
        this.anteAndNonce(scratch, block, c, true);
      } catch {
        return "reject";
      }
    }
    return "accept";
  }

  finalizeBlock(req: FinalizeBlockRequest): FinalizeBlockResponse {
    if (this.pending) {
      throw new ConsortiaError(AppErrors.BLOCK_INVALID, `block ${req.height} finalized before commit`);
    }
    if (req.height !== this.lastHeight + 1n && !(this.genesisOverlay && this.lastHeight === 0n)) {
      throw new ConsortiaError(
        AppErrors.BLOCK_INVALID,
        `expected height ${this.lastHeight + 1n}, got ${req.height}`,
      );
    }
    const overlay = this.genesisOverlay ?? new StateOverlay(this.components.store);
    const block: BlockInfo = {
      chainId: this.init.chainId,
      height: req.height,
      timeMs: req.timeMs,
      proposer: req.proposerAddress,
    };
    const blockEvents: AppEvent[] = [];
    const emitBlock = (type: string, attrs: Readonly<Record<string, string>>) =>
      blockEvents.push(toEvent(type, attrs));
    const misbehavior = req.misbehavior;
    const txCount = req.txs.length;
    for (const m of this.components.modules)
      m.beginBlock?.({ state: overlay, block, misbehavior, txCount, emit: emitBlock });

    const results: ExecTxResult[] = new Array(req.txs.length);
    const txHashes: Uint8Array[] = new Array(req.txs.length);
    for (let i = 0; i < req.txs.length; i++) {
      const raw = req.txs[i]!;
      txHashes[i] = this.txHashOf(raw);
      try {
        const c = this.statelessCheck(raw);
        results[i] = this.executeChecked(overlay, block, c, true);
      } catch (err) {
        results[i] = failure(err, 0n);
      }
    }

    const updates: ValidatorUpdate[] = [];
    for (const m of this.components.modules) {
      const u = m.endBlock?.({ state: overlay, block, misbehavior, txCount, emit: emitBlock });
      if (u) updates.push(...u);
    }

    const appHash = computeAppHash(this.lastAppHash, req.height, overlay.pending());
    const stored: StoredBlock = {
      height: req.height,
      hash: req.hash,
      timeMs: req.timeMs,
      proposer: req.proposerAddress,
      appHash,
      txs: req.txs as Uint8Array[],
      results: results as StoredTxResult[],
      header: req.header ?? new Uint8Array(0),
    };
    this.pending = { overlay, block: stored, appHash, txHashes };
    return { events: blockEvents, txResults: results, validatorUpdates: updates, appHash };
  }

  /** Writes the finalized block and its state atomically and durably, then resets the check state. */
  async commit(): Promise<{ retainHeight: bigint }> {
    const p = this.pending;
    if (!p) throw new ConsortiaError(AppErrors.BLOCK_INVALID, "commit without a finalized block");
    await this.components.store.commit({
      height: p.block.height,
      appHash: p.appHash,
      writes: p.overlay.pending(),
      block: p.block,
      txHashes: p.txHashes,
    });
    this.pending = undefined;
    this.genesisOverlay = undefined;
    this.lastHeight = p.block.height;
    this.lastAppHash = p.appHash;
    this.lastTimeMs = p.block.timeMs;
    this.checkState = new StateOverlay(this.components.store);
    return { retainHeight: 0n };
  }

  query(req: QueryRequest): QueryResponse {
    const height = this.lastHeight;
    try {
      const [name, ...rest] = req.path.split("/").filter((s) => s.length > 0);
      if (name === "app" && rest[0] === "params") return ok(this.appParams, height);
      const m = this.components.modules.find((x) => x.name === name);
      if (!m?.query) throw new ConsortiaError(AppErrors.QUERY_UNKNOWN_PATH, `no query path ${req.path}`);
      const state = this.genesisOverlay ?? this.components.store;
      return ok(m.query(rest, req.params ?? {}, { state, height, timeMs: this.lastTimeMs }), height);
    } catch (err) {
      const e = asConsortiaError(err);
      return { code: errorCodeInfo(e.code).num, errorCode: e.code, log: e.message, value: null, height };
    }
  }

  /** Encodes a stored block (for engines that keep their own copy). */
  static encodeBlock(b: StoredBlock): Uint8Array {
    return encode(storedBlockCodec, b, 1024);
  }

  // ---- internals -------------------------------------------------------------------------------

  private checkBlockInfo(nowMs: bigint | undefined): BlockInfo {
    // CheckTx has no block. The next block's time is at least the last one's; on an idle chain the
    // engine's clock is closer to it, so a just-issued certificate is not refused as "not yet valid".
    const timeMs = nowMs !== undefined && nowMs > this.lastTimeMs ? nowMs : this.lastTimeMs;
    return { chainId: this.init.chainId, height: this.lastHeight + 1n, timeMs, proposer: ZERO20 };
  }

  private statelessCheck(raw: Uint8Array): CheckedTx {
    const memo = this.checked.get(raw);
    if (memo !== undefined) return memo;
    const hash = this.txHashOf(raw);
    const params = this.appParams;
    if (raw.length > params.maxTxBytes) {
      throw new ConsortiaError(
        AppErrors.TX_TOO_LARGE,
        `transaction of ${raw.length} bytes exceeds ${params.maxTxBytes}`,
      );
    }
    const hashHex = toHex(hash);
    const cached = this.txCache.getDecoded(hashHex);
    const d = cached ?? this.decodeAndVerify(raw, hashHex, params.maxTxBytes);
    const handler = this.admitEnvelope(d.tx, raw.length);
    const c: CheckedTx = { tx: d.tx, handler, msg: d.msg, sender: d.sender, hash, hashHex };
    this.checked.set(raw, c);
    return c;
  }

  /** Chain, message type and minimum fee: the envelope checks that depend on this chain's params. */
  private admitEnvelope(tx: SignedTx, rawLength: number): AnyMessageHandler {
    const params = this.appParams;
    if (tx.chainId !== this.init.chainId) {
      throw new ConsortiaError(AppErrors.TX_WRONG_CHAIN, `transaction is for chain ${tx.chainId}`, {
        expected: this.init.chainId,
        got: tx.chainId,
      });
    }
    const handler = this.router.get(tx.type);
    if (!handler) throw new ConsortiaError(AppErrors.TX_UNKNOWN_TYPE, `unknown transaction type ${tx.type}`);
    const minFee = handler.feeExempt ? 0n : params.minFeeBase + params.minFeePerByte * BigInt(rawLength);
    if (tx.fee < minFee) {
      throw new ConsortiaError(AppErrors.TX_FEE_TOO_LOW, `fee ${tx.fee} below minimum ${minFee}`, {
        fee: tx.fee.toString(),
        min: minFee.toString(),
      });
    }
    return handler;
  }

  /**
   * The bytes-only part of the stateless check: decode, message validation, signature. Cached by
   * hash for every application sharing the TxCache; the order of checks (decode, chain, type, fee,
   * message, signature) and so the error reported for a bad transaction is the same with or
   * without a cache hit, because only transactions that passed all of them are cached.
   */
  private decodeAndVerify(raw: Uint8Array, hashHex: string, maxTxBytes: number): DecodedTx {
    let tx: SignedTx;
    try {
      tx = decodeTx(raw, maxTxBytes);
    } catch (err) {
      // One stable code for "these bytes are not a transaction"; the codec's reason stays in details.
      const e = asConsortiaError(err);
      throw new ConsortiaError(AppErrors.TX_MALFORMED, `malformed transaction: ${e.message}`, {
        reason: e.code,
        ...e.details,
      });
    }
    const handler = this.admitEnvelope(tx, raw.length);
    let msg: unknown;
    try {
      msg = decodeMessage(handler, tx.payload);
      handler.validate(msg);
    } catch (err) {
      const e = asConsortiaError(err);
      throw new ConsortiaError(
        e.code.startsWith("CODEC_") ? AppErrors.TX_INVALID_MESSAGE : e.code,
        e.message,
        e.details,
      );
    }
    if (!this.txCache.isVerified(hashHex)) {
      if (!verifyWithDomain(tx.publicKey, DOMAIN_TX, txSignedPart(raw), txSignature(raw))) {
        throw new ConsortiaError(AppErrors.TX_BAD_SIGNATURE, "signature does not verify");
      }
      this.txCache.markVerified(hashHex);
    }
    const d: DecodedTx = { tx, msg, sender: addressFromPublicKey(tx.publicKey) };
    this.txCache.putDecoded(hashHex, d);
    return d;
  }

  /** Ante checks, nonce and fee; on success the nonce is incremented (and, if charging, the fee paid). */
  private anteAndNonce(state: StateOverlay, block: BlockInfo, c: CheckedTx, charge: boolean): void {
    for (const a of this.components.ante) a.check(state, block, c.sender, c.handler);
    const expected = readNonce(state, c.sender);
    if (c.tx.nonce !== expected) {
      throw new ConsortiaError(AppErrors.TX_BAD_NONCE, `nonce ${c.tx.nonce} != expected ${expected}`, {
        expected: expected.toString(),
        got: c.tx.nonce.toString(),
      });
    }
    if (charge && c.tx.fee > 0n) this.components.fees.chargeFee(state, c.sender, c.tx.fee);
    writeNonce(state, c.sender, expected + 1n);
  }

  /**
   * Executes one checked transaction. Ante/nonce/fee failures leave no trace (a replayed or
   * unfunded transaction must not burn anything). After that the fee is paid and the nonce used
   * even if the message then fails; the message's own writes are reverted.
   */
  private executeChecked(
    state: StateOverlay,
    block: BlockInfo,
    c: CheckedTx,
    withEvents: boolean,
  ): ExecTxResult {
    const outer = state.checkpoint();
    try {
      this.anteAndNonce(state, block, c, true);
    } catch (err) {
      state.revert(outer);
      return failure(err, 0n);
    }
    state.accept(outer);
    const maxWork = this.appParams.maxWorkPerTx;
    let used = c.handler.baseWork;
    const events: AppEvent[] = [];
    const senderHex = toHex(c.sender);
    // CheckTx discards events: build them only for blocks (they are a large share of allocations).
    const feeEvent = withEvents
      ? toEvent("tx", { sender: senderHex, fee: c.tx.fee.toString(), type: c.tx.type })
      : NO_EVENT;
    const cp = state.checkpoint();
    try {
      if (used > maxWork) throw workExceeded(used, maxWork);
      const ctx: TxContext = {
        state,
        block,
        sender: c.sender,
        senderHex,
        publicKey: c.tx.publicKey,
        txHash: c.hash,
        fee: c.tx.fee,
        emit: withEvents ? (type, attrs) => events.push(toEvent(type, attrs)) : noop,
        work: (units) => {
          used += units;
          if (used > maxWork) throw workExceeded(used, maxWork);
        },
      };
      c.handler.execute(ctx, c.msg);
      state.accept(cp);
      events.unshift(feeEvent);
      return {
        code: 0,
        errorCode: "",
        log: "",
        data: EMPTY,
        gasWanted: BigInt(maxWork),
        gasUsed: BigInt(used),
        events,
      };
    } catch (err) {
      state.revert(cp);
      const f = failure(err, BigInt(used));
      return { ...f, gasWanted: BigInt(maxWork), events: [feeEvent] };
    }
  }
}

const EMPTY = new Uint8Array(0);
const NO_EVENT: AppEvent = { type: "tx", attributes: [] };
const noop = (): void => undefined;
const ZERO20 = new Uint8Array(20);

function decodeMessage(handler: AnyMessageHandler, payload: Uint8Array): unknown {
  return decode(handler.codec, payload);
}

function workExceeded(used: number, max: number): ConsortiaError {
  return new ConsortiaError(AppErrors.TX_WORK_EXCEEDED, `work ${used} exceeds limit ${max}`, { used, max });
}

function toEvent(type: string, attrs: Readonly<Record<string, string>>): AppEvent {
  return { type, attributes: Object.entries(attrs).map(([key, value]) => ({ key, value })) };
}

function failure(err: unknown, used: bigint): ExecTxResult {
  const e = asConsortiaError(err);
  return {
    code: errorCodeInfo(e.code).num,
    errorCode: e.code,
    log: e.message,
    data: EMPTY,
    gasWanted: 0n,
    gasUsed: used,
    events: [],
  };
}

function ok(value: unknown, height: bigint): QueryResponse {
  return { code: 0, errorCode: "", log: "", value, height };
}
