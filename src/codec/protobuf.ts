/**
 * The slice of the protobuf wire format that CometBFT v0.38 hashes and signs, emitted exactly as
 * gogoproto's generated Marshal code does: fields in ascending number order, proto3 scalars and
 * bytes/strings omitted when zero/empty, negative int32/int64 as 10-byte two's-complement
 * varints, sfixed64 little-endian. Whether an embedded message is written when empty is the
 * caller's decision (gogoproto `nullable=false` fields are always written, nullable ones only
 * when set), so `message()` always writes.
 *
 * One growable buffer per writer; nested messages reserve one length byte and shift their body
 * only in the rare case the length needs more, so encoding a header allocates next to nothing.
 */
import { ConsortiaError, registerErrorCodes } from "../errors.js";

export const ProtobufErrors = registerErrorCodes({
  PROTOBUF_TRUNCATED: { num: 300, http: 400 },
  PROTOBUF_MALFORMED: { num: 301, http: 400 },
  PROTOBUF_OUT_OF_RANGE: { num: 302, http: 400 },
});

export const WireType = { VARINT: 0, FIXED64: 1, LEN: 2, FIXED32: 5 } as const;

const U32_MAX = 0xffff_ffff;
const I32_MIN = -0x8000_0000;
const I32_MAX = 0x7fff_ffff;
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MOD = 1n << 64n;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function outOfRange(field: string, condition: string, value: unknown): ConsortiaError {
  return new ConsortiaError(ProtobufErrors.PROTOBUF_OUT_OF_RANGE, `${field} must be ${condition}`, {
    field,
    value: String(value),
  });
}

function checkInt(v: number, lo: number, hi: number, what: string): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw outOfRange(what, `an integer in [${lo}, ${hi}]`, v);
}

function checkBig(v: bigint, lo: bigint, hi: bigint, what: string): void {
  if (typeof v !== "bigint" || v < lo || v > hi) throw outOfRange(what, `a bigint in [${lo}, ${hi}]`, v);
}

/** Number of bytes of the unsigned varint encoding of a non-negative safe integer. */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

