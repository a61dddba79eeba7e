import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesEqual, fromHex, sha256, sha256Concat, toHex } from "../../src/crypto/hash.js";
import { isConsortiaError } from "../../src/errors.js";

const enc = new TextEncoder();

test("sha256 matches FIPS 180-2 'abc' and empty-string digests", () => {
  assert.equal(
    toHex(sha256(enc.encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    toHex(sha256(new Uint8Array())),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

test("sha256 returns a plain Uint8Array, not a Buffer", () => {
  const d = sha256(enc.encode("x"));
  assert.equal(Object.getPrototypeOf(d), Uint8Array.prototype);
  assert.equal(d.byteLength, 32);
});

test("sha256Concat equals sha256 of the concatenation", () => {
  const a = enc.encode("consortia/");
  const b = new Uint8Array(1000).fill(7);
  const c = new Uint8Array();
  const joined = new Uint8Array([...a, ...b, ...c]);
  assert.deepEqual(sha256Concat(a, b, c), sha256(joined));
  assert.deepEqual(sha256Concat(), sha256(new Uint8Array()));
});

test("toHex/fromHex roundtrip on subarray views", () => {
  const buf = Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 255);
  const view = buf.subarray(3, 19);
  const hex = toHex(view);
  assert.equal(hex.length, 32);
  assert.deepEqual(fromHex(hex), new Uint8Array(view));
  assert.deepEqual(fromHex(""), new Uint8Array());
});

test("fromHex rejects odd length, uppercase, non-hex and wrong length with CRYPTO_BAD_HEX", () => {
  for (const bad of ["abc", "AB", "0g", "zz", " 00", "00 ", "0x00"]) {
    assert.throws(
      () => fromHex(bad, { field: "probe" }),
      (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_HEX") && e.message.includes("probe"),
      bad,
    );
  }
  assert.throws(
    () => fromHex("0011", { bytes: 3, field: "key" }),
    (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_HEX") && e.details.expectedBytes === 3,
  );
  assert.throws(
    () => fromHex(17 as unknown as string),
    (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_HEX"),
  );
  assert.deepEqual(fromHex("00ff", { bytes: 2 }), Uint8Array.of(0, 255));
});

test("bytesEqual compares content and length", () => {
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)), false);
});
