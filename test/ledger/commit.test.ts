import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { GO_ZERO_TIME } from "../../src/codec/protobuf.js";
import { parseRfc3339 } from "../../src/ledger/cometbft-json.js";
import {
  BlockIdFlag,
  type Commit,
  type CommitJson,
  commitHash,
  commitToJson,
  decodeCommit,
  encodeCommit,
  parseCommitJson,
  parseSignedHeaderJson,
  parseValidatorsJson,
  SignedMsgType,
  validatorsToJson,
  verifyCommit,
  voteSignBytes,
} from "../../src/ledger/commit.js";
import { type BlockId, type HeaderJson, parseHeaderJson } from "../../src/ledger/header.js";
import { CHAIN_ID, expectCode, makeBlock, sha } from "./helpers.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const HEX = (b: Uint8Array) => hex(b).toUpperCase();

interface Fixture {
  chain_id: string;
  genesis_validators: unknown[];
  block_metas: { header: HeaderJson }[];
  commit_at_height_10: unknown;
  block_10_last_commit: CommitJson;
}
const fx = JSON.parse(
  readFileSync(new URL("./fixtures/cometbft-v0.38-kvstore.json", import.meta.url), "utf8"),
) as Fixture;
const headerAt = (h: number) =>
  parseHeaderJson(fx.block_metas.find((m) => m.header.height === String(h))!.header);

const ZERO_ID: BlockId = { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } };

test("types/vote_test.go TestVoteSignBytesTestVectors", () => {
  const base = { type: 0, height: 0n, round: 0, blockId: ZERO_ID, timestamp: GO_ZERO_TIME };
  const ts = "2a0b088092b8c398feffffff01";
  const hr = "110100000000000000190100000000000000";
  const cases: [string, typeof base, string][] = [
    ["", base, `0d${ts}`],
    ["", { ...base, height: 1n, round: 1, type: SignedMsgType.PRECOMMIT }, `210802${hr}${ts}`],
    ["", { ...base, height: 1n, round: 1, type: SignedMsgType.PREVOTE }, `210801${hr}${ts}`],
    ["", { ...base, height: 1n, round: 1 }, `1f${hr}${ts}`],
    ["test_chain_id", { ...base, height: 1n, round: 1 }, `2e${hr}${ts}320d746573745f636861696e5f6964`],
  ];
  for (const [chainId, vote, want] of cases) assert.equal(hex(voteSignBytes(chainId, vote)), want);
});

test("sign bytes include the canonical block id (hash + part set header) only for non-nil votes", () => {
  // examplePrecommit() of types/vote_test.go, field by field.
  const blockId: BlockId = {
    hash: sha("blockID_hash"),
    partSetHeader: { total: 1_000_000, hash: sha("blockID_part_set_header_hash") },
  };
  const vote = {
    type: SignedMsgType.PRECOMMIT,
    height: 12345n,
    round: 2,
    blockId,
    timestamp: parseRfc3339("2017-12-25T03:00:01.234Z")!,
  };
  const got = hex(voteSignBytes("test_chain_id", vote));
  const want =
    "0802" +
    "113930000000000000" +
    "190200000000000000" +
    `224a` +
    `0a20${hex(blockId.hash)}` +
    `1226` +
    `08c0843d` +
    `1220${hex(blockId.partSetHeader.hash)}` +
    "2a0b08b1d381d20510809dca6f" +
    "320d746573745f636861696e5f6964";
  assert.equal(got, (want.length / 2).toString(16) + want);
  const nilVote = hex(voteSignBytes("test_chain_id", { ...vote, blockId: ZERO_ID }));
  assert.ok(!nilVote.includes(hex(blockId.hash)));
});

test("real CometBFT v0.38 commits verify (heights 9 and 10, one validator of power 10)", () => {
  const validators = parseValidatorsJson(
    fx.genesis_validators.map((v) => ({ ...(v as object), voting_power: "10" })),
  );
  const { header, commit } = parseSignedHeaderJson(fx.commit_at_height_10);
  const r10 = verifyCommit({ chainId: fx.chain_id, header, commit, validators });
  assert.equal(HEX(r10.blockHash), "00ECDAC463C201ECD4BDBBAAE4A53A4C80291D4051FD69ED97F6420CE1388BFE");
  assert.equal(r10.signedPower, 10n);
  assert.equal(r10.totalPower, 10n);
  const c9 = parseCommitJson(fx.block_10_last_commit);
  verifyCommit({ chainId: fx.chain_id, header: headerAt(9), commit: c9, validators });
  // Commit.Hash of height 9's commit is height 10's last_commit_hash.
  assert.equal(HEX(commitHash(c9)), HEX(header.lastCommitHash));
  assert.deepEqual(commitToJson(c9), fx.block_10_last_commit);
  assert.deepEqual(decodeCommit(encodeCommit(c9)), c9);
  // The same signature does not verify for another chain id or a different timestamp.
  assert.throws(
    () => verifyCommit({ chainId: "other", header: { ...header, chainId: "other" }, commit, validators }),
    expectCode("COMMIT_WRONG_BLOCK"),
  );
  const sig = commit.signatures[0]!;
  const moved: Commit = {
    ...commit,
    signatures: [{ ...sig, timestamp: { ...sig.timestamp, nanos: sig.timestamp.nanos + 1 } }],
  };
  assert.throws(
    () => verifyCommit({ chainId: fx.chain_id, header, commit: moved, validators }),
    expectCode("COMMIT_BAD_SIGNATURE"),
  );
});

