/**
 * A small client-side cache for chain data that changes rarely and is cheap to re-read when it
 * does — a holder's published profile (endpoint, encryption key) above all. Entries expire after
 * `ttlMs`; concurrent misses for one key share one load; a failed load is not cached. Callers that
 * see a failure a stale entry could explain (the holder moved, rotated its key) `invalidate` and
 * retry once (src/sdk/ehr.ts getRecord).
 */
import { LruCache } from "../crypto/lru.js";
import { CommonErrors, ConsortiaError } from "../errors.js";

export interface TtlCacheOptions {
  /** How long an entry is trusted. */
  readonly ttlMs: number;
  /** Entries kept at most; the least recently used goes first. */
  readonly maxEntries: number;
  /** Injected clock (ms), for tests. */
  readonly now: () => number;
}

export const defaultTtlCacheOptions: TtlCacheOptions = {
  // A profile change takes effect for readers within a minute, or at once after a failed call.
  ttlMs: 60_000,
  maxEntries: 1024,
  now: () => Date.now(),
};

export interface TtlCache<T> {
  /** The cached value, or the result of `load` (stored on success). */
  get(key: string, load: () => Promise<T>): Promise<T>;
  /** Whether `key` has a live entry (no load). */
  has(key: string): boolean;
  invalidate(key: string): void;
  readonly size: number;
}

export function createTtlCache<T>(init: Partial<TtlCacheOptions> = {}): TtlCache<T> {
  const o = { ...defaultTtlCacheOptions, ...init };
  for (const [field, v] of [
    ["ttlMs", o.ttlMs],
    ["maxEntries", o.maxEntries],
  ] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new ConsortiaError(CommonErrors.INVALID_ARGUMENT, `${field} must be a positive integer`, {
        field,
      });
    }
  }
  const entries = new LruCache<string, { value: T; expiresAt: number }>(o.maxEntries);
  const loading = new Map<string, Promise<T>>();
  const live = (key: string) => {
    const e = entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt > o.now()) return e;
    entries.delete(key);
    return undefined;
  };
  return {
    get(key, load) {
      const hit = live(key);
      if (hit !== undefined) return Promise.resolve(hit.value);
      const pending = loading.get(key);
      if (pending !== undefined) return pending;
      const p = load()
        .then((value) => {
          entries.set(key, { value, expiresAt: o.now() + o.ttlMs });
          return value;
        })
        .finally(() => loading.delete(key));
      loading.set(key, p);
      return p;
    },
    has: (key) => live(key) !== undefined,
    invalidate(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
