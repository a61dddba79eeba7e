import {
  CheckTxType,
  type Request,
  type RequestCheckTx,
  type RequestQuery,
  type Response,
  ResponseApplySnapshotChunk_Result,
  type ResponseFinalizeBlock,
  ResponseOfferSnapshot_Result,
  ResponseProcessProposal_ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus,
} from "cosmjs-types/tendermint/abci/types";
import type {
  CheckTxResponse,
  FinalizeBlockRequest,
  FinalizeBlockResponse,
  QueryResponse,
} from "../app/abci.js";
import type { Application } from "../app/application.js";
import { txSignature, txSignedPart } from "../codec/tx.js";
import { DOMAIN_TX, domainMessage } from "../crypto/ed25519.js";
import { toHex } from "../crypto/hash.js";
import type { VerifyItem, VerifyPool } from "../crypto/verifyPool.js";
import type { CommittedBlockEvent } from "../engine/types.js";
import { asConsortiaError, ConsortiaError, errorCodeInfo } from "../errors.js";
import {
  fromFinalizeBlock,
  fromInitChain,
  fromPrepareProposal,
  fromProcessProposal,
  parseQueryParams,
  toCheckTxResponse,
  toFinalizeBlockResponse,
  toInfoResponse,
  toInitChainResponse,
  toQueryResponse,
} from "./convert.js";
import { AbciErrors } from "./errors.js";
import type { AbciLogger } from "./log.js";
import type { SerialQueue } from "./queue.js";

/** What FinalizeBlock decided, before Commit makes it durable. */
export interface FinalizedBlockEvent {
  readonly height: bigint;
  readonly hash: Uint8Array;
  readonly timeMs: bigint;
  readonly txs: readonly Uint8Array[];
  readonly response: FinalizeBlockResponse;
}

export interface HandlerComponents {
  readonly app: Application;
  readonly verifyPool?: VerifyPool;
  readonly queue: SerialQueue;
  readonly log: AbciLogger;
}

const EMPTY = new Uint8Array(0);
const INFO_DATA = "consortia";

/**
 * Turns decoded requests into responses. Every application call goes through the one queue;
 * requests that need no application state (Echo, Flush, snapshots, vote extensions) are answered
 * directly, and their responses still leave in request order because the connection writes a
 * batch only when all of it is ready.
 */
export class AbciHandler {
  private readonly finalizedListeners = new Set<(ev: FinalizedBlockEvent) => void>();
  private readonly committedListeners = new Set<(ev: CommittedBlockEvent) => void>();
  private readonly checkedListeners = new Set<(res: CheckTxResponse) => void>();
  private finalized: FinalizedBlockEvent | undefined;
  private stopped = false;

  constructor(private readonly c: HandlerComponents) {}

  stop(): void {
    this.stopped = true;
  }

  /** Height finalized but not yet committed (state only this process holds), if any. */
  get uncommittedHeight(): bigint | undefined {
    return this.finalized?.height;
  }

  /**
   * A new CometBFT process connected after a previous one went away. Queued behind every call the
   * old process left (a Commit in flight still completes), then the application drops what was not
   * committed, so the new handshake's Info and replay start from the store. Resolves with the
   * height that was finalized but never committed, if any.
   */
  newSession(): Promise<bigint | undefined> {
    return this.c.queue.run(() => {
      const dropped = this.finalized?.height;
      this.finalized = undefined;
      this.c.app.resetUncommitted();
      return dropped;
    });
  }

  onFinalized(listener: (ev: FinalizedBlockEvent) => void): () => void {
    this.finalizedListeners.add(listener);
    return () => this.finalizedListeners.delete(listener);
  }