test("> 2/3 of voting power: 3 of 4 equal validators pass, 2 of 4 fail; nil and absent do not count", () => {
  const ok = makeBlock({ txs: [], votes: ["commit", "commit", "commit", "absent"] });
  const res = verifyCommit({
    chainId: CHAIN_ID,
    header: ok.header,
    commit: ok.commit,
    validators: ok.validators,
  });
  assert.equal(res.signedPower, 30n);
  assert.equal(res.totalPower, 40n);
  const withNil = makeBlock({ txs: [], votes: ["commit", "commit", "nil", "commit"] });
  verifyCommit({
    chainId: CHAIN_ID,
    header: withNil.header,
    commit: withNil.commit,
    validators: withNil.validators,
  });
  const short = makeBlock({ txs: [], votes: ["commit", "commit", "nil", "absent"] });
  assert.throws(
    () =>
      verifyCommit({
        chainId: CHAIN_ID,
        header: short.header,
        commit: short.commit,
        validators: short.validators,
      }),
    expectCode("COMMIT_INSUFFICIENT_POWER"),
  );
  // Exactly 2/3 is not enough: powers 2,1 of 3.
  const exact = makeBlock({ txs: [], powers: [2n, 1n], votes: ["commit", "absent"] });
  assert.throws(
    () =>
      verifyCommit({
        chainId: CHAIN_ID,
        header: exact.header,
        commit: exact.commit,
        validators: exact.validators,
      }),
    expectCode("COMMIT_INSUFFICIENT_POWER"),
  );
  const heavy = makeBlock({
    txs: [],
    powers: [7n, 1n, 1n, 1n],
    votes: ["commit", "absent", "absent", "absent"],
  });
  verifyCommit({
    chainId: CHAIN_ID,
    header: heavy.header,
    commit: heavy.commit,
    validators: heavy.validators,
  });
});

test("every present signature is checked, including nil votes", () => {
  const b = makeBlock({ txs: [], votes: ["commit", "commit", "commit", "nil"] });
  const sigs = b.commit.signatures.slice();
  const bad = sigs[3]!.signature.slice();
  bad[0]! ^= 1;
  sigs[3] = { ...sigs[3]!, signature: bad };
  assert.throws(
    () =>
      verifyCommit({
        chainId: CHAIN_ID,
        header: b.header,
        commit: { ...b.commit, signatures: sigs },
        validators: b.validators,
      }),
    (err: unknown) =>
      expectCode("COMMIT_BAD_SIGNATURE")(err) && (err as { details: { index: number } }).details.index === 3,
  );
});

