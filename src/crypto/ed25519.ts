/**
 * Ed25519 (RFC 8032, pure EdDSA) on node:crypto/OpenSSL. Keys are raw bytes at every boundary:
 * public key = 32 bytes, secret key = the 32-byte RFC 8032 seed. OpenSSL only takes keys as
 * KeyObjects, and building one costs about as much as a verification, so KeyObjects are cached
 * in bounded LRUs keyed by the raw key bytes.
 */
import { Buffer } from "node:buffer";
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { ConsortiaError } from "../errors.js";
import { CryptoErrors } from "./errors.js";
import { bufferView, ownedBytes } from "./hash.js";
import { LruCache } from "./lru.js";

export { ADDRESS_BYTES, addressFromPublicKey, formatAddress, parseAddress } from "./address.js";

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/*
 * Signing domains. Every signature in Consortia is over `utf8(domain) || 0x00 || message`, so a
 * signature made for one purpose (say a certificate) can never be replayed as another (say a
 * transaction). The chain id is NOT part of the domain: the codec writes it inside each signed
 * message, which binds every signature to one chain as well.
 */
export const DOMAIN_TX = "consortia/tx/v1";
export const DOMAIN_CERT = "consortia/cert/v1";
export const DOMAIN_REQUEST = "consortia/request/v1";
export const DOMAIN_BLOCK = "consortia/block/v1";

export interface KeyPair {
  readonly publicKey: Uint8Array;
  /** The 32-byte RFC 8032 seed (not the 64-byte expanded form some libraries use). */
  readonly secretKey: Uint8Array;
}

export type RandomBytes = (n: number) => Uint8Array;

// DER headers that turn a raw 32-byte key into PKCS#8 / SPKI for OID 1.3.101.112 (RFC 8410).
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export const DEFAULT_PUBLIC_KEY_CACHE = 65_536;
export const DEFAULT_PRIVATE_KEY_CACHE = 1_024;

const publicKeys = new LruCache<string, KeyObject>(DEFAULT_PUBLIC_KEY_CACHE);
const privateKeys = new LruCache<string, KeyObject>(DEFAULT_PRIVATE_KEY_CACHE);

/** Cache sizes; for tests, benchmarks and memory tuning. Resizing keeps the most recent entries. */
export function configureKeyCaches(opts: { publicKeys?: number; privateKeys?: number }): void {
  if (opts.publicKeys !== undefined) publicKeys.resize(opts.publicKeys);
  if (opts.privateKeys !== undefined) privateKeys.resize(opts.privateKeys);
}

export function keyCacheStats(): {
  publicKeys: number;
  publicCapacity: number;
  privateKeys: number;
  privateCapacity: number;
} {
  return {
    publicKeys: publicKeys.size,
    publicCapacity: publicKeys.capacity,
    privateKeys: privateKeys.size,
    privateCapacity: privateKeys.capacity,
  };
}

export function clearKeyCaches(): void {
  publicKeys.clear();
  privateKeys.clear();
}

// latin1 maps each byte to one UTF-16 unit: a 32-char key, cheaper to build and hash than hex.
function cacheKey(bytes: Uint8Array): string {
  return bufferView(bytes).toString("latin1");
}

function isBytes(x: unknown, len: number): x is Uint8Array {
  return x instanceof Uint8Array && x.byteLength === len;
}

function requireSecretKey(secretKey: unknown, field = "secretKey"): Uint8Array {
  if (!isBytes(secretKey, SECRET_KEY_BYTES)) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_KEY,
      `${field} must be a Uint8Array of ${SECRET_KEY_BYTES} bytes (the Ed25519 seed)`,
      { field, length: secretKey instanceof Uint8Array ? secretKey.byteLength : null },
    );
  }
  return secretKey;
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  const k = cacheKey(seed);
  let key = privateKeys.get(k);
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
    privateKeys.set(k, key);
  }
  return key;
}

/** Throws (from OpenSSL) when the bytes are not a valid encoding; callers decide what that means. */
function publicKeyObject(pk: Uint8Array): KeyObject {
  const k = cacheKey(pk);
  let key = publicKeys.get(k);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pk]), format: "der", type: "spki" });
    publicKeys.set(k, key);
  }
  return key;
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  requireSecretKey(seed, "seed");
  const spki = createPublicKey(privateKeyObject(seed)).export({ format: "der", type: "spki" });
  return {
    publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)),
    secretKey: new Uint8Array(seed),
  };
}

