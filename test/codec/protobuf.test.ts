import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import fc from "fast-check";
import {
  decodeTimestamp,
  encodeBytesValue,
  encodeDelimited,
  encodeInt64Value,
  encodeStringValue,
  encodeTimestamp,
  GO_ZERO_TIME,
  ProtoReader,
  ProtoWriter,
  WireType,
} from "../../src/codec/protobuf.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const codeIs = (code: string) => (err: unknown) => (err as { code?: string }).code === code;

test("varints match the protobuf spec examples", () => {
  assert.equal(hex(new ProtoWriter().uint32(1, 150).finish()), "089601");
  assert.equal(hex(new ProtoWriter().rawVarint(300).finish()), "ac02");
  assert.equal(hex(new ProtoWriter().rawVarint(0x7f).finish()), "7f");
  assert.equal(hex(new ProtoWriter().rawVarint(0x80).finish()), "8001");
  assert.equal(hex(new ProtoWriter().rawVarint(2 ** 53 - 1).finish()), "ffffffffffffff0f");
  assert.equal(hex(new ProtoWriter().rawVarint64((1n << 64n) - 1n).finish()), "ffffffffffffffffff01");
  assert.equal(hex(new ProtoWriter().rawVarint64(0xffff_ffffn).finish()), "ffffffff0f");
  assert.equal(hex(new ProtoWriter().rawVarint64(1n << 35n).finish()), "8080808080" + "01");
});

test("negative int64/int32 are 10-byte two's complement; proto3 zeros are omitted", () => {
  assert.equal(hex(new ProtoWriter().int64(1, -1n).finish()), "08ffffffffffffffffff01");
  assert.equal(hex(new ProtoWriter().int32(1, -1).finish()), "08ffffffffffffffffff01");
  assert.equal(
    hex(new ProtoWriter().int64(3, 0n).uint32(1, 0).bytes(2, new Uint8Array()).string(4, "").finish()),
    "",
  );
  assert.equal(hex(new ProtoWriter().bool(1, false).sfixed64(2, 0n).fixed64(3, 0n).enum(4, 0).finish()), "");
  assert.equal(hex(new ProtoWriter().bytesAlways(4, new Uint8Array()).finish()), "2200");
});

test("sfixed64/fixed64 are little-endian 8 bytes (CanonicalVote height/round)", () => {
  assert.equal(hex(new ProtoWriter().sfixed64(2, 1n).finish()), "110100000000000000");
  assert.equal(hex(new ProtoWriter().sfixed64(2, -2n).finish()), "11feffffffffffffff");
  assert.equal(hex(new ProtoWriter().fixed64(1, 0x0102030405060708n).finish()), "090807060504030201");
});

test("nested messages: empty ones are still written, long bodies get multi-byte lengths", () => {
  assert.equal(hex(new ProtoWriter().message(2, () => {}).finish()), "1200");
  const body = new Uint8Array(300).fill(7);
  const out = new ProtoWriter(4)
    .message(1, (m) => m.bytes(2, body))
    .uint32(3, 1)
    .finish();
  // 0a, len(303)=af02, 12, len(300)=ac02, body, 18 01
  assert.equal(hex(out.subarray(0, 5)), "0aaf0212ac");
  assert.equal(out.length, 1 + 2 + 1 + 2 + 300 + 2);
  assert.equal(hex(out.subarray(out.length - 2)), "1801");
  const r = new ProtoReader(out);
  const t = r.tag();
  assert.deepEqual(t, { field: 1, wire: WireType.LEN });
  const inner = r.message();
  assert.deepEqual(inner.tag(), { field: 2, wire: WireType.LEN });
  assert.deepEqual(inner.bytes(), body);
  assert.ok(inner.done);
  assert.deepEqual(r.tag(), { field: 3, wire: WireType.VARINT });
  assert.equal(r.uint32(), 1);
  assert.ok(r.done);
});

test("out-of-range values are refused, not wrapped", () => {
  assert.throws(() => new ProtoWriter().uint32(1, 2 ** 32), codeIs("PROTOBUF_OUT_OF_RANGE"));
  assert.throws(() => new ProtoWriter().uint32(1, -1), codeIs("PROTOBUF_OUT_OF_RANGE"));
  assert.throws(() => new ProtoWriter().int32(1, 2 ** 31), codeIs("PROTOBUF_OUT_OF_RANGE"));
  assert.throws(() => new ProtoWriter().int64(1, 1n << 63n), codeIs("PROTOBUF_OUT_OF_RANGE"));
  assert.throws(() => new ProtoWriter().uint64(1, -1n), codeIs("PROTOBUF_OUT_OF_RANGE"));
  assert.throws(
    () => encodeTimestamp({ seconds: GO_ZERO_TIME.seconds - 1n, nanos: 0 }),
    codeIs("PROTOBUF_OUT_OF_RANGE"),
  );
  assert.throws(
    () => encodeTimestamp({ seconds: 0n, nanos: 1_000_000_000 }),
    codeIs("PROTOBUF_OUT_OF_RANGE"),
  );
});

