import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_AMOUNT } from "../../src/codec/schema.js";
import { isConsortiaError } from "../../src/errors.js";
import { AmountErrors, parseAmount } from "../../src/sdk/amount.js";

function rejects(text: string, condition: RegExp): void {
  assert.throws(
    () => parseAmount(text, "--amount"),
    (err: unknown) =>
      isConsortiaError(err, AmountErrors.AMOUNT_INVALID_PARAM) &&
      err.details.field === "--amount" &&
      condition.test(String(err.details.condition)) &&
      err.message.startsWith("--amount "),
    `should reject ${JSON.stringify(text)}`,
  );
}

test("plain decimal integers up to 2^128 - 1 are accepted exactly", () => {
  assert.equal(parseAmount("0", "--amount"), 0n);
  assert.equal(parseAmount("5000", "--amount"), 5000n);
  assert.equal(parseAmount(MAX_AMOUNT.toString(), "--amount"), MAX_AMOUNT);
  assert.equal(MAX_AMOUNT.toString().length, 39);
  assert.equal(parseAmount("100", "--fee", 100n), 100n);
});

test("floats, signs, exponents, separators and out-of-range values are refused with the flag named", () => {
  rejects("1.5", /decimal point/);
  rejects("1.", /decimal point/);
  rejects(".5", /decimal point/);
  rejects("-1", /negative/);
  rejects("-0", /negative/);
  rejects("1e3", /exponent/);
  rejects("1E+3", /exponent/);
  rejects("2.5e3", /exponent/);
  rejects((MAX_AMOUNT + 1n).toString(), /at most/);
  rejects("9".repeat(40), /decimal integer/);
  for (const s of ["", " 1", "1 ", "+1", "01", "0x10", "1_000", "1,000", "Infinity", "NaN", "١٢"]) {
    rejects(s, /decimal integer/);
  }
  assert.throws(() => parseAmount("101", "--fee", 100n), /--fee must be at most 100/);
});
