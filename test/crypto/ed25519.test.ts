import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import {
  addressFromPublicKey,
  clearKeyCaches,
  configureKeyCaches,
  DEFAULT_PRIVATE_KEY_CACHE,
  DEFAULT_PUBLIC_KEY_CACHE,
  DOMAIN_BLOCK,
  DOMAIN_CERT,
  DOMAIN_REQUEST,
  DOMAIN_TX,
  domainMessage,
  formatAddress,
  generateKeyPair,
  keyCacheStats,
  keyPairFromSeed,
  parseAddress,
  signBytes,
  signWithDomain,
  verifyBytes,
  verifyWithDomain,
} from "../../src/crypto/ed25519.js";
import { fromHex, sha256, toHex } from "../../src/crypto/hash.js";
import { isConsortiaError } from "../../src/errors.js";

const enc = new TextEncoder();
const seedOf = (label: string): Uint8Array => sha256(enc.encode(label));

// RFC 8032 §7.1 "Test Vectors for Ed25519", TEST 1 and TEST 2
// (https://www.rfc-editor.org/rfc/rfc8032#section-7.1).
const RFC8032 = [
  {
    name: "TEST 1",
    secretKey: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    message: "",
    signature:
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  },
  {
    name: "TEST 2",
    secretKey: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    message: "72",
    signature:
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  },
];

for (const v of RFC8032) {
  test(`RFC 8032 ${v.name}: public key, signature and verification`, () => {
    const kp = keyPairFromSeed(fromHex(v.secretKey));
    assert.equal(toHex(kp.publicKey), v.publicKey);
    const sig = signBytes(kp.secretKey, fromHex(v.message));
    assert.equal(toHex(sig), v.signature);
    assert.equal(verifyBytes(kp.publicKey, fromHex(v.message), sig), true);
  });
}

test("sign/verify roundtrip; changed message, signature or key gives false", () => {
  const a = keyPairFromSeed(seedOf("alice"));
  const b = keyPairFromSeed(seedOf("bob"));
  const msg = enc.encode("transfer 10 to bob");
  const sig = signBytes(a.secretKey, msg);
  assert.equal(sig.byteLength, 64);
  assert.equal(verifyBytes(a.publicKey, msg, sig), true);
  assert.equal(verifyBytes(b.publicKey, msg, sig), false);
  assert.equal(verifyBytes(a.publicKey, enc.encode("transfer 11 to bob"), sig), false);
  for (const i of [0, 31, 32, 63]) {
    const bad = new Uint8Array(sig);
    bad[i] = (bad[i] ?? 0) ^ 1;
    assert.equal(verifyBytes(a.publicKey, msg, bad), false, `flip in byte ${i}`);
  }
  // Ed25519 is deterministic: same key and message, same signature.
  assert.deepEqual(signBytes(a.secretKey, msg), sig);
});

test("verification is strict: S + L (malleated signature) is rejected", () => {
  const kp = keyPairFromSeed(seedOf("malleability"));
  const msg = enc.encode("m");
  const sig = signBytes(kp.secretKey, msg);
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i] ?? 0);
  let t = s + L;
  const mall = new Uint8Array(sig);
  for (let i = 32; i < 64; i++) {
    mall[i] = Number(t & 255n);
    t >>= 8n;
  }
  assert.equal(verifyBytes(kp.publicKey, msg, mall), false);
});

