import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { formatRfc3339, parseRfc3339 } from "../../src/ledger/cometbft-json.js";
import {
  type BlockHeader,
  consensusParamsHash,
  dataHash,
  decodeHeader,
  encodeHeader,
  type HeaderJson,
  headerHash,
  headerHashLeaves,
  headerToJson,
  parseHeaderJson,
  resultLeaf,
  resultsHash,
  txHash,
  validateHeader,
  validatorSetHash,
} from "../../src/ledger/header.js";
import { merkleRoot } from "../../src/ledger/merkle.js";
import { expectCode, sha } from "./helpers.js";

const HEX = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();

interface Fixture {
  chain_id: string;
  genesis_validators: { address: string; pub_key: { value: string }; power: string }[];
  block_metas: { block_id: { hash: string; parts: { total: number; hash: string } }; header: HeaderJson }[];
}
const fx = JSON.parse(
  readFileSync(new URL("./fixtures/cometbft-v0.38-kvstore.json", import.meta.url), "utf8"),
) as Fixture;

/** types/block_test.go TestHeaderHash "Generates expected hash". */
function goVectorHeader(): BlockHeader {
  return {
    version: { block: 1n, app: 2n },
    chainId: "chainId",
    height: 3n,
    time: parseRfc3339("2019-10-13T16:14:44Z")!,
    lastBlockId: { hash: new Uint8Array(32), partSetHeader: { total: 6, hash: new Uint8Array(32) } },
    lastCommitHash: sha("last_commit_hash"),
    dataHash: sha("data_hash"),
    validatorsHash: sha("validators_hash"),
    nextValidatorsHash: sha("next_validators_hash"),
    consensusHash: sha("consensus_hash"),
    appHash: sha("app_hash"),
    lastResultsHash: sha("last_results_hash"),
    evidenceHash: sha("evidence_hash"),
    proposerAddress: sha("proposer_address").subarray(0, 20),
  };
}

test("types/block_test.go TestHeaderHash: expected hash F740121F…", () => {
  const h = goVectorHeader();
  assert.equal(HEX(headerHash(h)), "F740121F553B5418C3EFBD343C2DBFE9E007BB67B0D020A0741374BAB65242A4");
  assert.equal(HEX(merkleRoot(headerHashLeaves(h))), HEX(headerHash(h)));
  // "nil ValidatorsHash yields nil": CometBFT returns nil, we refuse.
  assert.throws(() => headerHash({ ...h, validatorsHash: new Uint8Array() }), expectCode("HEADER_INVALID"));
});

test("every field changes the header hash", () => {
  const h = goVectorHeader();
  const base = HEX(headerHash(h));
  const variants: Partial<BlockHeader>[] = [
    { version: { block: 11n, app: 2n } },
    { version: { block: 1n, app: 3n } },
    { chainId: "chainId2" },
    { height: 4n },
    { time: { ...h.time, nanos: 1 } },
    { lastBlockId: { ...h.lastBlockId, partSetHeader: { total: 7, hash: new Uint8Array(32) } } },
    { lastCommitHash: sha("x") },
    { dataHash: sha("x") },
    { validatorsHash: sha("x") },
    { nextValidatorsHash: sha("x") },
    { consensusHash: sha("x") },
    { appHash: sha("x") },
    { lastResultsHash: sha("x") },
    { evidenceHash: sha("x") },
    { proposerAddress: sha("x").subarray(0, 20) },
  ];
  const seen = new Set([base]);
  for (const v of variants) seen.add(HEX(headerHash({ ...h, ...v })));
  assert.equal(seen.size, variants.length + 1);
});

