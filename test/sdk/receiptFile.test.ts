import assert from "node:assert/strict";
import { test } from "node:test";
import { isConsortiaError } from "../../src/errors.js";
import { buildReceipt, ReceiptErrors } from "../../src/ledger/receipt.js";
import { formatReceiptFile, verifyReceiptText } from "../../src/sdk/receiptFile.js";
import { makeBlock } from "../ledger/helpers.js";

const txs = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];
const block = makeBlock({ txs });
const receipt = buildReceipt({
  header: block.header,
  txs,
  txIndex: 1,
  result: { code: 0 },
  commit: block.commit,
  validators: block.validators,
});

test("a saved receipt file verifies; text that is not JSON or not a receipt is RECEIPT_MALFORMED", () => {
  const text = formatReceiptFile(receipt);
  assert.ok(text.endsWith("}\n"));
  const v = verifyReceiptText(text);
  assert.equal(v.height, block.header.height);
  assert.equal(v.commitVerified, true);
  for (const bad of ["{", "", "[]", JSON.stringify({ ...receipt, format: "other" })]) {
    assert.throws(
      () => verifyReceiptText(bad),
      (e: unknown) => isConsortiaError(e, ReceiptErrors.RECEIPT_MALFORMED),
    );
  }
});
