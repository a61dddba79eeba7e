/**
 * Block-level state overlay with a per-transaction undo journal.
 *
 * Reads fall through to the committed store; writes stay in memory until the block commits.
 * A transaction takes a checkpoint; if it fails, `revert` restores every key it touched, so a
 * failed transaction has no effect without allocating a fresh overlay per transaction.
 */

export interface KvReader {
  get(key: string): Uint8Array | undefined;
}

export interface KvStore extends KvReader {
  set(key: string, value: Uint8Array): void;
  delete(key: string): void;
}

/** Marks a deleted key in the overlay; distinct from "not in the overlay". */
const TOMBSTONE: null = null;

interface JournalEntry {
  readonly key: string;
  /** Overlay value before the write: undefined = the key was not in the overlay. */
  readonly prev: Uint8Array | null | undefined;
}

export class StateOverlay implements KvStore {
  private readonly writes = new Map<string, Uint8Array | null>();
  private journal: JournalEntry[] = [];
  private depth = 0;

  constructor(private readonly parent: KvReader) {}

  get(key: string): Uint8Array | undefined {
    const w = this.writes.get(key);
    if (w !== undefined) return w === TOMBSTONE ? undefined : w;
    return this.parent.get(key);
  }

  set(key: string, value: Uint8Array): void {
    if (this.depth > 0) this.journal.push({ key, prev: this.writes.get(key) });
    this.writes.set(key, value);
  }

  delete(key: string): void {
    // Deleting an absent key changes no state; recording it would put a write in the block's
    // write set (and move the app hash) for nothing.
    if (this.get(key) === undefined) return;
    if (this.depth > 0) this.journal.push({ key, prev: this.writes.get(key) });
    this.writes.set(key, TOMBSTONE);
  }

  /** Starts a revertible section; returns the journal position to revert to. */
  checkpoint(): number {
    this.depth++;
    return this.journal.length;
  }

  /** Undoes every write since `cp`, newest first. */
  revert(cp: number): void {
    for (let i = this.journal.length - 1; i >= cp; i--) {
      const e = this.journal[i]!;
      if (e.prev === undefined) this.writes.delete(e.key);
      else this.writes.set(e.key, e.prev);
    }
    this.journal.length = cp;
    this.depth--;
  }

  /** Keeps the writes since `cp`. */
  accept(cp: number): void {
    this.depth--;
    if (this.depth === 0) this.journal = [];
    else void cp;
  }

  /** The pending writes (null = delete), for the commit batch and the state root. */
  pending(): ReadonlyMap<string, Uint8Array | null> {
    return this.writes;
  }

  get size(): number {
    return this.writes.size;
  }
}

/** Read-only in-memory map, for tests and for genesis dry-runs. */
export class MemoryKv implements KvStore {
  readonly map = new Map<string, Uint8Array>();
  get(key: string): Uint8Array | undefined {
    return this.map.get(key);
  }
  set(key: string, value: Uint8Array): void {
    this.map.set(key, value);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  /** Applies an overlay's pending writes (what a commit does to disk). */
  apply(writes: ReadonlyMap<string, Uint8Array | null>): void {
    for (const [k, v] of writes) {
      if (v === null) this.map.delete(k);
      else this.map.set(k, v);
    }
  }
}