test("headers 1..10 of a real CometBFT v0.38 chain hash to their block ids and chain together", () => {
  assert.equal(fx.block_metas.length, 10);
  const byHeight = new Map<bigint, { id: string; header: BlockHeader }>();
  for (const m of fx.block_metas) {
    const header = parseHeaderJson(m.header);
    assert.equal(HEX(headerHash(header)), m.block_id.hash, `height ${header.height}`);
    byHeight.set(header.height, { id: m.block_id.hash, header });
    // headerToJson reproduces CometBFT's JSON exactly (same values; key order is Go's struct order).
    assert.deepEqual(headerToJson(header), m.header);
    assert.deepEqual(decodeHeader(encodeHeader(header)), header);
  }
  for (let h = 2n; h <= 10n; h++) {
    assert.equal(HEX(byHeight.get(h)!.header.lastBlockId.hash), byHeight.get(h - 1n)!.id);
  }
  const first = byHeight.get(1n)!.header;
  assert.equal(first.lastBlockId.hash.length, 0);
  assert.equal(first.lastBlockId.partSetHeader.total, 0);
});

test("validatorSetHash matches the chain's validators_hash; empty set is sha256('')", () => {
  const v = fx.genesis_validators[0]!;
  const pubKey = new Uint8Array(Buffer.from(v.pub_key.value, "base64"));
  const header = parseHeaderJson(fx.block_metas[0]!.header);
  assert.equal(HEX(validatorSetHash([{ pubKey, power: BigInt(v.power) }])), HEX(header.validatorsHash));
  assert.equal(HEX(validatorSetHash([])), "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
  assert.throws(
    () => validatorSetHash([{ pubKey: pubKey.subarray(1), power: 1n }]),
    expectCode("HEADER_INVALID"),
  );
});

test("consensusParamsHash matches the chain's consensus_hash (max_bytes 22020096, max_gas -1)", () => {
  const header = parseHeaderJson(fx.block_metas[0]!.header);
  assert.equal(
    HEX(consensusParamsHash({ blockMaxBytes: 22_020_096n, blockMaxGas: -1n })),
    HEX(header.consensusHash),
  );
});

test("dataHash: leaves are tx hashes (vector from /tx_search of a v0.38 node)", () => {
  assert.equal(HEX(dataHash([])), "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
  const tx = Buffer.from("async-key=value");
  assert.equal(HEX(txHash(tx)), "9F28904F9C0F3AB74A81CBA48E39124DA1C680B47FBFCBA0126870DB722BCC30");
  assert.equal(HEX(dataHash([tx])), "3081F9915040D138B3AD7F895732D2767C29E85BA5D84388D04E17A5D8262B7A");
  const txs = [Buffer.from("a"), Buffer.from("b"), Buffer.from("c")];
  assert.deepEqual(dataHash(txs), merkleRoot(txs.map(txHash)));
});

test("resultsHash: deterministic ExecTxResult fields only (types/results_test.go)", () => {
  const empty = new Uint8Array();
  // Code 0 with nil or empty data marshal to nothing.
  assert.equal(resultLeaf({ code: 0, data: empty, gasWanted: 0n, gasUsed: 0n }).length, 0);
  // One successful empty result: the last_results_hash CometBFT v0.37 wrote after a kvstore tx.
  assert.equal(
    HEX(resultsHash([{ code: 0, data: empty, gasWanted: 0n, gasUsed: 0n }])),
    "6E340B9CFFB37A989CA544E6BB780A2C78901D3FB33738768511A30617AFA01D",
  );
  assert.equal(
    Buffer.from(resultLeaf({ code: 14, data: Buffer.from("foo"), gasWanted: 5n, gasUsed: -1n })).toString(
      "hex",
    ),
    "080e1203666f6f" + "2805" + "30ffffffffffffffffff01",
  );
  const rs = [
    { code: 0, data: Buffer.from("one"), gasWanted: 0n, gasUsed: 0n },
    { code: 14, data: empty, gasWanted: 0n, gasUsed: 0n },
    { code: 14, data: Buffer.from("foo"), gasWanted: 0n, gasUsed: 0n },
    { code: 14, data: Buffer.from("bar"), gasWanted: 0n, gasUsed: 0n },
  ];
  assert.equal(new Set(rs.map((r) => HEX(resultLeaf(r)))).size, rs.length);
  assert.equal(HEX(resultsHash(rs)), HEX(merkleRoot(rs.map(resultLeaf))));
});

test("encodeHeader: MaxHeaderBytes (626) for the largest header, as types/block_test.go", () => {
  const MAX = (1n << 63n) - 1n;
  const h: BlockHeader = {
    ...goVectorHeader(),
    version: { block: MAX, app: MAX },
    chainId: "\u{2070E}".repeat(50),
    height: MAX,
    // Any negative seconds is a 10-byte varint; the largest nanos is 5 bytes.
    time: { seconds: -62_135_596_800n, nanos: 999_999_999 },
    lastBlockId: {
      hash: new Uint8Array(32),
      partSetHeader: { total: 2 ** 31 - 1, hash: new Uint8Array(32) },
    },
  };
  assert.equal(encodeHeader(h).length, 626);
  assert.deepEqual(decodeHeader(encodeHeader(h)), h);
  assert.throws(() => validateHeader(h), expectCode("HEADER_INVALID")); // chain id is 200 UTF-8 bytes
});

test("validateHeader applies Header.ValidateBasic size rules", () => {
  const h = goVectorHeader();
  validateHeader(h);
  assert.throws(() => validateHeader({ ...h, height: 0n }), expectCode("HEADER_INVALID"));
  assert.throws(() => validateHeader({ ...h, dataHash: new Uint8Array(31) }), expectCode("HEADER_INVALID"));
  assert.throws(
    () => validateHeader({ ...h, proposerAddress: new Uint8Array(32) }),
    expectCode("HEADER_INVALID"),
  );
  validateHeader({ ...h, appHash: new Uint8Array(8) }); // app hash is free-form
});

test("parseHeaderJson: typed errors naming the field; lowercase hex accepted", () => {
  const j = fx.block_metas[0]!.header;
  const lower = { ...j, app_hash: j.app_hash.toLowerCase(), data_hash: j.data_hash.toLowerCase() };
  assert.deepEqual(parseHeaderJson(lower), parseHeaderJson(j));
  const bad: [unknown, string][] = [
    [{ ...j, data_hash: "ABCD" }, "data_hash"],
    [{ ...j, height: "0" }, "height"],
    [{ ...j, height: 10 }, "height"],
    [{ ...j, time: "2023-05-17T14:12:53+02:00" }, "time"],
    [{ ...j, time: "2023-02-30T00:00:00Z" }, "time"],
    [{ ...j, proposer_address: "00" }, "proposer_address"],
    [{ ...j, version: { block: "-1", app: "1" } }, "version.block"],
    [{ ...j, last_block_id: { hash: "", parts: { total: -1, hash: "" } } }, "last_block_id.parts.total"],
    [{ ...j, chain_id: "x".repeat(51) }, "chain_id"],
    [null, ""],
  ];
  for (const [input, path] of bad) {
    assert.throws(
      () => parseHeaderJson(input),
      (err: unknown) => {
        const e = err as { code: string; details: { issues: { path: string }[] } };
        assert.equal(e.code, "HEADER_JSON_INVALID");
        assert.equal(e.details.issues[0]!.path, path);
        return true;
      },
    );
  }
});

test("RFC 3339 times: Go RFC3339Nano formatting, calendar edge cases", () => {
  const cases = [
    "0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2023-05-17T14:12:53.088875124Z",
    "2023-05-17T14:12:53.5Z",
    "2024-02-29T23:59:59.000000001Z",
    "1969-12-31T23:59:59.999999999Z",
    "9999-12-31T23:59:59.999999999Z",
  ];
  for (const s of cases) assert.equal(formatRfc3339(parseRfc3339(s)!), s);
  assert.deepEqual(parseRfc3339("0001-01-01T00:00:00Z"), { seconds: -62_135_596_800n, nanos: 0 });
  assert.deepEqual(parseRfc3339("2019-10-13T16:14:44Z"), { seconds: 1_570_983_284n, nanos: 0 });
  assert.deepEqual(parseRfc3339("2023-05-17T14:12:53.5Z"), { seconds: 1_684_332_773n, nanos: 500_000_000 });
  for (const s of [
    "2023-02-29T00:00:00Z",
    "2023-13-01T00:00:00Z",
    "2023-01-01T24:00:00Z",
    "0000-01-01T00:00:00Z",
    "2023-01-01T00:00:00.Z",
  ]) {
    assert.equal(parseRfc3339(s), undefined, s);
  }
});