test("malformed inputs never throw from verifyBytes/verifyWithDomain", () => {
  const kp = keyPairFromSeed(seedOf("m"));
  const msg = enc.encode("hello");
  const sig = signBytes(kp.secretKey, msg);
  const junk: unknown[] = [
    undefined,
    null,
    "00",
    42,
    [1, 2, 3],
    {},
    new Uint8Array(0),
    new Uint8Array(31),
    new Uint8Array(33),
    new Uint8Array(63),
    new Uint8Array(65),
    new Uint8Array(32).fill(0xff),
    new Uint8Array(64).fill(0xff),
  ];
  for (const j of junk) {
    assert.equal(verifyBytes(j as Uint8Array, msg, sig), false);
    assert.equal(verifyBytes(kp.publicKey, msg, j as Uint8Array), false);
    assert.equal(verifyBytes(kp.publicKey, j as Uint8Array, sig), false);
    assert.equal(verifyWithDomain(j as Uint8Array, DOMAIN_TX, msg, sig), false);
    assert.equal(verifyWithDomain(kp.publicKey, DOMAIN_TX, j as Uint8Array, sig), false);
    assert.equal(verifyWithDomain(kp.publicKey, DOMAIN_TX, msg, j as Uint8Array), false);
  }
  // Every 32-byte string tried as a public key: some are not curve points, none may throw.
  for (let i = 0; i < 64; i++) {
    const pk = sha256(Uint8Array.of(i));
    assert.equal(verifyBytes(pk, msg, sig), false);
  }
});

test("domain separation: wrong domain, missing domain and wrong chain id all fail", () => {
  const kp = keyPairFromSeed(seedOf("domains"));
  // The codec puts the chain id inside the signed message; model that here.
  const msgA = enc.encode('{"chainId":"consortia-a","nonce":1}');
  const msgB = enc.encode('{"chainId":"consortia-b","nonce":1}');
  const sig = signWithDomain(kp.secretKey, DOMAIN_TX, msgA);
  assert.equal(verifyWithDomain(kp.publicKey, DOMAIN_TX, msgA, sig), true);
  assert.equal(verifyWithDomain(kp.publicKey, DOMAIN_TX, msgB, sig), false);
  for (const d of [DOMAIN_CERT, DOMAIN_REQUEST, DOMAIN_BLOCK]) {
    assert.equal(verifyWithDomain(kp.publicKey, d, msgA, sig), false, d);
  }
  assert.equal(verifyBytes(kp.publicKey, msgA, sig), false);
  // The exact signed bytes are utf8(domain) || 0x00 || msg.
  const expected = new Uint8Array([...enc.encode(DOMAIN_TX), 0, ...msgA]);
  assert.deepEqual(domainMessage(DOMAIN_TX, msgA), expected);
  assert.equal(verifyBytes(kp.publicKey, expected, sig), true);
  // The 0x00 terminator stops a shorter domain from absorbing the tail of a longer one.
  const shifted = new Uint8Array([...enc.encode("1"), 0, ...msgA]);
  assert.equal(verifyWithDomain(kp.publicKey, "consortia/tx/v", shifted, sig), false);
});

