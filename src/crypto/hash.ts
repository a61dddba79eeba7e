/**
 * SHA-256 and strict hex. Everything returns plain Uint8Array (never a Buffer) so values compare
 * equal under assert.deepStrictEqual and callers cannot depend on Buffer-only methods.
 */
import { Buffer } from "node:buffer";
import { createHash, hash as oneShotHash, timingSafeEqual } from "node:crypto";
import { ConsortiaError } from "../errors.js";
import { CryptoErrors } from "./errors.js";

/**
 * A zero-copy Uint8Array view of a Buffer when the Buffer owns its whole ArrayBuffer; a copy when it
 * is a slice of Node's shared allocation pool (a view would expose and pin unrelated pool bytes).
 */
export function ownedBytes(buf: Buffer): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength) {
    return new Uint8Array(buf.buffer, 0, buf.byteLength);
  }
  return new Uint8Array(buf);
}

/** A Buffer view (no copy) for passing Uint8Arrays to node APIs that want Buffer methods. */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** One-shot crypto.hash (Node ≥ 20.12) is ~40% faster than createHash for short inputs. */
export function sha256(data: Uint8Array): Uint8Array {
  return ownedBytes(oneShotHash("sha256", data, "buffer"));
}

/** sha256(parts[0] || parts[1] || ...) without materialising the concatenation. */
export function sha256Concat(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return ownedBytes(h.digest());
}

export function toHex(bytes: Uint8Array): string {
  return bufferView(bytes).toString("hex");
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

export interface FromHexOptions {
  /** Required decoded length in bytes. */
  readonly bytes?: number;
  /** Name used in error messages, e.g. "publicKey". */
  readonly field?: string;
}

/**
 * Strict decoding: lowercase only and even length. Buffer.from(s, "hex") silently stops at the
 * first bad character, which would let two different strings decode to the same bytes.
 */
export function fromHex(hex: string, opts: FromHexOptions = {}): Uint8Array {
  const field = opts.field ?? "hex";
  if (typeof hex !== "string") {
    throw new ConsortiaError(CryptoErrors.CRYPTO_BAD_HEX, `${field} must be a string`, { field });
  }
  if (!HEX_RE.test(hex)) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_HEX,
      `${field} must be an even-length string of lowercase hex digits [0-9a-f]`,
      { field, length: hex.length },
    );
  }
  if (opts.bytes !== undefined && hex.length !== opts.bytes * 2) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_HEX,
      `${field} must encode exactly ${opts.bytes} bytes (${opts.bytes * 2} hex chars), got ${hex.length} chars`,
      { field, expectedBytes: opts.bytes, length: hex.length },
    );
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** Constant-time equality (safe for secrets and MACs); false on length mismatch. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
