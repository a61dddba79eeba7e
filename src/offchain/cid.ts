/**
 * CID parsing, block verification and link extraction: the three things every layer of the
 * off-chain store needs and none of them should reimplement.
 */
import * as dagPb from "@ipld/dag-pb";
import { base32 } from "multiformats/bases/base32";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { bytesEqual, sha256, toHex } from "../crypto/hash.js";
import { ConsortiaError } from "../errors.js";
import { OffchainErrors } from "./errors.js";

export { CID };

export const RAW_CODE = raw.code; // 0x55
export const DAG_PB_CODE = dagPb.code; // 0x70
export const SHA2_256_CODE = 0x12;
export const IDENTITY_CODE = 0x00;
/** Longest CID string we parse: a base32 CIDv1 with a 64-byte digest is ~113 characters. */
export const MAX_CID_STRING = 128;
/** Identity CIDs inline their data; anything longer than this is not a probe but a payload. */
export const MAX_IDENTITY_BYTES = 128;

const multibaseDecoder = base32.decoder.or(base36.decoder).or(base58btc.decoder);

/** Parses a CID string (CIDv0 base58btc, or CIDv1 in base32/base36/base58btc). */
export function parseCid(text: string, field = "cid"): CID {
  if (typeof text !== "string" || text.length === 0 || text.length > MAX_CID_STRING) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_BAD_CID,
      `${field} must be a CID string of 1..${MAX_CID_STRING} characters`,
      { field },
    );
  }
  try {
    return text.startsWith("Qm") ? CID.parse(text) : CID.parse(text, multibaseDecoder);
  } catch (err) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_BAD_CID,
      `${field} is not a valid CID: ${(err as Error).message}`,
      { field, value: text.slice(0, MAX_CID_STRING) },
      { cause: err },
    );
  }
}

/** Parses binary CID bytes (as stored on chain). */
export function cidFromBytes(bytes: Uint8Array, field = "cid"): CID {
  try {
    return CID.decode(bytes);
  } catch (err) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_BAD_CID,
      `${field} is not a valid binary CID`,
      { field },
      {
        cause: err,
      },
    );
  }
}

export function isIdentity(cid: CID): boolean {
  return cid.multihash.code === IDENTITY_CODE;
}

/** Throws unless blocks under this CID can be verified (sha2-256/32 bytes) or are inline (identity). */
export function checkVerifiable(cid: CID): void {
  const mh = cid.multihash;
  if (mh.code === SHA2_256_CODE && mh.size === 32) return;
  if (mh.code === IDENTITY_CODE && mh.size <= MAX_IDENTITY_BYTES) return;
  throw new ConsortiaError(
    OffchainErrors.OFFCHAIN_UNSUPPORTED_HASH,
    `CID ${cid.toString()} uses multihash 0x${mh.code.toString(16)} (length ${mh.size}); only sha2-256 and identity are supported`,
    { cid: cid.toString(), multihash: mh.code },
  );
}

/**
 * Re-hashes `bytes` and compares with the CID's digest. Every block read from disk or received
 * from another node passes through here before use.
 */
export function verifyBlock(cid: CID, bytes: Uint8Array, source: string): void {
  checkVerifiable(cid);
  const expected = cid.multihash.digest;
  const ok = isIdentity(cid) ? bytesEqual(expected, bytes) : bytesEqual(sha256(bytes), expected);
  if (!ok) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_HASH_MISMATCH,
      `block ${cid.toString()} from ${source} does not hash to its CID`,
      { cid: cid.toString(), source, length: bytes.length },
    );
  }
}

/** The children of a block: dag-pb links in order; none for raw and identity-raw blocks. */
export function blockLinks(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === RAW_CODE) return [];
  if (cid.code !== DAG_PB_CODE) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_UNSUPPORTED_CODEC,
      `block ${cid.toString()} has codec 0x${cid.code.toString(16)}; only raw and dag-pb DAGs are walked`,
      { cid: cid.toString(), codec: cid.code },
    );
  }
  try {
    return dagPb.decode(bytes).Links.map((l) => l.Hash);
  } catch (err) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_MALFORMED_DAG,
      `block ${cid.toString()} is not valid dag-pb: ${(err as Error).message}`,
      { cid: cid.toString() },
      { cause: err },
    );
  }
}

/** Storage/dedupe key: the multihash, so CIDv0 and CIDv1 (and raw vs dag-pb) of one block coincide. */
export function blockKey(cid: CID): Uint8Array {
  return cid.multihash.bytes;
}

export function blockKeyHex(cid: CID): string {
  return toHex(cid.multihash.bytes);
}
