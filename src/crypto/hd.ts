/**
 * Hierarchical deterministic Ed25519 keys, SLIP-0010
 * (https://github.com/satoshilabs/slips/blob/master/slip-0010.md). Ed25519 supports only hardened
 * derivation: the secret scalar is a hash of the seed, so there is no additive public-key
 * derivation, and a non-hardened index is an error rather than silently hardened.
 */
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { ConsortiaError } from "../errors.js";
import { keyPairFromSeed } from "./ed25519.js";
import { CryptoErrors } from "./errors.js";

export const HARDENED_OFFSET = 0x8000_0000;

/** BIP-44 purpose and the coin type Consortia uses in its wallet paths. */
export const HD_PURPOSE = 44;
export const HD_COIN_TYPE = 9000;

export interface HdKey {
  /** 32-byte Ed25519 seed (our secret-key form). */
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly chainCode: Uint8Array;
}

const CURVE_KEY = Buffer.from("ed25519 seed", "utf8");
// BIP-32 serialises depth in one byte.
const MAX_DEPTH = 255;

function badPath(path: string, condition: string, details: Record<string, unknown> = {}): ConsortiaError {
  return new ConsortiaError(CryptoErrors.HD_BAD_PATH, `path "${path}" ${condition}`, { path, ...details });
}

/**
 * Parses "m/44'/9000'/0'/5'" into hardened indexes (offset included). "h" and "H" are accepted as
 * hardened markers as in BIP-32 tooling; indexes are decimal without leading zeros and < 2^31.
 */
export function parseHdPath(path: string): number[] {
  if (typeof path !== "string") throw badPath(String(path), "must be a string");
  const parts = path.split("/");
  if (parts[0] !== "m") throw badPath(path, 'must start with "m"');
  const out: number[] = [];
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i] ?? "";
    const m = /^(0|[1-9][0-9]{0,9})(['hH]?)$/.exec(seg);
    if (m === null) throw badPath(path, `segment ${i} ("${seg}") must be a decimal index followed by '`);
    const index = Number(m[1]);
    if (index >= HARDENED_OFFSET) {
      throw badPath(path, `segment ${i} index ${index} must be < 2^31 (before the hardened offset)`, {
        segment: i,
      });
    }
    if (m[2] === "") {
      throw badPath(
        path,
        `segment ${i} ("${seg}") must be hardened: ed25519 supports only hardened derivation`,
        {
          segment: i,
        },
      );
    }
    out.push(index + HARDENED_OFFSET);
  }
  if (out.length > MAX_DEPTH) throw badPath(path, `must have depth <= ${MAX_DEPTH}`);
  return out;
}

function split(i: Buffer): { key: Buffer; chainCode: Buffer } {
  return { key: i.subarray(0, 32), chainCode: i.subarray(32, 64) };
}

function masterKey(seed: Uint8Array): { key: Buffer; chainCode: Buffer } {
  if (!(seed instanceof Uint8Array) || seed.byteLength < 16 || seed.byteLength > 64) {
    throw new ConsortiaError(
      CryptoErrors.HD_BAD_SEED,
      "seed must be a Uint8Array of 16..64 bytes (SLIP-0010)",
      {
        field: "seed",
        length: seed instanceof Uint8Array ? seed.byteLength : null,
      },
    );
  }
  return split(createHmac("sha512", CURVE_KEY).update(seed).digest());
}

function childKey(key: Buffer, chainCode: Buffer, index: number): { key: Buffer; chainCode: Buffer } {
  const data = Buffer.alloc(37);
  key.copy(data, 1);
  data.writeUInt32BE(index, 33);
  return split(createHmac("sha512", chainCode).update(data).digest());
}

export function deriveEd25519(seed: Uint8Array, path: string): HdKey {
  const indexes = parseHdPath(path);
  let node = masterKey(seed);
  for (const index of indexes) node = childKey(node.key, node.chainCode, index);
  const { publicKey, secretKey } = keyPairFromSeed(new Uint8Array(node.key));
  return { secretKey, publicKey, chainCode: new Uint8Array(node.chainCode) };
}

function requireIndex(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0 || v >= HARDENED_OFFSET) {
    throw new ConsortiaError(
      CryptoErrors.HD_BAD_PATH,
      `${name} must be an integer in [0, 2^31) (got ${String(v)})`,
      {
        field: name,
        value: v,
      },
    );
  }
  return v;
}

/**
 * Path of a pseudonymous wallet: m/44'/9000'/{identityIndex}'/{walletIndex}'. One identity
 * (a registered patient, institution or prosumer) owns many unlinkable wallet addresses: all
 * levels are hardened, so a leaked wallet key reveals neither its siblings nor the identity's
 * parent key, and only the holder of the master seed can show that two wallets share an owner.
 */
export function walletPath(identityIndex: number, walletIndex: number): string {
  requireIndex("identityIndex", identityIndex);
  requireIndex("walletIndex", walletIndex);
  return `m/${HD_PURPOSE}'/${HD_COIN_TYPE}'/${identityIndex}'/${walletIndex}'`;
}

export function walletKey(masterSeed: Uint8Array, identityIndex: number, walletIndex: number): HdKey {
  return deriveEd25519(masterSeed, walletPath(identityIndex, walletIndex));
}
