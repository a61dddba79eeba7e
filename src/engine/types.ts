import type { CommittedBlockEvent, CommittedTx, SubmitResult } from "./solo.js";

export type { CommittedBlockEvent, CommittedTx, SubmitResult };

/**
 * What the API and CLI need from a consensus engine, whichever it is (solo in-process, or a
 * CometBFT process driving our ABCI server). Both deliver committed blocks to `onBlock`.
 */
export interface TxEngine {
  readonly kind: "solo" | "cometbft";
  /** Last committed height. */
  readonly height: bigint;
  /** Admission (CheckTx + mempool). code 0 = admitted; otherwise a typed error code. */
  submit(raw: Uint8Array): Promise<SubmitResult>;
  submitBatch(raws: readonly Uint8Array[]): Promise<SubmitResult[]>;
  /** Resolves when the transaction commits; rejects with ENGINE_TIMEOUT. */
  waitForCommit(hashHex: string, timeoutMs: number): Promise<CommittedTx>;
  onBlock(listener: (b: CommittedBlockEvent) => void): () => void;
  /** Pending transactions (for health and metrics). */
  mempoolSize(): number;
  /** Whether this node holds the transaction in its mempool (admitted, not yet committed). */
  isPending(hashHex: string): boolean;
}
