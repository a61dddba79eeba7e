import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "node:test";
import { headerHash, txHash } from "../../src/ledger/header.js";
import { buildReceipt, parseReceipt, type Receipt, verifyReceipt } from "../../src/ledger/receipt.js";
import { CHAIN_ID, expectCode, makeBlock, sha } from "./helpers.js";

const txs = Array.from({ length: 11 }, (_, i) => new Uint8Array(Buffer.from(`tx-${i}-${"x".repeat(i)}`)));
const block = makeBlock({ txs, votes: ["commit", "commit", "commit", "absent"] });
const result = {
  code: 0,
  log: "ok",
  events: [{ type: "transfer", attributes: [{ key: "amount", value: "5" }] }],
};

function receipt(txIndex = 6): Receipt {
  const r = buildReceipt({
    header: block.header,
    txs,
    txIndex,
    result,
    commit: block.commit,
    validators: block.validators,
  });
  // Through text, as it would come from a file.
  return JSON.parse(JSON.stringify(r)) as Receipt;
}

const HEX = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();

function flipHex(s: string, at = 0): string {
  const b = Buffer.from(s, "hex");
  b[at]! ^= 0x01;
  return b.toString("hex").toUpperCase();
}

test("a receipt for every tx of the block verifies; anchor depends on what the verifier trusts", () => {
  const blockHash = headerHash(block.header);
  for (let i = 0; i < txs.length; i++) {
    const r = receipt(i);
    const v = verifyReceipt(r);
    assert.deepEqual(v, {
      ok: true,
      height: 7n,
      txHash: HEX(txHash(txs[i]!)),
      blockHash: HEX(blockHash),
      commitVerified: true,
      anchor: "none",
    });
    assert.equal(parseReceipt(r).proof.index, i);
  }
  const r = receipt();
  assert.equal(verifyReceipt(r, { trustedHeaderHash: blockHash }).anchor, "trusted-header-hash");
  assert.equal(verifyReceipt(r, { trustedValidators: block.validators }).anchor, "trusted-validators");
  assert.equal(verifyReceipt(r, { chainId: CHAIN_ID }).ok, true);
  const { commit: _c, validators: _v, ...bare } = r;
  const v = verifyReceipt(bare, { trustedHeaderHash: blockHash });
  assert.equal(v.commitVerified, false);
  assert.equal(v.anchor, "trusted-header-hash");
});

test("receipt fields: tx and txHash are uppercase hex, lowercase is accepted too", () => {
  const r = receipt(3);
  assert.equal(r.tx, HEX(txs[3]!));
  assert.equal(r.txHash, HEX(txHash(txs[3]!)));
  assert.equal(r.height, "7");
  const lower = {
    ...r,
    tx: r.tx.toLowerCase(),
    txHash: r.txHash.toLowerCase(),
    proof: { ...r.proof, aunts: r.proof.aunts.map((a) => a.toLowerCase()) },
  };
  assert.equal(verifyReceipt(lower).txHash, r.txHash);
});

test("tampering: tx byte flipped -> RECEIPT_TX_HASH_MISMATCH", () => {
  const r = receipt();
  assert.throws(() => verifyReceipt({ ...r, tx: flipHex(r.tx, 2) }), expectCode("RECEIPT_TX_HASH_MISMATCH"));
  assert.throws(
    () => verifyReceipt({ ...r, txHash: flipHex(r.txHash) }),
    expectCode("RECEIPT_TX_HASH_MISMATCH"),
  );
});

test("tampering: a different tx with its own correct hash -> RECEIPT_PROOF_INVALID", () => {
  const r = receipt();
  const tx = Buffer.from("forged tx");
  const forged = { ...r, tx: tx.toString("hex"), txHash: Buffer.from(sha("forged tx")).toString("hex") };
  assert.throws(() => verifyReceipt(forged), expectCode("RECEIPT_PROOF_INVALID"));
});

test("tampering: proof aunt, leaf hash, index or total -> RECEIPT_PROOF_INVALID", () => {
  const r = receipt();
  for (let a = 0; a < r.proof.aunts.length; a++) {
    const aunts = r.proof.aunts.slice();
    aunts[a] = flipHex(aunts[a]!, 31);
    assert.throws(
      () => verifyReceipt({ ...r, proof: { ...r.proof, aunts } }),
      expectCode("RECEIPT_PROOF_INVALID"),
    );
  }
  assert.throws(
    () => verifyReceipt({ ...r, proof: { ...r.proof, leafHash: flipHex(r.proof.leafHash) } }),
    expectCode("RECEIPT_PROOF_INVALID"),
  );
  assert.throws(
    () => verifyReceipt({ ...r, proof: { ...r.proof, aunts: r.proof.aunts.slice(1) } }),
    expectCode("RECEIPT_PROOF_INVALID"),
  );
  assert.throws(
    () => verifyReceipt({ ...r, txIndex: 5, proof: { ...r.proof, index: 5 } }),
    expectCode("RECEIPT_PROOF_INVALID"),
  );
  assert.throws(() => verifyReceipt({ ...r, txIndex: 5 }), expectCode("RECEIPT_PROOF_INVALID"));
  assert.throws(
    () => verifyReceipt({ ...r, proof: { ...r.proof, total: 3 } }),
    expectCode("RECEIPT_PROOF_INVALID"),
  );
});