export function generateKeyPair(randomBytes: RandomBytes = nodeRandomBytes): KeyPair {
  const seed = randomBytes(SECRET_KEY_BYTES);
  if (!isBytes(seed, SECRET_KEY_BYTES)) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ARGUMENT,
      `randomBytes(${SECRET_KEY_BYTES}) must return a Uint8Array of ${SECRET_KEY_BYTES} bytes`,
      { field: "randomBytes" },
    );
  }
  return keyPairFromSeed(seed);
}

const derivedPublicKeys = new Map<string, Uint8Array>();

/** Public key of a secret key (seed). Cached: signers call this per transaction, and export is slow. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  requireSecretKey(secretKey);
  const k = cacheKey(secretKey);
  let pk = derivedPublicKeys.get(k);
  if (pk === undefined) {
    pk = keyPairFromSeed(secretKey).publicKey;
    // Same bound as the private KeyObject cache; clearing wholesale keeps this O(1) and bounded.
    if (derivedPublicKeys.size >= DEFAULT_PRIVATE_KEY_CACHE) derivedPublicKeys.clear();
    derivedPublicKeys.set(k, pk);
  }
  return pk.slice();
}

export function signBytes(secretKey: Uint8Array, msg: Uint8Array): Uint8Array {
  requireSecretKey(secretKey);
  if (!(msg instanceof Uint8Array)) {
    throw new ConsortiaError(CryptoErrors.CRYPTO_BAD_ARGUMENT, "msg must be a Uint8Array", { field: "msg" });
  }
  return ownedBytes(nodeSign(null, msg, privateKeyObject(secretKey)));
}

/**
 * False (never an exception) for any malformed input: wrong types or lengths, a public key that
 * is not a curve point, a non-canonical signature. Verification code paths run on untrusted bytes.
 */
export function verifyBytes(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (
    !isBytes(publicKey, PUBLIC_KEY_BYTES) ||
    !isBytes(sig, SIGNATURE_BYTES) ||
    !(msg instanceof Uint8Array)
  ) {
    return false;
  }
  try {
    return nodeVerify(null, msg, publicKeyObject(publicKey), sig);
  } catch {
    return false;
  }
}

const MAX_CACHED_DOMAINS = 64;
const domainPrefixes = new Map<string, Buffer>();

/**
 * utf8(domain) || 0x00. The terminator makes the encoding prefix-free, which is why a domain may
 * not contain NUL itself: otherwise "a\0b" + msg and "a" + "b\0..." could collide.
 */
function domainPrefix(domain: string): Buffer {
  const cached = domainPrefixes.get(domain);
  if (cached !== undefined) return cached;
  if (typeof domain !== "string" || domain.length === 0 || domain.includes("\0")) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ARGUMENT,
      "domain must be a non-empty string without NUL characters",
      { field: "domain" },
    );
  }
  const prefix = Buffer.concat([Buffer.from(domain, "utf8"), Buffer.of(0)]);
  if (domainPrefixes.size < MAX_CACHED_DOMAINS) domainPrefixes.set(domain, prefix);
  return prefix;
}

/** The exact bytes that signWithDomain signs; exported for other signers (HSMs, the SDK). */
export function domainMessage(domain: string, msg: Uint8Array): Uint8Array {
  return ownedBytes(Buffer.concat([domainPrefix(domain), msg]));
}

export function signWithDomain(secretKey: Uint8Array, domain: string, msg: Uint8Array): Uint8Array {
  if (!(msg instanceof Uint8Array)) {
    throw new ConsortiaError(CryptoErrors.CRYPTO_BAD_ARGUMENT, "msg must be a Uint8Array", { field: "msg" });
  }
  return signBytes(secretKey, Buffer.concat([domainPrefix(domain), msg]));
}

/** Like verifyBytes, false on malformed key/signature/message; throws only for an invalid domain (a bug). */
export function verifyWithDomain(
  publicKey: Uint8Array,
  domain: string,
  msg: Uint8Array,
  sig: Uint8Array,
): boolean {
  const prefix = domainPrefix(domain);
  if (!(msg instanceof Uint8Array)) return false;
  return verifyBytes(publicKey, Buffer.concat([prefix, msg]), sig);
}