export class ProtoWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 128) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Unsigned varint of a non-negative safe integer (< 2^53). */
  rawVarint(v: number): this {
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** Unsigned varint of a 64-bit pattern in [0, 2^64). */
  rawVarint64(v: bigint): this {
    this.ensure(10);
    // Split into two 32-bit halves so the loop runs on plain numbers.
    let lo = Number(v & 0xffff_ffffn);
    let hi = Number(v >> 32n);
    while (hi > 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
    return this;
  }

  rawBytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  tag(field: number, wire: number): this {
    return this.rawVarint(field * 8 + wire);
  }

  uint32(field: number, v: number): this {
    checkInt(v, 0, U32_MAX, `uint32 field ${field}`);
    if (v !== 0) this.tag(field, WireType.VARINT).rawVarint(v);
    return this;
  }

  /** int32 and enums: negative values are sign-extended to 64 bits, as the spec requires. */
  int32(field: number, v: number): this {
    checkInt(v, I32_MIN, I32_MAX, `int32 field ${field}`);
    if (v === 0) return this;
    this.tag(field, WireType.VARINT);
    return v > 0 ? this.rawVarint(v) : this.rawVarint64(BigInt(v) + U64_MOD);
  }

  enum(field: number, v: number): this {
    return this.int32(field, v);
  }

  uint64(field: number, v: bigint): this {
    checkBig(v, 0n, U64_MAX, `uint64 field ${field}`);
    if (v !== 0n) this.tag(field, WireType.VARINT).rawVarint64(v);
    return this;
  }

  int64(field: number, v: bigint): this {
    checkBig(v, I64_MIN, I64_MAX, `int64 field ${field}`);
    if (v !== 0n) this.tag(field, WireType.VARINT).rawVarint64(v < 0n ? v + U64_MOD : v);
    return this;
  }

  bool(field: number, v: boolean): this {
    if (v) this.tag(field, WireType.VARINT).rawVarint(1);
    return this;
  }

  sfixed64(field: number, v: bigint): this {
    checkBig(v, I64_MIN, I64_MAX, `sfixed64 field ${field}`);
    if (v !== 0n) this.tag(field, WireType.FIXED64).rawFixed64(v < 0n ? v + U64_MOD : v);
    return this;
  }

  fixed64(field: number, v: bigint): this {
    checkBig(v, 0n, U64_MAX, `fixed64 field ${field}`);
    if (v !== 0n) this.tag(field, WireType.FIXED64).rawFixed64(v);
    return this;
  }

  private rawFixed64(v: bigint): this {
    this.ensure(8);
    let lo = Number(v & 0xffff_ffffn);
    let hi = Number(v >> 32n);
    for (let i = 0; i < 4; i++, lo >>>= 8) this.buf[this.pos++] = lo & 0xff;
    for (let i = 0; i < 4; i++, hi >>>= 8) this.buf[this.pos++] = hi & 0xff;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    if (b.length !== 0) this.tag(field, WireType.LEN).rawVarint(b.length).rawBytes(b);
    return this;
  }

  string(field: number, s: string): this {
    if (s.length !== 0) this.bytes(field, textEncoder.encode(s));
    return this;
  }

  /** One element of a `repeated bytes` field (or a oneof bytes member): written even when empty. */
  bytesAlways(field: number, b: Uint8Array): this {
    return this.tag(field, WireType.LEN).rawVarint(b.length).rawBytes(b);
  }

  /** An embedded message, always written (also when its body is empty). */
  message(field: number, body: (w: this) => void): this {
    this.tag(field, WireType.LEN);
    this.ensure(1);
    const lenPos = this.pos++;
    body(this);
    const len = this.pos - lenPos - 1;
    if (len < 0x80) {
      this.buf[lenPos] = len;
      return this;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(lenPos + 1 + extra, lenPos + 1, this.pos);
    const end = this.pos + extra;
    this.pos = lenPos;
    this.rawVarint(len);
    this.pos = end;
    return this;
  }

  /** A copy of the bytes written so far (the writer can keep going or be dropped). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export interface ProtoTag {
  readonly field: number;
  readonly wire: number;
}

export class ProtoReader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private truncated(what: string): ConsortiaError {
    return new ConsortiaError(
      ProtobufErrors.PROTOBUF_TRUNCATED,
      `protobuf input ends inside ${what} at offset ${this.pos}`,
      { offset: this.pos },
    );
  }

  private malformed(message: string): ConsortiaError {
    return new ConsortiaError(ProtobufErrors.PROTOBUF_MALFORMED, message, { offset: this.pos });
  }

  tag(): ProtoTag {
    const t = this.varint64();
    const field = Number(t >> 3n);
    const wire = Number(t & 7n);
    if (field < 1 || field > 0x1fff_ffff)
      throw this.malformed(`field number ${field} is outside [1, 2^29-1]`);
    return { field, wire };
  }

  /** Raw varint as an unsigned 64-bit bigint; more than 10 bytes or bits above 2^64 are rejected. */
  varint64(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw this.truncated("a varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (result > U64_MAX) throw this.malformed("varint exceeds 64 bits");
        return result;
      }
    }
    throw this.malformed("varint longer than 10 bytes");
  }

  uint32(): number {
    const v = this.varint64();
    if (v > BigInt(U32_MAX)) throw this.malformed(`uint32 value ${v} exceeds 2^32-1`);
    return Number(v);
  }

  int32(): number {
    const v = this.int64();
    if (v < BigInt(I32_MIN) || v > BigInt(I32_MAX)) throw this.malformed(`int32 value ${v} out of range`);
    return Number(v);
  }

  uint64(): bigint {
    return this.varint64();
  }

  int64(): bigint {
    const v = this.varint64();
    return v > I64_MAX ? v - U64_MOD : v;
  }

  bool(): boolean {
    return this.varint64() !== 0n;
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw this.truncated("a fixed64");
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[this.pos + i]!);
    this.pos += 8;
    return v;
  }

  sfixed64(): bigint {
    const v = this.fixed64();
    return v > I64_MAX ? v - U64_MOD : v;
  }

  private length(): number {
    const len = this.varint64();
    if (len > BigInt(this.end - this.pos)) throw this.truncated("a length-delimited field");
    return Number(len);
  }

  /** A zero-copy view into the input. */
  bytes(): Uint8Array {
    const len = this.length();
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    const b = this.bytes();
    try {
      return textDecoder.decode(b);
    } catch (err) {
      throw new ConsortiaError(
        ProtobufErrors.PROTOBUF_MALFORMED,
        "string field is not valid UTF-8",
        {},
        { cause: err },
      );
    }
  }

  /** A reader over an embedded message's body; this reader moves past it. */
  message(): ProtoReader {
    const len = this.length();
    const sub = new ProtoReader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return sub;
  }

  /** Skips a field of unknown number, as protobuf decoders must. */
  skip(wire: number): void {
    switch (wire) {
      case WireType.VARINT:
        this.varint64();
        return;
      case WireType.FIXED64:
        if (this.pos + 8 > this.end) throw this.truncated("a fixed64");
        this.pos += 8;
        return;
      case WireType.LEN: {
        // Read the length first: `this.pos += this.length()` would add to the pre-read position.
        const len = this.length();
        this.pos += len;
        return;
      }
      case WireType.FIXED32:
        if (this.pos + 4 > this.end) throw this.truncated("a fixed32");
        this.pos += 4;
        return;
      default:
        throw this.malformed(`unsupported wire type ${wire}`);
    }
  }

  /** Throws unless `tag` carries `wire`; decoders call it before reading a known field. */
  expect(tag: ProtoTag, wire: number): void {
    if (tag.wire !== wire) {
      throw this.malformed(`field ${tag.field} has wire type ${tag.wire}, expected ${wire}`);
    }
  }
}

