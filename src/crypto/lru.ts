/**
 * Bounded least-recently-used map. Relies on Map's insertion order: a hit is re-inserted at the
 * end, so the first key is always the least recently used one. Capacity 0 disables caching (used
 * by benchmarks to measure the uncached path through the same code).
 */
import { ConsortiaError } from "../errors.js";
import { CryptoErrors } from "./errors.js";

export class LruCache<K, V> {
  readonly #map = new Map<K, V>();
  #capacity: number;

  constructor(capacity: number) {
    this.#capacity = checkCapacity(capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    if (this.#capacity === 0) return;
    this.#map.delete(key);
    this.#map.set(key, value);
    this.#evict();
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  resize(capacity: number): void {
    this.#capacity = checkCapacity(capacity);
    this.#evict();
  }

  #evict(): void {
    while (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (oldest.done) return;
      this.#map.delete(oldest.value);
    }
  }
}

function checkCapacity(capacity: number): number {
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ARGUMENT,
      `cache capacity must be a non-negative safe integer (got ${String(capacity)})`,
      { field: "capacity", value: capacity },
    );
  }
  return capacity;
}
