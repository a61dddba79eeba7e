/**
 * Kademlia identifiers and the XOR metric (Maymounkov & Mazières §2.1). Ids are 256-bit:
 * a node's id is sha256 of its own base URL, so a contact's id can be checked against the URL it
 * claims instead of being taken on trust; a provider key is sha256 of the CID's multihash, the
 * same key derivation libp2p's kad-dht uses, so CIDv0/CIDv1 names of one DAG share a key.
 */
import { sha256, toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import type { CID } from "../cid.js";
import { DhtErrors } from "./errors.js";

export const ID_BYTES = 32;
export const ID_BITS = ID_BYTES * 8;
/** Longest base URL accepted for a contact or provider. */
export const MAX_URL_LENGTH = 256;

export type NodeId = Uint8Array;

export interface Contact {
  readonly id: NodeId;
  readonly url: string;
}

const utf8 = new TextEncoder();

/**
 * The canonical form of a base URL: absolute http(s), no credentials/query/fragment, no trailing
 * slash. Canonical so that one server never gets two ids.
 */
export function canonicalUrl(value: string, field = "url"): string {
  const bad = (why: string) =>
    new ConsortiaError(DhtErrors.DHT_BAD_CONTACT, `${field} ${why}`, {
      field,
      value: String(value).slice(0, 80),
    });
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_URL_LENGTH) {
    throw bad(`must be a URL of 1..${MAX_URL_LENGTH} characters`);
  }
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw bad("is not an absolute URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw bad("must be http(s)");
  if (u.search !== "" || u.hash !== "" || u.username !== "" || u.password !== "") {
    throw bad("must not carry credentials, a query or a fragment");
  }
  return u.href.replace(/\/+$/, "");
}

export function nodeIdFromUrl(url: string): NodeId {
  return sha256(utf8.encode(canonicalUrl(url)));
}

export function contactFromUrl(url: string): Contact {
  const canonical = canonicalUrl(url);
  return { id: sha256(utf8.encode(canonical)), url: canonical };
}

export function providerKey(cid: CID): NodeId {
  return sha256(cid.multihash.bytes);
}

export function idHex(id: NodeId): string {
  return toHex(id);
}

export function xorDistance(a: NodeId, b: NodeId): Uint8Array {
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/** Sign of d(a, target) − d(b, target), without allocating the distances. */
export function compareDistance(target: NodeId, a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const t = target[i] ?? 0;
    const da = (a[i] ?? 0) ^ t;
    const db = (b[i] ?? 0) ^ t;
    if (da !== db) return da < db ? -1 : 1;
  }
  return 0;
}

/** Leading bits a and b share (256 when equal): the index of the k-bucket b belongs to in a's table. */
export function commonPrefixLength(a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = (a[i] ?? 0) ^ (b[i] ?? 0);
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BITS;
}

/**
 * An id that shares exactly `cpl` leading bits with `self` (bit `cpl` flipped, the rest random):
 * the target of a bucket refresh.
 */
export function idWithPrefix(self: NodeId, cpl: number, random: Uint8Array): NodeId {
  if (!Number.isInteger(cpl) || cpl < 0 || cpl >= ID_BITS || random.length !== ID_BYTES) {
    throw new ConsortiaError(DhtErrors.DHT_BAD_ARGUMENT, `cpl must be in 0..${ID_BITS - 1}`, {
      field: "cpl",
    });
  }
  const out = random.slice();
  const byte = cpl >> 3;
  const bit = 0x80 >> (cpl & 7);
  for (let i = 0; i < byte; i++) out[i] = self[i] ?? 0;
  // Keep self's bits above `bit`, flip `bit`, keep the random bits below it.
  const above = (0xff00 >> (cpl & 7)) & 0xff;
  const s = self[byte] ?? 0;
  out[byte] = (s & above) | (~s & bit) | ((out[byte] ?? 0) & (bit - 1));
  return out;
}