  onCommitted(listener: (ev: CommittedBlockEvent) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  /**
   * CheckTx results of new (not recheck) transactions, in mempool order. The engine in this process
   * learns its own submissions' outcomes here, so it can broadcast asynchronously (docs/consensus.md
   * "Submission path").
   */
  onCheckTx(listener: (res: CheckTxResponse) => void): () => void {
    this.checkedListeners.add(listener);
    return () => this.checkedListeners.delete(listener);
  }

  /**
   * One promise per request, in order. Application work is queued synchronously here, so the
   * global order of application calls is the order requests were read.
   */
  handleBatch(reqs: readonly Request[]): Promise<Response>[] {
    const out: Promise<Response>[] = [];
    let i = 0;
    while (i < reqs.length) {
      if (reqs[i]!.checkTx) {
        const group: RequestCheckTx[] = [];
        while (i < reqs.length && reqs[i]!.checkTx) group.push(reqs[i++]!.checkTx!);
        out.push(...this.checkTxGroup(group));
      } else out.push(this.handleOne(reqs[i++]!));
    }
    return out;
  }

  private handleOne(r: Request): Promise<Response> {
    const app = this.c.app;
    if (r.echo) return Promise.resolve({ echo: { message: r.echo.message } });
    if (r.flush) return Promise.resolve({ flush: {} });
    if (r.info) return this.appCall("info", () => ({ info: toInfoResponse(app.info(), INFO_DATA) }));
    if (r.initChain) {
      const req = r.initChain;
      return this.appCall("init_chain", () => ({
        initChain: toInitChainResponse(app.initChain(fromInitChain(req))),
      }));
    }
    if (r.query) {
      const req = r.query;
      return this.appCall("query", () => ({ query: toQueryResponse(this.query(req)) }));
    }
    if (r.prepareProposal) {
      const req = r.prepareProposal;
      return this.appCall("prepare_proposal", () => ({
        prepareProposal: { txs: [...app.prepareProposal(fromPrepareProposal(req))] },
      }));
    }
    if (r.processProposal) {
      const req = r.processProposal;
      return this.appCall("process_proposal", () => ({
        processProposal: {
          status:
            app.processProposal(fromProcessProposal(req)) === "accept"
              ? ResponseProcessProposal_ProposalStatus.ACCEPT
              : ResponseProcessProposal_ProposalStatus.REJECT,
        },
      }));
    }
    if (r.finalizeBlock) {
      const req = r.finalizeBlock;
      return this.appCall("finalize_block", () => ({
        finalizeBlock: this.finalizeBlock(req.txs, fromFinalizeBlock(req)),
      }));
    }
    if (r.commit) return this.appCall("commit", () => this.commit());
    // State sync is out of scope: we offer nothing and refuse every offer (docs/abci.md).
    if (r.listSnapshots) return Promise.resolve({ listSnapshots: { snapshots: [] } });
    if (r.offerSnapshot)
      return Promise.resolve({ offerSnapshot: { result: ResponseOfferSnapshot_Result.REJECT } });
    if (r.loadSnapshotChunk) return Promise.resolve({ loadSnapshotChunk: { chunk: EMPTY } });
    if (r.applySnapshotChunk) {
      return Promise.resolve({
        applySnapshotChunk: {
          result: ResponseApplySnapshotChunk_Result.REJECT_SNAPSHOT,
          refetchChunks: [],
          rejectSenders: [],
        },
      });
    }
    // Vote extensions are disabled in genesis; answer neutrally if a network enables them anyway.
    if (r.extendVote) return Promise.resolve({ extendVote: { voteExtension: EMPTY } });
    if (r.verifyVoteExtension) {
      return Promise.resolve({
        verifyVoteExtension: { status: ResponseVerifyVoteExtension_VerifyStatus.ACCEPT },
      });
    }
    return Promise.resolve(
      this.exception(
        "unknown",
        new ConsortiaError(AbciErrors.ABCI_UNKNOWN_REQUEST, "request carries no known ABCI method"),
      ),
    );
  }

  /** Runs `fn` on the queue; a throw becomes ResponseException (CometBFT halts on it, by design). */
  private appCall(method: string, fn: () => Response | Promise<Response>): Promise<Response> {
    return this.c.queue
      .run(() => {
        if (this.stopped) throw new ConsortiaError(AbciErrors.ABCI_SERVER_STATE, "ABCI server is stopping");
        return fn();
      })
      .catch((err: unknown) => this.exception(method, err));
  }

  private exception(method: string, err: unknown): Response {
    const e = asConsortiaError(err);
    this.c.log({
      level: "error",
      message: `${method} failed: ${e.code}: ${e.message}`,
      details: { method, code: e.code },
    });
    return { exception: { error: `${method}: ${e.code}: ${e.message}` } };
  }

  /**
   * CheckTx requests that arrived together: signatures of the new ones are verified in parallel on
   * the pool (started now, before queueing, so it overlaps whatever the queue is doing), then
   * CheckTx runs for each in order on the queue.
   */
  private checkTxGroup(group: readonly RequestCheckTx[]): Promise<Response>[] {
    const app = this.c.app;
    const pool = this.c.verifyPool;
    // Transactions another validator in this process already verified (gossip arrives after the
    // first CheckTx passed) skip the pool.
    const fresh = group.filter((g) => g.type !== CheckTxType.RECHECK && !app.isVerified(app.txHashOf(g.tx)));
    const verified =
      pool && fresh.length > 1 && !this.stopped
        ? pool.verifyBatch(fresh.map((g) => verifyItem(g.tx))).catch((err: unknown) => {
            // Not fatal: CheckTx verifies on this thread whatever was not marked.
            this.c.log({
              level: "warn",
              message: `parallel signature check failed: ${asConsortiaError(err).message}`,
            });
            return undefined;
          })
        : undefined;
    const all = this.c.queue.run(async (): Promise<Response[]> => {
      const ok = verified ? await verified : undefined;
      if (ok)
        for (let k = 0; k < fresh.length; k++) if (ok[k] === 1) app.markVerified(app.txHashOf(fresh[k]!.tx));
      return group.map((g) => {
        try {
          if (this.stopped) throw new ConsortiaError(AbciErrors.ABCI_SERVER_STATE, "ABCI server is stopping");
          const kind = g.type === CheckTxType.RECHECK ? "recheck" : "new";
          const res = app.checkTx(g.tx, kind);
          if (kind === "new") for (const l of this.checkedListeners) this.notify("check_tx", () => l(res));
          return { checkTx: toCheckTxResponse(res) };
        } catch (err) {
          return this.exception("check_tx", err);
        }
      });
    });
    return group.map((_, k) => all.then((rs) => rs[k]!));
  }

  private query(req: RequestQuery): QueryResponse {
    const app = this.c.app;
    const height = app.height;
    try {
      if (req.prove) {
        throw new ConsortiaError(
          AbciErrors.ABCI_QUERY_UNSUPPORTED,
          "query.prove: state proofs are not supported",
        );
      }
      if (req.height !== 0n && req.height !== height) {
        throw new ConsortiaError(
          AbciErrors.ABCI_QUERY_UNSUPPORTED,
          `query.height ${req.height}: only the latest height (${height}, or 0) can be queried`,
        );
      }
      const params = parseQueryParams(req.data);
      return app.query(params ? { path: req.path, params } : { path: req.path });
    } catch (err) {
      const e = asConsortiaError(err);
      return { code: errorCodeInfo(e.code).num, errorCode: e.code, log: e.message, value: null, height };
    }
  }

  private finalizeBlock(txs: readonly Uint8Array[], req: FinalizeBlockRequest): ResponseFinalizeBlock {
    const response = this.c.app.finalizeBlock(req);
    const ev: FinalizedBlockEvent = { height: req.height, hash: req.hash, timeMs: req.timeMs, txs, response };
    this.finalized = ev;
    for (const l of this.finalizedListeners) this.notify("finalized", () => l(ev));
    return toFinalizeBlockResponse(response);
  }

  private async commit(): Promise<Response> {
    const app = this.c.app;
    const f = this.finalized;
    const { retainHeight } = await app.commit();
    this.finalized = undefined;
    // Fired inside the queue: listeners see application state exactly at this height.
    if (f && this.committedListeners.size > 0) {
      const ev: CommittedBlockEvent = {
        height: f.height,
        hash: f.hash,
        timeMs: f.timeMs,
        appHash: f.response.appHash,
        txHashes: f.txs.map((t) => toHex(app.txHashOf(t))),
        response: f.response,
      };
      for (const l of this.committedListeners) this.notify("committed", () => l(ev));
    }
    return { commit: { retainHeight } };
  }

  private notify(kind: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.c.log({ level: "error", message: `${kind} listener threw: ${asConsortiaError(err).message}` });
    }
  }
}

/** Envelope v1: the public key sits just before the 64-byte signature (src/codec/tx.ts). */
function verifyItem(raw: Uint8Array): VerifyItem {
  const publicKey = raw.length >= 96 ? raw.subarray(raw.length - 96, raw.length - 64) : EMPTY;
  return { publicKey, message: domainMessage(DOMAIN_TX, txSignedPart(raw)), signature: txSignature(raw) };
}