test("typed failures: wrong chain, height, block, validator set, malformed signatures", () => {
  const b = makeBlock({ txs: [sha("tx")] });
  const args = { chainId: CHAIN_ID, header: b.header, commit: b.commit, validators: b.validators };
  verifyCommit(args);
  assert.throws(() => verifyCommit({ ...args, chainId: "x" }), expectCode("COMMIT_WRONG_CHAIN"));
  assert.throws(
    () => verifyCommit({ ...args, commit: { ...b.commit, height: 8n } }),
    expectCode("COMMIT_WRONG_HEIGHT"),
  );
  assert.throws(
    () => verifyCommit({ ...args, header: { ...b.header, appHash: sha("other") } }),
    expectCode("COMMIT_WRONG_BLOCK"),
  );
  const otherSet = makeBlock({ txs: [], powers: [10n, 10n, 10n, 11n] }).validators;
  assert.throws(
    () => verifyCommit({ ...args, validators: otherSet }),
    expectCode("COMMIT_VALIDATORS_MISMATCH"),
  );
  assert.throws(
    () => verifyCommit({ ...args, validators: [...b.validators].reverse() }),
    expectCode("COMMIT_VALIDATORS_MISMATCH"),
  );
  const forgedAddr = b.validators.map((v, i) => (i === 0 ? { ...v, address: new Uint8Array(20) } : v));
  assert.throws(
    () => verifyCommit({ ...args, validators: forgedAddr }),
    expectCode("COMMIT_VALIDATORS_MISMATCH"),
  );
  assert.throws(
    () => verifyCommit({ ...args, commit: { ...b.commit, signatures: b.commit.signatures.slice(1) } }),
    expectCode("COMMIT_VALIDATORS_MISMATCH"),
  );
  const swapped = [b.commit.signatures[1]!, b.commit.signatures[0]!, ...b.commit.signatures.slice(2)];
  assert.throws(
    () => verifyCommit({ ...args, commit: { ...b.commit, signatures: swapped } }),
    expectCode("COMMIT_VALIDATORS_MISMATCH"),
  );
  const absentWithSig = b.commit.signatures.map((s, i) =>
    i === 0 ? { ...s, blockIdFlag: BlockIdFlag.ABSENT } : s,
  );
  assert.throws(
    () => verifyCommit({ ...args, commit: { ...b.commit, signatures: absentWithSig } }),
    expectCode("COMMIT_MALFORMED"),
  );
  const noSig = b.commit.signatures.map((s, i) => (i === 0 ? { ...s, signature: new Uint8Array() } : s));
  assert.throws(
    () => verifyCommit({ ...args, commit: { ...b.commit, signatures: noSig } }),
    expectCode("COMMIT_MALFORMED"),
  );
  assert.throws(
    () => verifyCommit({ ...args, commit: { ...b.commit, round: -1 } }),
    expectCode("COMMIT_MALFORMED"),
  );
  // Signed for round 0; claiming round 1 breaks every signature.
  assert.throws(
    () => verifyCommit({ ...args, commit: { ...b.commit, round: 1 } }),
    expectCode("COMMIT_BAD_SIGNATURE"),
  );
});

test("commit and validator JSON round-trip in CometBFT RPC shape, with absent signatures", () => {
  const b = makeBlock({ txs: [], votes: ["commit", "absent", "commit", "commit"] });
  const j = commitToJson(b.commit);
  assert.deepEqual(j.signatures[1], {
    block_id_flag: 1,
    validator_address: "",
    timestamp: "0001-01-01T00:00:00Z",
    signature: null,
  });
  const back = parseCommitJson(JSON.parse(JSON.stringify(j)));
  assert.deepEqual(back, b.commit);
  assert.equal(HEX(commitHash(back)), HEX(commitHash(b.commit)));
  assert.deepEqual(decodeCommit(encodeCommit(b.commit)), b.commit);
  const vj = validatorsToJson(b.validators);
  assert.deepEqual(parseValidatorsJson(vj), b.validators);
  const envelope = {
    jsonrpc: "2.0",
    id: 1,
    result: { block_height: "7", validators: vj, count: "4", total: "4" },
  };
  assert.deepEqual(parseValidatorsJson(envelope), b.validators);
});

test("JSON parsers refuse bad input with typed errors", () => {
  const b = makeBlock({ txs: [] });
  const vj = validatorsToJson(b.validators);
  const page = { block_height: "7", validators: vj.slice(0, 2), count: "2", total: "4" };
  assert.throws(() => parseValidatorsJson(page), expectCode("VALIDATORS_JSON_INVALID"));
  assert.throws(
    () => parseValidatorsJson([{ ...vj[0]!, address: vj[1]!.address }]),
    expectCode("VALIDATORS_JSON_INVALID"),
  );
  assert.throws(
    () =>
      parseValidatorsJson([
        { ...vj[0]!, pub_key: { type: "tendermint/PubKeySecp256k1", value: vj[0]!.pub_key.value } },
      ]),
    expectCode("VALIDATORS_JSON_INVALID"),
  );
  assert.throws(
    () => parseValidatorsJson([{ ...vj[0]!, voting_power: 10 }]),
    expectCode("VALIDATORS_JSON_INVALID"),
  );
  const cj = commitToJson(b.commit);
  assert.throws(() => parseCommitJson({ ...cj, height: 7 }), expectCode("COMMIT_JSON_INVALID"));
  assert.throws(
    () => parseCommitJson({ ...cj, signatures: [{ ...cj.signatures[0]!, block_id_flag: 4 }] }),
    expectCode("COMMIT_JSON_INVALID"),
  );
  assert.throws(
    () => parseCommitJson({ ...cj, signatures: [{ ...cj.signatures[0]!, signature: "%%%" }] }),
    expectCode("COMMIT_JSON_INVALID"),
  );
  assert.throws(() => parseSignedHeaderJson({ result: {} }), expectCode("COMMIT_JSON_INVALID"));
});
