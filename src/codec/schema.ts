import { ConsortiaError } from "../errors.js";
import { type Reader, Reader as ReaderImpl, Writer } from "./binary.js";
import { CodecErrors } from "./errors.js";

/**
 * Typed codec combinators. A schema is built once per message type; encode/decode walk it with
 * no reflection. Field order is the order of the `struct` definition and is part of the format.
 */
export interface Codec<T> {
  readonly kind: string;
  encode(w: Writer, v: T): void;
  decode(r: Reader): T;
}

export type Infer<C> = C extends Codec<infer T> ? T : never;

/** Largest amount accepted anywhere: 2^128 − 1 base units. */
export const MAX_AMOUNT = (1n << 128n) - 1n;
export const MAX_U64 = (1n << 64n) - 1n;

export const u8: Codec<number> = {
  kind: "u8",
  encode: (w, v) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) rangeError("u8", v);
    w.u8(v);
  },
  decode: (r) => r.u8(),
};

export const bool: Codec<boolean> = {
  kind: "bool",
  encode: (w, v) => w.u8(v ? 1 : 0),
  decode: (r) => {
    const b = r.u8();
    if (b > 1)
      throw new ConsortiaError(CodecErrors.CODEC_NON_CANONICAL, `bool byte must be 0 or 1, got ${b}`);
    return b === 1;
  },
};

/** A JS-safe unsigned integer (counts, lengths, indexes): at most `max` (≤ 2^53 − 1). */
export function uint(max: number = Number.MAX_SAFE_INTEGER): Codec<number> {
  return {
    kind: "uint",
    encode: (w, v) => {
      if (!Number.isSafeInteger(v) || v < 0 || v > max) rangeError("uint", v);
      w.uvarint(v);
    },
    decode: (r) => r.uvarint(max),
  };
}

/** Unsigned bigint up to `max` (heights, nonces, timestamps in ms, amounts). */
export function ubig(max: bigint): Codec<bigint> {
  return {
    kind: "ubig",
    encode: (w, v) => {
      if (typeof v !== "bigint" || v < 0n || v > max) rangeError("ubig", v);
      w.ubigvarint(v);
    },
    decode: (r) => r.ubigvarint(max),
  };
}

export const u64 = ubig(MAX_U64);
/** Token amounts in base units. */
export const amount = ubig(MAX_AMOUNT);

export function bytes(maxLength: number): Codec<Uint8Array> {
  return {
    kind: "bytes",
    encode: (w, v) => {
      if (!(v instanceof Uint8Array) || v.length > maxLength) rangeError("bytes length", v?.length);
      w.bytes(v);
    },
    // Copy: the decoded value must not alias the (possibly reused) input buffer.
    decode: (r) => r.bytes(maxLength).slice(),
  };
}

export function fixedBytes(n: number): Codec<Uint8Array> {
  return {
    kind: `bytes${n}`,
    encode: (w, v) => {
      if (!(v instanceof Uint8Array) || v.length !== n) rangeError(`bytes${n}`, v?.length);
      w.raw(v);
    },
    decode: (r) => r.raw(n).slice(),
  };
}

export function string(maxBytes: number): Codec<string> {
  return {
    kind: "string",
    encode: (w, v) => {
      if (typeof v !== "string") rangeError("string", v);
      const before = w.length;
      w.string(v);
      if (w.length - before > maxBytes + 10) rangeError("string length", v.length);
    },
    decode: (r) => r.string(maxBytes),
  };
}

