import type { StoredBlock } from "../codec/block.js";
import type { KvReader } from "./state.js";

export interface CommitBatch {
  readonly height: bigint;
  readonly appHash: Uint8Array;
  /** State writes of the block (null = delete), keys as modules wrote them. */
  readonly writes: ReadonlyMap<string, Uint8Array | null>;
  readonly block: StoredBlock;
  /** sha256 of each transaction, in block order (already computed by the application). */
  readonly txHashes: readonly Uint8Array[];
}

/**
 * The committed state as the application sees it: synchronous reads (the state machine must not
 * await) and one atomic, durable commit per block. Implemented by src/storage.
 */
export interface CommittedState extends KvReader {
  lastCommitted():
    | { readonly height: bigint; readonly appHash: Uint8Array; readonly timeMs: bigint }
    | undefined;
  commit(batch: CommitBatch): Promise<void>;
}
