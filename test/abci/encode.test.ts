import assert from "node:assert/strict";
import { test } from "node:test";
import { type Event, type ExecTxResult, Response } from "cosmjs-types/tendermint/abci/types";
import fc from "fast-check";
import { encodeResponse } from "../../src/abci/encode.js";
import { toHex } from "../../src/crypto/hash.js";

const str = fc.oneof(
  fc.constant(""),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 10 }),
);
const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const event: fc.Arbitrary<Event> = fc.record({
  type: str,
  attributes: fc.array(fc.record({ key: str, value: str, index: fc.boolean() }), { maxLength: 4 }),
});
const result: fc.Arbitrary<ExecTxResult> = fc.record({
  code: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff_ffff })),
  data: fc.uint8Array({ maxLength: 300 }),
  log: str,
  info: str,
  gasWanted: i64,
  gasUsed: i64,
  events: fc.array(event, { maxLength: 3 }),
  codespace: str,
});

test("the fast CheckTx/FinalizeBlock encoder emits exactly cosmjs-types' (gogoproto's) bytes", () => {
  fc.assert(
    fc.property(
      result,
      fc.array(result, { maxLength: 8 }),
      fc.array(event, { maxLength: 3 }),
      fc.array(fc.record({ key: fc.uint8Array({ minLength: 32, maxLength: 32 }), power: i64 }), {
        maxLength: 3,
      }),
      fc.uint8Array({ maxLength: 32 }),
      (check, txResults, events, vals, appHash) => {
        const c: Response = { checkTx: check };
        assert.equal(toHex(encodeResponse(c)), toHex(Response.encode(c).finish()));
        const f: Response = {
          finalizeBlock: {
            events,
            txResults,
            validatorUpdates: vals.map((v) => ({ pubKey: { ed25519: v.key }, power: v.power })),
            appHash,
          },
        };
        assert.equal(toHex(encodeResponse(f)), toHex(Response.encode(f).finish()));
      },
    ),
    { seed: 1601, numRuns: 300 },
  );
});

test("large bodies (multi-byte length prefixes) and other responses encode identically", () => {
  const big: Response = {
    finalizeBlock: {
      events: [],
      txResults: Array.from({ length: 600 }, (_, i) => ({
        code: i % 3,
        data: new Uint8Array(i % 200),
        log: "x".repeat(i % 150),
        info: "",
        gasWanted: 1000n,
        gasUsed: BigInt(i),
        events: [{ type: "tx", attributes: [{ key: "sender", value: "ab".repeat(20), index: true }] }],
        codespace: i % 3 ? "consortia" : "",
      })),
      validatorUpdates: [],
      appHash: new Uint8Array(32).fill(9),
    },
  };
  assert.equal(toHex(encodeResponse(big)), toHex(Response.encode(big).finish()));
  const info: Response = {
    info: {
      data: "consortia",
      version: "v",
      appVersion: 1n,
      lastBlockHeight: 7n,
      lastBlockAppHash: new Uint8Array(32),
    },
  };
  assert.equal(toHex(encodeResponse(info)), toHex(Response.encode(info).finish()));
});
