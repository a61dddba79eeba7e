/**
 * The k-bucket routing table (Kademlia §2.2). Bucket i holds contacts sharing exactly i leading
 * bits with our id, i.e. at XOR distance in [2^(255−i), 2^(256−i)); each bucket is ordered least-
 * recently seen first. A full bucket never drops a contact on its own: `update` reports the least-
 * recently seen one and the node pings it (ping-before-evict, §2.2), because long-lived contacts
 * are the ones most likely to stay up and an attacker cannot flush a table with fresh ids.
 */
import { ConsortiaError } from "../../errors.js";
import { DhtErrors } from "./errors.js";
import { type Contact, commonPrefixLength, compareDistance, ID_BITS, idHex, type NodeId } from "./id.js";

export type UpdateResult =
  | { readonly status: "added" | "refreshed" | "self" }
  /** The bucket is full: `oldest` is the least-recently seen contact, to ping before evicting it. */
  | { readonly status: "full"; readonly oldest: Contact };

export interface RoutingTable {
  readonly self: NodeId;
  readonly k: number;
  /** Records that we heard from `contact`: moves it to the bucket's tail or adds it if there is room. */
  update(contact: Contact): UpdateResult;
  /** Evicts `oldest` (if still present) and appends `contact`; false if `oldest` was already gone and there is no room. */
  replace(oldest: NodeId, contact: Contact): boolean;
  remove(id: NodeId): boolean;
  has(id: NodeId): boolean;
  /** Up to `count` contacts ordered by XOR distance to `target`, nearest first. */
  closest(target: NodeId, count: number): Contact[];
  /** The bucket index of `id` (its common prefix length with our id). */
  bucketIndex(id: NodeId): number;
  /** A snapshot of bucket `i`, least-recently seen first. */
  bucket(i: number): readonly Contact[];
  readonly size: number;
}

export function createRoutingTable(self: NodeId, k: number): RoutingTable {
  if (!Number.isSafeInteger(k) || k < 1 || k > 256) {
    throw new ConsortiaError(DhtErrors.DHT_BAD_ARGUMENT, "k must be an integer in 1..256", { field: "k" });
  }
  const buckets: Contact[][] = Array.from({ length: ID_BITS }, () => []);
  const where = new Map<string, number>();

  const indexOf = (id: NodeId) => commonPrefixLength(self, id);
  const position = (bucket: Contact[], hex: string) => bucket.findIndex((c) => idHex(c.id) === hex);

  const table: RoutingTable = {
    self,
    k,
    update(contact) {
      const i = indexOf(contact.id);
      if (i === ID_BITS) return { status: "self" };
      const bucket = buckets[i] as Contact[];
      const hex = idHex(contact.id);
      if (where.has(hex)) {
        bucket.splice(position(bucket, hex), 1);
        bucket.push(contact);
        return { status: "refreshed" };
      }
      if (bucket.length < k) {
        bucket.push(contact);
        where.set(hex, i);
        return { status: "added" };
      }
      return { status: "full", oldest: bucket[0] as Contact };
    },
    replace(oldest, contact) {
      table.remove(oldest);
      return table.update(contact).status !== "full";
    },
    remove(id) {
      const hex = idHex(id);
      const i = where.get(hex);
      if (i === undefined) return false;
      const bucket = buckets[i] as Contact[];
      bucket.splice(position(bucket, hex), 1);
      where.delete(hex);
      return true;
    },
    has(id) {
      return where.has(idHex(id));
    },
    closest(target, count) {
      const all: Contact[] = [];
      for (const b of buckets) for (const c of b) all.push(c);
      all.sort((a, b) => compareDistance(target, a.id, b.id));
      return all.slice(0, Math.max(0, count));
    },
    bucketIndex: indexOf,
    bucket(i) {
      return [...(buckets[i] ?? [])];
    },
    get size() {
      return where.size;
    },
  };
  return table;
}
