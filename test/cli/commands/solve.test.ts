import assert from "node:assert/strict";
import { test } from "node:test";
import { isConsortiaError } from "../../../src/errors.js";
import { parseNumberFlag } from "../../../src/sim/params.js";
import { cliAll, jsonOf } from "../helpers.js";

test("numeric flags: strict parsing with the flag named in the error", () => {
  assert.equal(parseNumberFlag("--alpha", "1e3"), 1000);
  assert.equal(parseNumberFlag("--alpha", " -2.5 "), -2.5);
  for (const bad of ["", "abc", "3abc", "0x10", "NaN", "Infinity", "1e999", "1,5"]) {
    assert.throws(
      () => parseNumberFlag("--alpha", bad),
      (e: unknown) => isConsortiaError(e, "SIM_INVALID_PARAM") && e.details.param === "--alpha",
      bad,
    );
  }
  assert.throws(
    () => parseNumberFlag("--seed", "1.5", { integer: true }),
    (e: unknown) => isConsortiaError(e),
  );
});

test("consortia solve data-price / loan print one JSON object; bad input exits 2 with a typed error", async () => {
  const dp = ["solve", "data-price", "--alpha", "10500", "--d-min", "1100", "--c", "550", "--gamma", "10"];
  const loan = [
    "solve",
    "loan",
    "--repay-ability",
    "0.8",
    "--d",
    "20200",
    "--t",
    "5",
    "--eta",
    "3.5",
    "--q-min",
    "1000",
  ];
  const loanRest = [
    "--price",
    "1",
    "--theta",
    "2250",
    "--credit-factor",
    "0.5",
    "--unit-cost",
    "0.15",
    "--alpha-max",
    "17.5",
  ];
  const [ok, okLoan, badAlpha, badText] = await cliAll([
    [...dp, "--price-min", "10", "--price-max", "1000", "--json"],
    [...loan, ...loanRest, "--json"],
    [
      "solve",
      "data-price",
      "--alpha",
      "0",
      "--d-min",
      "1",
      "--c",
      "1",
      "--gamma",
      "0",
      "--price-min",
      "1",
      "--price-max",
      "2",
      "--json",
    ],
    [...dp, "--price-min", "ten", "--price-max", "1000", "--json"],
  ]);
  assert.equal(ok?.code, 0, ok?.stderr);
  const o = ok ? jsonOf(ok) : {};
  assert.equal(o.price, 1000);
  assert.equal(o.demand, 1100);
  assert.equal(o.provider_utility, 1089000);
  assert.equal(okLoan?.code, 0, okLoan?.stderr);
  const l = okLoan ? jsonOf(okLoan) : {};
  for (const k of ["penalty_rate", "interest_rate", "loan", "bank_utility", "borrower_utility"]) {
    assert.equal(typeof l[k], "number", k);
  }
  assert.ok(Math.abs(Number(l.interest_rate) - Number(l.penalty_rate) / 17.5) < 1e-12);
  assert.equal(badAlpha?.code, 2);
  const e1 = badAlpha ? (jsonOf(badAlpha).error as { code: string; details: { param: string } }) : undefined;
  assert.equal(e1?.code, "ECON_INVALID_PARAM");
  assert.equal(e1?.details.param, "alpha");
  assert.equal(badText?.code, 2);
  const e2 = badText ? (jsonOf(badText).error as { code: string; details: { param: string } }) : undefined;
  assert.equal(e2?.details.param, "--price-min");
});
