import type { CommitBatch, CommittedState } from "../app/store.js";
import { ConsortiaError } from "../errors.js";
import { StorageErrors } from "./errors.js";

/**
 * Committed state in memory, for simulations and determinism tests that run thousands of blocks:
 * same contract as ChainStore (synchronous reads, one commit per block, height check) without disk.
 */
export class MemoryStore implements CommittedState {
  readonly state = new Map<string, Uint8Array>();
  private last: { height: bigint; appHash: Uint8Array; timeMs: bigint } | undefined;

  get(key: string): Uint8Array | undefined {
    return this.state.get(key);
  }

  lastCommitted(): { height: bigint; appHash: Uint8Array; timeMs: bigint } | undefined {
    return this.last;
  }

  async commit(batch: CommitBatch): Promise<void> {
    const expected = (this.last?.height ?? batch.height - 1n) + 1n;
    if (batch.height !== expected) {
      throw new ConsortiaError(
        StorageErrors.STORAGE_HEIGHT_GAP,
        `commit of ${batch.height}, expected ${expected}`,
      );
    }
    for (const [k, v] of batch.writes) {
      if (v === null) this.state.delete(k);
      else this.state.set(k, v);
    }
    this.last = { height: batch.height, appHash: batch.appHash, timeMs: batch.block.timeMs };
  }

  /** Keys with a prefix, sorted: used by invariant checkers to scan balances. */
  keysWithPrefix(prefix: string): string[] {
    return [...this.state.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
