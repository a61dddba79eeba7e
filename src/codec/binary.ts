import { ConsortiaError } from "../errors.js";
import { CodecErrors } from "./errors.js";

/**
 * Low-level canonical binary primitives. Canonical means: exactly one encoding per value.
 * Integers are unsigned LEB128 with no redundant trailing 0x80/0x00 groups; decoding rejects
 * anything else, so re-encoding a decoded value always gives back the same bytes (and the same
 * hash and signature).
 */

const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Exact-size unsigned LEB128 of a bigint: the hot path for nonces and balances (no growable buffer). */
export function encodeUvarintBig(v: bigint): Uint8Array {
  if (v < 0x80n) return Uint8Array.of(Number(v));
  let n = 0;
  for (let x = v; x > 0n; x >>= 7n) n++;
  const out = new Uint8Array(n);
  let x = v;
  for (let i = 0; i < n; i++) {
    out[i] = Number(x & 0x7fn) | (i < n - 1 ? 0x80 : 0);
    x >>= 7n;
  }
  return out;
}

export class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned LEB128 for numbers up to 2^53 − 1. */
  uvarint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** Unsigned LEB128 for bigints (any size; callers bound the range). */
  ubigvarint(v: bigint): void {
    if (v < 0x20_0000_0000_0000n) {
      this.uvarint(Number(v));
      return;
    }
    this.ensure(20);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  bytes(bytes: Uint8Array): void {
    this.uvarint(bytes.length);
    this.raw(bytes);
  }

  /** UTF-8 written in place: TextEncoder.encode would allocate a copy per string (hot in block encoding). */
  string(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.uvarint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, "utf8");
  }

  /** A copy of the written bytes (the internal buffer is reused). */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.pos));
  }

  get length(): number {
    return this.pos;
  }
}

export class Reader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private truncated(what: string): never {
    throw new ConsortiaError(CodecErrors.CODEC_TRUNCATED, `input ends inside ${what}`, {
      offset: this.pos,
      length: this.buf.length,
    });
  }

  u8(): number {
    if (this.pos >= this.buf.length) this.truncated("a byte");
    return this.buf[this.pos++]!;
  }

  /** Reads a canonical LEB128 ≤ max (max ≤ 2^53 − 1). */
  uvarint(max: number = Number.MAX_SAFE_INTEGER): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (i >= 8) throw new ConsortiaError(CodecErrors.CODEC_OUT_OF_RANGE, "varint longer than 8 bytes");
      if (this.pos >= this.buf.length) this.truncated("a varint");
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) {
          throw new ConsortiaError(CodecErrors.CODEC_NON_CANONICAL, "varint has a redundant zero group", {
            offset: this.pos - 1,
          });
        }
        break;
      }
      mul *= 0x80;
    }
    if (result > max) {
      throw new ConsortiaError(CodecErrors.CODEC_OUT_OF_RANGE, `integer ${result} exceeds maximum ${max}`, {
        offset: this.pos,
      });
    }
    return result;
  }

  /** Reads a canonical LEB128 bigint ≤ max. */
  ubigvarint(max: bigint): bigint {
    // Fast path: most values (nonces, balances, heights) fit in 7 bytes = 49 bits, exact as numbers.
    const start = this.pos;
    let small = 0;
    let mul = 1;
    for (let i = 0; i < 7 && this.pos < this.buf.length; i++) {
      const b = this.buf[this.pos++]!;
      small += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) {
          throw new ConsortiaError(CodecErrors.CODEC_NON_CANONICAL, "integer has a redundant zero group", {
            offset: this.pos - 1,
          });
        }
        const v = BigInt(small);
        if (v > max) {
          throw new ConsortiaError(CodecErrors.CODEC_OUT_OF_RANGE, `integer ${v} exceeds maximum ${max}`, {
            offset: this.pos,
          });
        }
        return v;
      }
      mul *= 0x80;
    }
    this.pos = start;
    let result = 0n;
    let shift = 0n;
    const maxBytes = maxVarintBytes(max);
    for (let i = 0; ; i++) {
      if (i >= maxBytes) throw new ConsortiaError(CodecErrors.CODEC_OUT_OF_RANGE, "integer too long");
      if (this.pos >= this.buf.length) this.truncated("an integer");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) {
          throw new ConsortiaError(CodecErrors.CODEC_NON_CANONICAL, "integer has a redundant zero group", {
            offset: this.pos - 1,
          });
        }
        break;
      }
      shift += 7n;
    }
    if (result > max) {
      throw new ConsortiaError(CodecErrors.CODEC_OUT_OF_RANGE, `integer ${result} exceeds maximum ${max}`, {
        offset: this.pos,
      });
    }
    return result;
  }

  raw(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) this.truncated(`${n} bytes`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes(maxLength: number): Uint8Array {
    const start = this.pos;
    const n = this.uvarint();
    if (n > maxLength) {
      throw new ConsortiaError(
        CodecErrors.CODEC_OVERSIZED,
        `byte string of ${n} bytes exceeds ${maxLength}`,
        {
          offset: start,
          length: n,
          max: maxLength,
        },
      );
    }
    return this.raw(n);
  }

  string(maxBytes: number): string {
    const start = this.pos;
    const b = this.bytes(maxBytes);
    try {
      return textDecoder.decode(b);
    } catch {
      throw new ConsortiaError(CodecErrors.CODEC_BAD_UTF8, "string is not valid UTF-8", { offset: start });
    }
  }

  /** Throws unless every byte was consumed: trailing bytes would give one value two encodings. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new ConsortiaError(
        CodecErrors.CODEC_TRAILING_BYTES,
        `${this.buf.length - this.pos} trailing bytes`,
        {
          offset: this.pos,
        },
      );
    }
  }
}

const maxBytesCache = new Map<bigint, number>();

/** LEB128 length of `max`, plus one so an over-long encoding is caught as out of range, not truncated. */
function maxVarintBytes(max: bigint): number {
  let n = maxBytesCache.get(max);
  if (n === undefined) {
    n = Math.ceil(max.toString(2).length / 7) + 1;
    if (maxBytesCache.size < 64) maxBytesCache.set(max, n);
  }
  return n;
}
