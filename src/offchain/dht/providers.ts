/**
 * Provider records ("who holds the DAG with this key"), kept by the nodes closest to the key.
 * Records expire (the provider must re-announce), so a holder that went away stops being
 * returned without anyone having to tell us. Expiry is read from the injected clock on every
 * access; `sweep` only reclaims memory.
 */
import { ConsortiaError } from "../../errors.js";
import { DhtErrors } from "./errors.js";
import { idHex, type NodeId } from "./id.js";

export interface Provider {
  /** Base URL of the provider's trustless gateway. */
  readonly url: string;
}

export interface ProviderStoreOptions {
  /** How long a record lives after its last announcement. */
  readonly ttlMs: number;
  /** Distinct keys held; a new key past this is refused with DHT_STORE_FULL (after a sweep). */
  readonly maxKeys: number;
  /** Providers kept per key; a new one replaces the record closest to expiry. */
  readonly maxPerKey: number;
}

export interface ProviderStore {
  add(key: NodeId, provider: Provider): void;
  /** Live providers of `key`, most recently announced first. */
  get(key: NodeId): Provider[];
  /** Drops expired records; returns how many. */
  sweep(): number;
  /** Live and not-yet-swept keys held. */
  readonly keys: number;
}

interface Entry {
  readonly url: string;
  readonly expiresMs: number;
}

export function createProviderStore(deps: { now: () => number }, opts: ProviderStoreOptions): ProviderStore {
  for (const [field, v] of Object.entries(opts)) {
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new ConsortiaError(DhtErrors.DHT_BAD_ARGUMENT, `${field} must be a positive integer`, { field });
    }
  }
  const byKey = new Map<string, Entry[]>();

  const live = (hex: string, now: number): Entry[] => {
    const entries = byKey.get(hex);
    if (entries === undefined) return [];
    const kept = entries.filter((e) => e.expiresMs > now);
    if (kept.length === 0) byKey.delete(hex);
    else if (kept.length !== entries.length) byKey.set(hex, kept);
    return kept;
  };

  const store: ProviderStore = {
    add(key, provider) {
      const now = deps.now();
      const hex = idHex(key);
      if (!byKey.has(hex) && byKey.size >= opts.maxKeys) store.sweep();
      if (!byKey.has(hex) && byKey.size >= opts.maxKeys) {
        throw new ConsortiaError(DhtErrors.DHT_STORE_FULL, `provider store holds ${opts.maxKeys} keys`, {
          max: opts.maxKeys,
        });
      }
      const entries = live(hex, now).filter((e) => e.url !== provider.url);
      entries.push({ url: provider.url, expiresMs: now + opts.ttlMs });
      entries.sort((a, b) => b.expiresMs - a.expiresMs);
      byKey.set(hex, entries.slice(0, opts.maxPerKey));
    },
    get(key) {
      return live(idHex(key), deps.now()).map((e) => ({ url: e.url }));
    },
    sweep() {
      const now = deps.now();
      let dropped = 0;
      for (const [hex, entries] of byKey) {
        const before = entries.length;
        dropped += before - live(hex, now).length;
      }
      return dropped;
    },
    get keys() {
      return byKey.size;
    },
  };
  return store;
}
