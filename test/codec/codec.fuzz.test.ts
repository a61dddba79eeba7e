import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { storedBlockCodec } from "../../src/codec/block.js";
import { type Codec, decode, encode } from "../../src/codec/schema.js";
import { signedTxCodec } from "../../src/codec/tx.js";
import { ConsortiaError } from "../../src/errors.js";
import { decodeHeader } from "../../src/ledger/header.js";
import { coinModule } from "../../src/modules/coin/module.js";
import { certificateCodec } from "../../src/modules/identity/certificate.js";
import { identityModule } from "../../src/modules/identity/module.js";
import { identityRecordCodec } from "../../src/modules/identity/state.js";
import { buildTransfer } from "../../src/sdk/tx.js";
import { testKey } from "../helpers/chain.js";

const RUNS = 10_000;
const SEED = 20261122;

/** Valid seed encodings to mutate, so the fuzzer reaches deep fields rather than failing at byte 0. */
const key = testKey("fuzz");
const validTx = buildTransfer(
  key.secretKey,
  { chainId: "fuzz-1", nonce: 7n, fee: 3n },
  new Uint8Array(20).fill(9),
  123n,
);

interface Target {
  readonly name: string;
  readonly decode: (b: Uint8Array) => unknown;
  /** Re-encodes a decoded value; when present, decode∘encode must be the identity on accepted input. */
  readonly reencode?: (v: unknown) => Uint8Array;
  readonly seeds: readonly Uint8Array[];
}

function codecTarget<T>(name: string, codec: Codec<T>, seeds: Uint8Array[]): Target {
  return {
    name,
    decode: (b) => decode(codec, b),
    reencode: (v) => encode(codec, v as T),
    seeds,
  };
}

const messageTargets: Target[] = [...identityModule.messages, ...coinModule.messages].map((m) =>
  codecTarget(`message ${m.type}`, m.codec, []),
);

const targets: Target[] = [
  codecTarget("signed tx", signedTxCodec, [validTx]),
  codecTarget("stored block", storedBlockCodec, [
    encode(storedBlockCodec, {
      height: 3n,
      hash: new Uint8Array(32).fill(1),
      timeMs: 99n,
      proposer: new Uint8Array(20).fill(2),
      appHash: new Uint8Array(32).fill(3),
      txs: [validTx],
      results: [
        {
          code: 0,
          errorCode: "",
          log: "",
          data: new Uint8Array(0),
          gasWanted: 10n,
          gasUsed: 5n,
          events: [{ type: "t", attributes: [{ key: "k", value: "v" }] }],
        },
      ],
      header: new Uint8Array(0),
    }),
  ]),
  codecTarget("certificate", certificateCodec, []),
  codecTarget("identity record", identityRecordCodec, []),
  { name: "block header (protobuf)", decode: decodeHeader, seeds: [] },
  ...messageTargets,
];

function mutate(seed: Uint8Array, ops: Array<[number, number, number]>): Uint8Array {
  let b = seed.slice();
  for (const [kind, pos, val] of ops) {
    const p = b.length === 0 ? 0 : pos % b.length;
    if (kind === 0 && b.length > 0)
      b[p] = val; // overwrite
    else if (kind === 1)
      b = b.subarray(0, p); // truncate
    else if (kind === 2)
      b = Uint8Array.from([...b.subarray(0, p), val, ...b.subarray(p)]); // insert
    else if (kind === 3 && b.length > 0) b = Uint8Array.from([...b.subarray(0, p), ...b.subarray(p + 1)]); // delete
  }
  return b;
}

function checkOne(t: Target, input: Uint8Array): void {
  let value: unknown;
  try {
    value = t.decode(input);
  } catch (err) {
    // The only acceptable failure is a typed error with a stable code.
    assert.ok(err instanceof ConsortiaError, `${t.name}: non-typed error ${String(err)}`);
    assert.match(err.code, /^[A-Z][A-Z0-9_]+$/);
    return;
  }
  if (t.reencode) {
    // Canonical: anything accepted re-encodes to exactly the same bytes.
    assert.deepEqual(
      Buffer.from(t.reencode(value)),
      Buffer.from(input),
      `${t.name}: non-canonical input accepted`,
    );
  }
}

for (const t of targets) {
  test(`fuzz: ${t.name} — ${RUNS} random and mutated inputs give a value or a typed error`, () => {
    const random = fc.uint8Array({ minLength: 0, maxLength: 300 });
    const op = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }));
    const mutated =
      t.seeds.length > 0
        ? fc
            .tuple(fc.constantFrom(...t.seeds), fc.array(op, { minLength: 1, maxLength: 4 }))
            .map(([s, ops]) => mutate(s, ops))
        : random;
    fc.assert(
      fc.property(fc.oneof(random, mutated), (input) => checkOne(t, input)),
      { numRuns: RUNS, seed: SEED },
    );
    for (const s of t.seeds) checkOne(t, s);
  });
}

test("non-canonical integers are refused, not normalised", () => {
  // nonce encoded as 0x87 0x00 (7 with a redundant zero group) instead of 0x07.
  const i = validTx.indexOf(7, 8);
  const bad = Uint8Array.from([...validTx.subarray(0, i), 0x87, 0x00, ...validTx.subarray(i + 1)]);
  assert.throws(
    () => decode(signedTxCodec, bad),
    (e: unknown) => e instanceof ConsortiaError && e.code === "CODEC_NON_CANONICAL",
  );
});

test("unknown version, truncation, trailing bytes and oversize are distinct typed errors", () => {
  const v2 = validTx.slice();
  v2[0] = 2;
  const codeOf = (f: () => unknown) => {
    try {
      f();
      return "none";
    } catch (e) {
      return e instanceof ConsortiaError ? e.code : "untyped";
    }
  };
  assert.equal(
    codeOf(() => decode(signedTxCodec, v2)),
    "CODEC_UNKNOWN_VERSION",
  );
  assert.equal(
    codeOf(() => decode(signedTxCodec, validTx.subarray(0, validTx.length - 1))),
    "CODEC_TRUNCATED",
  );
  assert.equal(
    codeOf(() => decode(signedTxCodec, Uint8Array.from([...validTx, 0]))),
    "CODEC_TRAILING_BYTES",
  );
  assert.equal(
    codeOf(() => decode(signedTxCodec, validTx, { maxBytes: 10 })),
    "CODEC_OVERSIZED",
  );
});
