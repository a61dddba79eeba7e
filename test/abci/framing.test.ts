import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseListenAddress } from "../../src/abci/address.js";
import { encodeFrames, FrameDecoder } from "../../src/abci/framing.js";
import { isConsortiaError } from "../../src/errors.js";

test("frames are uvarint-length prefixed exactly as protoio writes them", () => {
  const big = new Uint8Array(300).fill(7);
  const out = encodeFrames([new Uint8Array([1, 2]), new Uint8Array(0), big]);
  // 300 = 0b1_0010_1100 → 0xac 0x02
  assert.deepEqual([...out.subarray(0, 6)], [2, 1, 2, 0, 0xac, 0x02]);
  assert.equal(out.length, 3 + 1 + 2 + 300);
});

test("any chunking of a frame stream yields the same frames", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
      (payloads, cuts) => {
        const stream = encodeFrames(payloads);
        const dec = new FrameDecoder(1000);
        const got: Uint8Array[] = [];
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          dec.push(stream.subarray(pos, pos + n), got);
          pos += n;
        }
        assert.deepEqual(
          got.map((g) => [...g]),
          payloads.map((p) => [...p]),
        );
        assert.equal(dec.pendingBytes, 0);
      },
    ),
    { seed: 1600, numRuns: 300 },
  );
});

test("a frame spanning many chunks is reassembled once, not per chunk", () => {
  const payload = new Uint8Array(200_000).map((_, i) => i % 251);
  const stream = encodeFrames([payload]);
  const dec = new FrameDecoder();
  const got: Uint8Array[] = [];
  for (let pos = 0; pos < stream.length; pos += 65_536) dec.push(stream.subarray(pos, pos + 65_536), got);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], payload);
});

test("oversized and overflowing length prefixes are refused; earlier frames survive", () => {
  const dec = new FrameDecoder(100);
  const got: Uint8Array[] = [];
  assert.throws(
    () => dec.push(new Uint8Array([1, 9, 101]), got),
    (e) => isConsortiaError(e, "ABCI_FRAME_TOO_LARGE"),
  );
  assert.deepEqual(
    got.map((g) => [...g]),
    [[9]],
  );
  const overflow = new Uint8Array(11).fill(0xff);
  assert.throws(
    () => new FrameDecoder().push(overflow, []),
    (e) => isConsortiaError(e, "ABCI_MALFORMED_FRAME"),
  );
  // Ten bytes whose last exceeds 1 overflow 64 bits (Go's binary.ReadUvarint refuses the same).
  const tenth = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02]);
  assert.throws(
    () => new FrameDecoder().push(tenth, []),
    (e) => isConsortiaError(e, "ABCI_MALFORMED_FRAME"),
  );
});

test("listen addresses: tcp loopback, unix; remote hosts need an explicit opt-in", () => {
  assert.deepEqual(parseListenAddress("tcp://127.0.0.1:26658"), {
    kind: "tcp",
    host: "127.0.0.1",
    port: 26658,
  });
  assert.deepEqual(parseListenAddress("tcp://[::1]:0"), { kind: "tcp", host: "::1", port: 0 });
  assert.deepEqual(parseListenAddress("unix:///tmp/app.sock"), { kind: "unix", path: "/tmp/app.sock" });
  for (const bad of [
    "127.0.0.1:26658",
    "tcp://127.0.0.1",
    "tcp://127.0.0.1:70000",
    "unix://",
    "http://x:1",
  ]) {
    assert.throws(
      () => parseListenAddress(bad),
      (e) => isConsortiaError(e, "ABCI_BAD_ADDRESS"),
      bad,
    );
  }
  assert.throws(
    () => parseListenAddress("tcp://0.0.0.0:26658"),
    (e) => isConsortiaError(e, "ABCI_BAD_ADDRESS"),
  );
  assert.equal(parseListenAddress("tcp://0.0.0.0:26658", true).kind, "tcp");
});
