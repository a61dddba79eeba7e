import assert from "node:assert/strict";
import { test } from "node:test";
import { CliErrors } from "../../src/cli/errors.js";
import { intListFlag, sizeFlag } from "../../src/cli/flags.js";
import { isConsortiaError } from "../../src/errors.js";

const bad = (flag: string) => (err: unknown) =>
  isConsortiaError(err, CliErrors.CLI_INVALID_PARAM) && err.details.flag === flag;

test("intListFlag parses comma-separated integers in range and names the flag when refusing", () => {
  assert.deepEqual(intListFlag("2,4,6,8,10,12", "--users", 1, 1000), [2, 4, 6, 8, 10, 12]);
  assert.deepEqual(intListFlag("3", "--users", 1, 1000), [3]);
  assert.deepEqual(intListFlag("1, 2", "--users", 1, 1000), [1, 2]);
  for (const v of ["", ",", "2,,4", "2,x", "0", "1001", "-1", "2.5", "02"]) {
    assert.throws(() => intListFlag(v, "--users", 1, 1000), bad("--users"), v);
  }
  assert.throws(() => intListFlag("1,2,3", "--users", 1, 1000, 2), bad("--users"));
});

test("sizeFlag accepts bytes and binary units, refuses anything else", () => {
  assert.equal(sizeFlag("1MiB", "--size", 1, 2 ** 26), 1_048_576);
  assert.equal(sizeFlag("64KiB", "--size", 1, 2 ** 26), 65_536);
  assert.equal(sizeFlag("65536", "--size", 1, 2 ** 26), 65_536);
  assert.equal(sizeFlag("512B", "--size", 1, 2 ** 26), 512);
  for (const v of ["", "1MB", "1mib", "1.5MiB", "MiB", "0", "65MiB", "1 MiB", "01KiB"]) {
    assert.throws(() => sizeFlag(v, "--size", 1, 2 ** 26), bad("--size"), v);
  }
});