test("reader rejects truncated and malformed input with typed errors", () => {
  assert.throws(() => new ProtoReader(unhex("8080")).varint64(), codeIs("PROTOBUF_TRUNCATED"));
  const r1 = new ProtoReader(unhex("0a05abcd"));
  r1.tag();
  assert.throws(() => r1.bytes(), codeIs("PROTOBUF_TRUNCATED"));
  assert.throws(
    () => new ProtoReader(unhex("ffffffffffffffffffff01")).varint64(),
    codeIs("PROTOBUF_MALFORMED"),
  );
  assert.throws(
    () => new ProtoReader(unhex("ffffffffffffffffff02")).varint64(),
    codeIs("PROTOBUF_MALFORMED"),
  );
  assert.throws(() => new ProtoReader(unhex("00")).tag(), codeIs("PROTOBUF_MALFORMED"));
  const r2 = new ProtoReader(unhex("0801"));
  assert.throws(() => r2.expect(r2.tag(), WireType.LEN), codeIs("PROTOBUF_MALFORMED"));
  const r3 = new ProtoReader(unhex("0a02c328"));
  r3.tag();
  assert.throws(() => r3.string(), codeIs("PROTOBUF_MALFORMED"));
  const r4 = new ProtoReader(unhex("0b"));
  assert.throws(() => r4.skip(r4.tag().wire), codeIs("PROTOBUF_MALFORMED"));
});

test("skip() passes over every supported wire type", () => {
  const bytes = unhex(`08ff01` + `110102030405060708` + `1a03616263` + `2d01020304` + `3001`);
  const r = new ProtoReader(bytes);
  for (let i = 0; i < 4; i++) r.skip(r.tag().wire);
  const t = r.tag();
  assert.equal(t.field, 6);
  assert.equal(r.uint32(), 1);
  assert.ok(r.done);
});

test("gogoproto wrapper encodings used by cdcEncode", () => {
  assert.equal(hex(encodeStringValue("chainId")), "0a07636861696e4964");
  assert.equal(hex(encodeStringValue("")), "");
  assert.equal(hex(encodeInt64Value(3n)), "0803");
  assert.equal(hex(encodeInt64Value(0n)), "");
  assert.equal(hex(encodeBytesValue(unhex("abcd"))), "0a02abcd");
  assert.equal(hex(encodeBytesValue(new Uint8Array())), "");
  assert.equal(hex(encodeDelimited(unhex("0801"))), "020801");
});

test("Timestamp: Go's zero time is the 10-byte negative varint seen in CometBFT's vote vectors", () => {
  // From types/vote_test.go TestVoteSignBytesTestVectors: 0x2a, 0xb, <this>.
  assert.equal(hex(encodeTimestamp(GO_ZERO_TIME)), "088092b8c398feffffff01");
  assert.equal(hex(encodeTimestamp({ seconds: 0n, nanos: 0 })), "");
  assert.equal(hex(encodeTimestamp({ seconds: 1n, nanos: 5 })), "08011005");
  const ts = { seconds: 1_684_332_773n, nanos: 88_875_124 };
  assert.deepEqual(decodeTimestamp(new ProtoReader(encodeTimestamp(ts))), ts);
  assert.deepEqual(decodeTimestamp(new ProtoReader(encodeTimestamp(GO_ZERO_TIME))), GO_ZERO_TIME);
  const beforeYear1 = new ProtoWriter().int64(1, GO_ZERO_TIME.seconds - 1n).finish();
  assert.throws(() => decodeTimestamp(new ProtoReader(beforeYear1)), codeIs("PROTOBUF_MALFORMED"));
});

test("int64/uint64/sfixed64/uint32/int32 round-trip through writer and reader", () => {
  fc.assert(
    fc.property(
      fc.bigInt(-(1n << 63n), (1n << 63n) - 1n),
      fc.bigInt(0n, (1n << 64n) - 1n),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.nat({ max: 0xffff_ffff }),
      fc.uint8Array({ maxLength: 200 }),
      (i64, u64, i32, u32, bytes) => {
        const out = new ProtoWriter(8)
          .int64(1, i64)
          .uint64(2, u64)
          .sfixed64(3, i64)
          .int32(4, i32)
          .uint32(5, u32)
          .bytes(6, bytes)
          .finish();
        const got = { i64: 0n, u64: 0n, s64: 0n, i32: 0, u32: 0, bytes: new Uint8Array() };
        const r = new ProtoReader(out);
        while (!r.done) {
          const t = r.tag();
          if (t.field === 1) got.i64 = r.int64();
          else if (t.field === 2) got.u64 = r.uint64();
          else if (t.field === 3) got.s64 = r.sfixed64();
          else if (t.field === 4) got.i32 = r.int32();
          else if (t.field === 5) got.u32 = r.uint32();
          else got.bytes = r.bytes().slice();
        }
        assert.deepEqual(got, { i64, u64, s64: i64, i32, u32, bytes });
      },
    ),
    { seed: 42, numRuns: 300 },
  );
});