/** protoio.MarshalDelimited: uvarint(len(msg)) || msg, as CometBFT signs votes. */
export function encodeDelimited(msg: Uint8Array): Uint8Array {
  const w = new ProtoWriter(msg.length + 5);
  w.rawVarint(msg.length).rawBytes(msg);
  return w.finish();
}

// ---- google.protobuf wrappers, as CometBFT's cdcEncode marshals header fields ----------------

/** gogotypes.StringValue{Value: s}; the empty string encodes to no bytes (cdcEncode's nil). */
export function encodeStringValue(s: string): Uint8Array {
  return new ProtoWriter(s.length + 8).string(1, s).finish();
}

/** gogotypes.Int64Value{Value: v}. */
export function encodeInt64Value(v: bigint): Uint8Array {
  return new ProtoWriter(16).int64(1, v).finish();
}

/** gogotypes.BytesValue{Value: b}. */
export function encodeBytesValue(b: Uint8Array): Uint8Array {
  return new ProtoWriter(b.length + 8).bytes(1, b).finish();
}

// ---- google.protobuf.Timestamp ---------------------------------------------------------------

export interface Timestamp {
  /** Seconds since 1970-01-01T00:00:00Z (negative before). */
  readonly seconds: bigint;
  /** [0, 999_999_999]. */
  readonly nanos: number;
}

/** 0001-01-01T00:00:00Z, Go's zero time.Time; CometBFT writes it for absent commit signatures. */
export const GO_ZERO_TIME: Timestamp = { seconds: -62_135_596_800n, nanos: 0 };
/** 10000-01-01T00:00:00Z, the exclusive upper bound gogoproto accepts. */
const TIMESTAMP_MAX_SECONDS = 253_402_300_800n;

/** The range check gogoproto's StdTimeMarshal applies; outside it CometBFT cannot hash or sign. */
export function checkTimestamp(ts: Timestamp, field = "timestamp"): void {
  if (
    typeof ts.seconds !== "bigint" ||
    ts.seconds < GO_ZERO_TIME.seconds ||
    ts.seconds >= TIMESTAMP_MAX_SECONDS
  ) {
    throw outOfRange(`${field}.seconds`, "within years 0001..9999", ts.seconds);
  }
  checkInt(ts.nanos, 0, 999_999_999, `${field}.nanos`);
}

/** Writes the body of a Timestamp message (for use inside `ProtoWriter.message`). */
export function writeTimestampBody(w: ProtoWriter, ts: Timestamp): void {
  checkTimestamp(ts);
  w.int64(1, ts.seconds).int32(2, ts.nanos);
}

/** gogotypes.StdTimeMarshal: the Timestamp message on its own. */
export function encodeTimestamp(ts: Timestamp): Uint8Array {
  const w = new ProtoWriter(16);
  writeTimestampBody(w, ts);
  return w.finish();
}

export function decodeTimestamp(r: ProtoReader): Timestamp {
  let seconds = 0n;
  let nanos = 0;
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) {
      r.expect(t, WireType.VARINT);
      seconds = r.int64();
    } else if (t.field === 2) {
      r.expect(t, WireType.VARINT);
      nanos = r.int32();
    } else {
      r.skip(t.wire);
    }
  }
  const ts = { seconds, nanos };
  try {
    checkTimestamp(ts);
  } catch (err) {
    throw new ConsortiaError(
      ProtobufErrors.PROTOBUF_MALFORMED,
      "Timestamp is outside years 0001..9999 or nanos outside [0, 1e9)",
      {},
      { cause: err },
    );
  }
  return ts;
}
