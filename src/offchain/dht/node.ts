/**
 * One Kademlia node: routing table, provider store, the serving side of the RPCs (`handle`, wired
 * to HTTP by routes.ts) and the asking side (bootstrap, lookups, provide). A node in "client"
 * mode asks but never announces itself, so no one routes through it (like an IPFS DHT client).
 *
 * Table maintenance: a contact is added when it answers us or sends us an RPC with `from`; a
 * contact whose RPC fails is dropped at once (simpler than counting failures, and on the small
 * networks this baseline runs a failed peer is a stopped one); a full bucket pings its least-
 * recently seen contact before evicting it for a newcomer.
 */
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { ConsortiaError } from "../../errors.js";
import { DhtErrors } from "./errors.js";
import { type Contact, contactFromUrl, ID_BITS, ID_BYTES, idHex, idWithPrefix, type NodeId } from "./id.js";
import { iterativeLookup, type LookupOutcome } from "./lookup.js";
import { createProviderStore, type Provider, type ProviderStore } from "./providers.js";
import { createRoutingTable, type RoutingTable } from "./routingTable.js";
import { createDhtRpc, type DhtFetch, type DhtRpc } from "./rpc.js";
import { MAX_K, MAX_PROVIDERS } from "./wire.js";

export interface DhtNodeComponents {
  /** Milliseconds; drives provider-record expiry. */
  readonly now: () => number;
  /** Defaults to the global fetch. */
  readonly fetch?: DhtFetch;
  /** Defaults to node:crypto; only used for bucket-refresh targets. */
  readonly randomBytes?: (n: number) => Uint8Array;
}

export interface DhtNodeInit {
  /** Where this node's RPC routes are mounted, e.g. "http://10.0.0.7:8080/dht"; its id is sha256 of it. */
  readonly selfUrl: string;
  /** Bucket size and replication factor. Default 20. */
  readonly k?: number;
  /** Parallel queries per lookup. Default 3. */
  readonly alpha?: number;
  /** "client": asks but is never added to others' tables. Default "server". */
  readonly mode?: "server" | "client";
  /** Per-RPC deadline. Default 2000 ms. */
  readonly rpcTimeoutMs?: number;
  /** Provider record lifetime. Default 24 h (libp2p's original value). */
  readonly providerTtlMs?: number;
  /** How often `start()` re-announces what we provide. Default 12 h (half the TTL). */
  readonly republishIntervalMs?: number;
  readonly maxProviderKeys?: number;
}

export interface NodeLookupResult {
  readonly closest: Contact[];
  readonly hops: number;
  readonly queried: number;
}

export interface ProvidersResult {
  readonly providers: Provider[];
  /** 0 when our own store answered. */
  readonly hops: number;
  readonly queried: number;
}

export interface ProvideResult {
  /** Peers that accepted the record (our own store not counted). */
  readonly stored: number;
  readonly hops: number;
  readonly queried: number;
}

/** The serving side, validated input in, wire-ready values out. */
export interface DhtHandlers {
  ping(from: Contact | undefined): Contact;
  findNode(from: Contact | undefined, target: NodeId): Contact[];
  getProviders(from: Contact | undefined, key: NodeId): { providers: Provider[]; closer: Contact[] };
  addProvider(from: Contact | undefined, key: NodeId, provider: Provider): boolean;
}

export interface DhtNode {
  readonly self: Contact;
  readonly k: number;
  readonly alpha: number;
  readonly mode: "server" | "client";
  readonly table: RoutingTable;
  readonly providers: ProviderStore;
  readonly handle: DhtHandlers;
  /** Joins through any of `peers` (RPC base URLs): look up our own id, then refresh farther buckets. */
  bootstrap(peers: readonly string[]): Promise<{ contacts: number }>;
  findNode(target: NodeId): Promise<NodeLookupResult>;
  /** Announces `provider` for `key` to the k nodes closest to it (and keeps it locally). */
  provide(key: NodeId, provider: Provider): Promise<ProvideResult>;
  /** DHT_NOT_FOUND when nobody on the path knows a provider. */
  findProviders(key: NodeId): Promise<ProvidersResult>;
  /** Starts the republish/sweep timer. */
  start(): void;
  stop(): Promise<void>;
}

const HOUR = 3_600_000;

function positiveInt(field: string, v: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new ConsortiaError(DhtErrors.DHT_BAD_ARGUMENT, `${field} must be an integer in 1..${max}`, {
      field,
    });
  }
  return v;
}