export function array<T>(item: Codec<T>, maxItems: number): Codec<T[]> {
  return {
    kind: `array<${item.kind}>`,
    encode: (w, v) => {
      if (!Array.isArray(v) || v.length > maxItems) rangeError("array length", v?.length);
      w.uvarint(v.length);
      for (const x of v) item.encode(w, x);
    },
    decode: (r) => {
      const n = r.uvarint();
      if (n > maxItems) {
        throw new ConsortiaError(CodecErrors.CODEC_OVERSIZED, `array of ${n} items exceeds ${maxItems}`);
      }
      const out: T[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = item.decode(r);
      return out;
    },
  };
}

/** Present-flag byte then the value; absent is encoded as 0 and decodes to undefined. */
export function optional<T>(item: Codec<T>): Codec<T | undefined> {
  return {
    kind: `optional<${item.kind}>`,
    encode: (w, v) => {
      if (v === undefined) w.u8(0);
      else {
        w.u8(1);
        item.encode(w, v);
      }
    },
    decode: (r) => {
      const flag = r.u8();
      if (flag === 0) return undefined;
      if (flag !== 1)
        throw new ConsortiaError(CodecErrors.CODEC_NON_CANONICAL, `optional flag must be 0 or 1`);
      return item.decode(r);
    },
  };
}

/** String enum encoded as its index in `values` (one byte). */
export function enumOf<const V extends readonly string[]>(values: V): Codec<V[number]> {
  const index = new Map<string, number>(values.map((v, i) => [v, i]));
  return {
    kind: "enum",
    encode: (w, v) => {
      const i = index.get(v);
      if (i === undefined) rangeError("enum value", v);
      w.u8(i);
    },
    decode: (r) => {
      const i = r.u8();
      const v = values[i];
      if (v === undefined) {
        throw new ConsortiaError(
          CodecErrors.CODEC_UNKNOWN_TAG,
          `enum index ${i} is not one of ${values.length}`,
        );
      }
      return v;
    },
  };
}

type Fields = Record<string, Codec<unknown>>;
type StructOf<F extends Fields> = { -readonly [K in keyof F]: Infer<F[K]> };

export function struct<const F extends Fields>(fields: F): Codec<StructOf<F>> {
  const entries = Object.entries(fields);
  return {
    kind: "struct",
    encode: (w, v) => {
      const obj = v as Record<string, unknown>;
      for (const [name, codec] of entries) {
        try {
          codec.encode(w, obj[name]);
        } catch (err) {
          throw prefixField(err, name);
        }
      }
    },
    decode: (r) => {
      const out: Record<string, unknown> = {};
      for (const [name, codec] of entries) {
        try {
          out[name] = codec.decode(r);
        } catch (err) {
          throw prefixField(err, name);
        }
      }
      return out as StructOf<F>;
    },
  };
}

function prefixField(err: unknown, name: string): unknown {
  if (!(err instanceof ConsortiaError)) return err;
  const path = typeof err.details.field === "string" ? `${name}.${err.details.field}` : name;
  return new ConsortiaError(err.code, err.message, { ...err.details, field: path });
}

function rangeError(what: string, v: unknown): never {
  throw new ConsortiaError(CodecErrors.CODEC_OUT_OF_RANGE, `value out of range for ${what}: ${String(v)}`);
}

export interface DecodeOptions {
  /** Reject input longer than this before parsing anything. */
  readonly maxBytes?: number;
}

export function encode<T>(codec: Codec<T>, value: T, sizeHint = 128): Uint8Array {
  const w = new Writer(sizeHint);
  codec.encode(w, value);
  return w.finish();
}

/** Decodes a whole buffer: oversized input, truncation and trailing bytes are typed errors. */
export function decode<T>(codec: Codec<T>, input: Uint8Array, opts: DecodeOptions = {}): T {
  if (!(input instanceof Uint8Array)) {
    throw new ConsortiaError(CodecErrors.CODEC_OUT_OF_RANGE, "input is not a byte array");
  }
  if (opts.maxBytes !== undefined && input.length > opts.maxBytes) {
    throw new ConsortiaError(
      CodecErrors.CODEC_OVERSIZED,
      `input of ${input.length} bytes exceeds ${opts.maxBytes}`,
      {
        length: input.length,
        max: opts.maxBytes,
      },
    );
  }
  const r = new ReaderImpl(input);
  const v = codec.decode(r);
  r.end();
  return v;
}

/** Versioned envelope: one leading version byte; unknown versions are rejected, not guessed. */
export function versioned<T>(version: number, body: Codec<T>): Codec<T> {
  return {
    kind: `v${version}<${body.kind}>`,
    encode: (w, v) => {
      w.u8(version);
      body.encode(w, v);
    },
    decode: (r) => {
      const got = r.u8();
      if (got !== version) {
        throw new ConsortiaError(
          CodecErrors.CODEC_UNKNOWN_VERSION,
          `unknown version ${got} (expected ${version})`,
          {
            version: got,
          },
        );
      }
      return body.decode(r);
    },
  };
}