test("domain constants and invalid domains", () => {
  assert.deepEqual(
    [DOMAIN_TX, DOMAIN_CERT, DOMAIN_REQUEST, DOMAIN_BLOCK],
    ["consortia/tx/v1", "consortia/cert/v1", "consortia/request/v1", "consortia/block/v1"],
  );
  const kp = keyPairFromSeed(seedOf("d"));
  for (const d of ["", "a\0b"]) {
    assert.throws(
      () => signWithDomain(kp.secretKey, d, new Uint8Array()),
      (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_ARGUMENT") && e.message.includes("domain"),
    );
  }
});

test("generateKeyPair uses the injected randomness; default randomness gives distinct keys", () => {
  const fixed = (n: number): Uint8Array => new Uint8Array(n).fill(7);
  const a = generateKeyPair(fixed);
  assert.deepEqual(a, keyPairFromSeed(new Uint8Array(32).fill(7)));
  assert.notDeepEqual(generateKeyPair().publicKey, generateKeyPair().publicKey);
  assert.throws(
    () => generateKeyPair((n) => new Uint8Array(n - 1)),
    (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_ARGUMENT"),
  );
});

test("bad secret keys throw CRYPTO_BAD_KEY naming the field", () => {
  for (const bad of [new Uint8Array(31), new Uint8Array(64), "x" as unknown as Uint8Array]) {
    assert.throws(
      () => signBytes(bad, new Uint8Array()),
      (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_KEY") && e.message.includes("secretKey"),
    );
    assert.throws(
      () => keyPairFromSeed(bad),
      (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_KEY"),
    );
  }
});

test("keyPairFromSeed copies the seed", () => {
  const seed = seedOf("copy");
  const kp = keyPairFromSeed(seed);
  seed.fill(0);
  assert.notDeepEqual(kp.secretKey, seed);
  assert.deepEqual(keyPairFromSeed(kp.secretKey).publicKey, kp.publicKey);
});

test("KeyObject caches are bounded LRUs and stay correct after eviction", () => {
  assert.equal(keyCacheStats().publicCapacity, DEFAULT_PUBLIC_KEY_CACHE);
  assert.equal(keyCacheStats().privateCapacity, DEFAULT_PRIVATE_KEY_CACHE);
  configureKeyCaches({ publicKeys: 8, privateKeys: 4 });
  clearKeyCaches();
  try {
    const msg = enc.encode("cache");
    const pairs = Array.from({ length: 20 }, (_, i) => keyPairFromSeed(seedOf(`cache-${i}`)));
    const sigs = pairs.map((p) => signBytes(p.secretKey, msg));
    assert.equal(keyCacheStats().privateKeys, 4);
    for (let i = 0; i < pairs.length; i++) {
      assert.equal(verifyBytes(pairs[i]?.publicKey as Uint8Array, msg, sigs[i] as Uint8Array), true);
    }
    assert.equal(keyCacheStats().publicKeys, 8);
    // The first keys were evicted; verifying them again rebuilds their KeyObjects.
    assert.equal(verifyBytes(pairs[0]?.publicKey as Uint8Array, msg, sigs[0] as Uint8Array), true);
    assert.equal(verifyBytes(pairs[0]?.publicKey as Uint8Array, msg, sigs[1] as Uint8Array), false);
    assert.equal(keyCacheStats().publicKeys, 8);
    // Capacity 0 disables caching without changing results.
    configureKeyCaches({ publicKeys: 0 });
    assert.equal(keyCacheStats().publicKeys, 0);
    assert.equal(verifyBytes(pairs[3]?.publicKey as Uint8Array, msg, sigs[3] as Uint8Array), true);
    assert.equal(keyCacheStats().publicKeys, 0);
  } finally {
    configureKeyCaches({ publicKeys: DEFAULT_PUBLIC_KEY_CACHE, privateKeys: DEFAULT_PRIVATE_KEY_CACHE });
  }
});

test("address = first 20 bytes of sha256(publicKey), 40 lowercase hex chars", () => {
  const pk = fromHex(RFC8032[0]?.publicKey ?? "");
  const addr = addressFromPublicKey(pk);
  const expected = createHash("sha256").update(pk).digest().subarray(0, 20).toString("hex");
  assert.equal(formatAddress(addr), expected);
  assert.equal(formatAddress(addr), "21fe31dfa154a261626bf854046fd2271b7bed4b");
  assert.deepEqual(parseAddress(expected), addr);
});

test("parseAddress/formatAddress/addressFromPublicKey reject malformed input with typed errors", () => {
  const good = "21fe31dfa154a261626bf854046fd2271b7bed4b";
  for (const bad of [
    good.toUpperCase(),
    `0x${good}`,
    good.slice(1),
    `${good}0`,
    "",
    `${good.slice(0, 39)}g`,
  ]) {
    assert.throws(
      () => parseAddress(bad, "to"),
      (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_ADDRESS") && e.message.includes("to"),
      bad,
    );
  }
  assert.throws(
    () => formatAddress(new Uint8Array(19)),
    (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_ADDRESS"),
  );
  assert.throws(
    () => addressFromPublicKey(new Uint8Array(33)),
    (e: unknown) => isConsortiaError(e, "CRYPTO_BAD_KEY"),
  );
});