export function createDhtNode(components: DhtNodeComponents, init: DhtNodeInit): DhtNode {
  const self = contactFromUrl(init.selfUrl);
  const k = positiveInt("k", init.k ?? 20, MAX_K);
  const alpha = positiveInt("alpha", init.alpha ?? 3, MAX_K);
  const mode = init.mode ?? "server";
  const ttlMs = positiveInt("providerTtlMs", init.providerTtlMs ?? 24 * HOUR, Number.MAX_SAFE_INTEGER);
  const republishMs = positiveInt(
    "republishIntervalMs",
    init.republishIntervalMs ?? Math.floor(ttlMs / 2),
    2 ** 31 - 1,
  );
  const random = components.randomBytes ?? ((n: number) => new Uint8Array(nodeRandomBytes(n)));
  const fetchImpl: DhtFetch = components.fetch ?? ((url, req) => fetch(url, req));
  const rpc: DhtRpc = createDhtRpc({
    fetch: fetchImpl,
    from: mode === "server" ? self : undefined,
    timeoutMs: positiveInt("rpcTimeoutMs", init.rpcTimeoutMs ?? 2000, 600_000),
  });
  const table = createRoutingTable(self.id, k);
  const providers = createProviderStore(
    { now: components.now },
    { ttlMs, maxKeys: init.maxProviderKeys ?? 100_000, maxPerKey: MAX_PROVIDERS },
  );
  const provided = new Map<string, { key: NodeId; provider: Provider }>();
  const probing = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const assertRunning = () => {
    if (stopped) throw new ConsortiaError(DhtErrors.DHT_STOPPED, "the DHT node is stopped");
  };

  /** Ping-before-evict: only one probe per stale contact at a time; the newcomer waits for none. */
  const heardFrom = (contact: Contact) => {
    if (stopped) return;
    const r = table.update(contact);
    if (r.status !== "full") return;
    const key = idHex(r.oldest.id);
    if (probing.has(key)) return;
    const probe = rpc.ping(r.oldest.url).then(
      () => {
        if (!stopped) table.update(r.oldest);
      },
      () => {
        if (!stopped) table.replace(r.oldest.id, contact);
      },
    );
    probing.set(
      key,
      probe.finally(() => probing.delete(key)),
    );
  };

  const lookup = (target: NodeId, stopOnProviders: boolean, ask: DhtLookupQuery): Promise<LookupOutcome> => {
    assertRunning();
    const seeds = table.closest(target, k);
    if (seeds.length === 0) {
      throw new ConsortiaError(DhtErrors.DHT_NO_PEERS, "the routing table is empty: bootstrap first");
    }
    return iterativeLookup({
      target,
      seeds,
      k,
      alpha,
      self: self.id,
      query: ask,
      stopOnProviders,
      maxQueries: 16 * k,
      onAnswer: heardFrom,
      onFailure: (c) => table.remove(c.id),
    });
  };

  const nodeQuery =
    (target: NodeId): DhtLookupQuery =>
    async (c) => ({ closer: await rpc.findNode(c.url, target) });

  const findNode = async (target: NodeId): Promise<NodeLookupResult> => {
    const r = await lookup(target, false, nodeQuery(target));
    return { closest: r.closest, hops: r.hops, queried: r.queried };
  };

  const provide = async (key: NodeId, provider: Provider): Promise<ProvideResult> => {
    assertRunning();
    providers.add(key, provider);
    provided.set(idHex(key), { key, provider });
    // Alone in the network: our own store is the only place the record can live.
    if (table.size === 0) return { stored: 0, hops: 0, queried: 0 };
    const found = await findNode(key);
    const acks = await Promise.allSettled(found.closest.map((c) => rpc.addProvider(c.url, key, provider)));
    const stored = acks.filter((a) => a.status === "fulfilled" && a.value).length;
    return { stored, hops: found.hops, queried: found.queried + found.closest.length };
  };

  const handle: DhtHandlers = {
    ping(from) {
      if (from !== undefined) heardFrom(from);
      return self;
    },
    findNode(from, target) {
      if (from !== undefined) heardFrom(from);
      return table.closest(target, k);
    },
    getProviders(from, key) {
      if (from !== undefined) heardFrom(from);
      const known = providers.get(key).slice(0, MAX_PROVIDERS);
      return known.length > 0
        ? { providers: known, closer: [] }
        : { providers: [], closer: table.closest(key, k) };
    },
    addProvider(from, key, provider) {
      if (from !== undefined) heardFrom(from);
      providers.add(key, provider);
      return true;
    },
  };

  return {
    self,
    k,
    alpha,
    mode,
    table,
    providers,
    handle,

    async bootstrap(peers) {
      assertRunning();
      const answered = await Promise.allSettled(
        peers.map(async (url) => {
          const asked = contactFromUrl(url);
          const c = await rpc.ping(asked.url);
          // A peer that names another URL than the one we reached would let it plant any contact.
          if (c.url !== asked.url) {
            throw new ConsortiaError(DhtErrors.DHT_BAD_CONTACT, `peer ${asked.url} calls itself ${c.url}`);
          }
          return c;
        }),
      );
      for (const a of answered) if (a.status === "fulfilled") heardFrom(a.value);
      if (table.size === 0) {
        throw new ConsortiaError(DhtErrors.DHT_BOOTSTRAP_FAILED, "no bootstrap peer answered", {
          peers: peers.slice(0, 8),
        });
      }
      await findNode(self.id);
      // Refresh every bucket farther than our nearest neighbour (Kademlia §2.3, joining).
      const nearest = table.closest(self.id, 1)[0];
      const limit = nearest === undefined ? 0 : table.bucketIndex(nearest.id);
      for (let i = 0; i < Math.min(limit, ID_BITS); i++) {
        if (table.size === 0) break;
        await findNode(idWithPrefix(self.id, i, random(ID_BYTES)));
      }
      return { contacts: table.size };
    },

    findNode,
    provide,

    async findProviders(key) {
      assertRunning();
      const local = providers.get(key);
      if (local.length > 0) return { providers: local, hops: 0, queried: 0 };
      const r = await lookup(key, true, async (c) => rpc.getProviders(c.url, key));
      if (r.providers.length === 0) {
        throw new ConsortiaError(DhtErrors.DHT_NOT_FOUND, `no provider found for key ${idHex(key)}`, {
          key: idHex(key),
          queried: r.queried,
        });
      }
      return { providers: r.providers.slice(0, MAX_PROVIDERS), hops: r.hops, queried: r.queried };
    },

    start() {
      assertRunning();
      if (timer !== undefined) return;
      timer = setInterval(() => {
        providers.sweep();
        for (const { key, provider } of provided.values()) provide(key, provider).catch(() => undefined);
      }, republishMs);
      timer.unref();
    },

    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      // Leave nothing in flight: a probe still running would hold a connection to a peer open.
      await Promise.allSettled([...probing.values()]);
    },
  };
}

type DhtLookupQuery = (contact: Contact) => Promise<{ closer: Contact[]; providers?: Provider[] }>;