test("tampering: header fields", () => {
  const r = receipt();
  // data_hash no longer matches the proof.
  assert.throws(
    () => verifyReceipt({ ...r, header: { ...r.header, data_hash: flipHex(r.header.data_hash) } }),
    expectCode("RECEIPT_PROOF_INVALID"),
  );
  // Any other field changes the block hash: the commit no longer signs it...
  const appHash = { ...r, header: { ...r.header, app_hash: flipHex(r.header.app_hash, 5) } };
  assert.throws(() => verifyReceipt(appHash), expectCode("COMMIT_WRONG_BLOCK"));
  // ...and without a commit, a trusted block hash catches it.
  const { commit: _c, validators: _v, ...bare } = appHash;
  assert.throws(
    () => verifyReceipt(bare, { trustedHeaderHash: headerHash(block.header) }),
    expectCode("RECEIPT_HEADER_MISMATCH"),
  );
  const time = { ...r, header: { ...r.header, time: "2023-11-14T22:13:20.123456788Z" } };
  assert.throws(() => verifyReceipt(time), expectCode("COMMIT_WRONG_BLOCK"));
  assert.throws(() => verifyReceipt({ ...r, height: "8" }), expectCode("RECEIPT_HEADER_MISMATCH"));
  assert.throws(() => verifyReceipt({ ...r, chainId: "other-chain" }), expectCode("RECEIPT_CHAIN_MISMATCH"));
  assert.throws(() => verifyReceipt(r, { chainId: "other-chain" }), expectCode("RECEIPT_CHAIN_MISMATCH"));
});

test("tampering: commit signature or validator set -> COMMIT_* codes", () => {
  const r = receipt();
  const commit = r.commit!;
  const sig = Buffer.from(commit.signatures[0]!.signature!, "base64");
  sig[10]! ^= 0x40;
  const signatures = [
    { ...commit.signatures[0]!, signature: sig.toString("base64") },
    ...commit.signatures.slice(1),
  ];
  assert.throws(
    () => verifyReceipt({ ...r, commit: { ...commit, signatures } }),
    expectCode("COMMIT_BAD_SIGNATURE"),
  );
  // Dropping a signer below 2/3.
  const dropped = commit.signatures.map((s, i) =>
    i === 2
      ? { block_id_flag: 1, validator_address: "", timestamp: "0001-01-01T00:00:00Z", signature: null }
      : s,
  );
  assert.throws(
    () => verifyReceipt({ ...r, commit: { ...commit, signatures: dropped } }),
    expectCode("COMMIT_INSUFFICIENT_POWER"),
  );
  // A self-made validator set that does not hash to validators_hash.
  const other = makeBlock({ txs: [], powers: [1n, 1n, 1n, 1n] });
  assert.throws(
    () => verifyReceipt(r, { trustedValidators: other.validators }),
    expectCode("COMMIT_VALIDATORS_MISMATCH"),
  );
  const power = r.validators!.map((v, i) => (i === 0 ? { ...v, voting_power: "1000" } : v));
  assert.throws(() => verifyReceipt({ ...r, validators: power }), expectCode("COMMIT_VALIDATORS_MISMATCH"));
});

test("a forged chain (own keys, own header, own commit) passes only without a trust anchor", () => {
  const forged = makeBlock({ txs, powers: [5n, 5n, 5n, 5n] });
  const r = buildReceipt({
    header: forged.header,
    txs,
    txIndex: 0,
    result,
    commit: forged.commit,
    validators: forged.validators,
  });
  assert.equal(verifyReceipt(r).anchor, "none");
  assert.throws(
    () => verifyReceipt(r, { trustedValidators: block.validators }),
    expectCode("COMMIT_VALIDATORS_MISMATCH"),
  );
  assert.throws(
    () => verifyReceipt(r, { trustedHeaderHash: headerHash(block.header) }),
    expectCode("RECEIPT_HEADER_MISMATCH"),
  );
});

test("malformed receipts -> RECEIPT_MALFORMED naming the field", () => {
  const r = receipt();
  const { commit: _c, validators: _v, ...bare } = r;
  const cases: [unknown, string][] = [
    [null, ""],
    [{ ...r, format: "v0" }, "format"],
    [{ ...r, tx: "zz" }, "tx"],
    [{ ...r, txHash: "abcd" }, "txHash"],
    [{ ...r, height: 7 }, "height"],
    [{ ...r, txIndex: -1 }, "txIndex"],
    [{ ...r, proof: { ...r.proof, aunts: ["00"] } }, "proof.aunts[0]"],
    [{ ...r, header: { ...r.header, validators_hash: "" } }, ""],
    [{ ...r, header: { ...r.header, time: "yesterday" } }, "header.time"],
    [{ ...r, extra: 1 }, ""],
    [{ ...bare, commit: r.commit }, "validators"],
  ];
  for (const [input, path] of cases) {
    assert.throws(
      () => verifyReceipt(input),
      (err: unknown) => {
        const e = err as { code: string; details: { issues?: { path: string }[] } };
        assert.equal(e.code, "RECEIPT_MALFORMED", `case ${path}`);
        if (path !== "") assert.equal(e.details.issues?.[0]?.path, path);
        return true;
      },
    );
  }
  assert.throws(
    () => verifyReceipt(bare, { trustedValidators: block.validators }),
    expectCode("RECEIPT_COMMIT_MISSING"),
  );
});

test("buildReceipt refuses a tx list that is not the block's", () => {
  assert.throws(
    () => buildReceipt({ header: block.header, txs: txs.slice(1), txIndex: 0, result }),
    expectCode("RECEIPT_HEADER_MISMATCH"),
  );
  assert.throws(
    () => buildReceipt({ header: block.header, txs, txIndex: 11, result }),
    expectCode("RECEIPT_MALFORMED"),
  );
});
