import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  DOMAIN_TX,
  keyPairFromSeed,
  signWithDomain,
  verifyBytes,
  verifyWithDomain,
} from "../../src/crypto/ed25519.js";

const anyBytes = fc.uint8Array({ minLength: 0, maxLength: 80 });
const near = (len: number) => fc.oneof(fc.uint8Array({ minLength: len, maxLength: len }), anyBytes);

test("verifyBytes returns false and never throws on arbitrary bytes", () => {
  fc.assert(
    fc.property(near(32), anyBytes, near(64), (pk, msg, sig) => {
      const r = verifyBytes(pk, msg, sig);
      const d = verifyWithDomain(pk, DOMAIN_TX, msg, sig);
      return r === false && d === false;
    }),
    { seed: 20240601, numRuns: 300 },
  );
});

test("any single-bit change to message or signature invalidates it", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.nat(),
      fc.boolean(),
      (seed, msg, bit, inSig) => {
        const kp = keyPairFromSeed(seed);
        const sig = signWithDomain(kp.secretKey, DOMAIN_TX, msg);
        assert.equal(verifyWithDomain(kp.publicKey, DOMAIN_TX, msg, sig), true);
        const target = inSig ? new Uint8Array(sig) : new Uint8Array(msg);
        const i = bit % (target.byteLength * 8);
        target[i >> 3] = (target[i >> 3] ?? 0) ^ (1 << (i & 7));
        const ok = inSig
          ? verifyWithDomain(kp.publicKey, DOMAIN_TX, msg, target)
          : verifyWithDomain(kp.publicKey, DOMAIN_TX, target, sig);
        return ok === false;
      },
    ),
    { seed: 7, numRuns: 200 },
  );
});
