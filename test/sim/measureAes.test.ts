import assert from "node:assert/strict";
import { test } from "node:test";
import { measureAesGcm } from "../../src/sim/measureAes.js";

test("AES-256-GCM throughput measurement returns a positive finite median", () => {
  const m = measureAesGcm({ bufferBytes: 64 * 1024, rounds: 3, minRoundMs: 5 });
  assert.equal(m.samples.length, 3);
  assert.ok(Number.isFinite(m.bytesPerSecond) && m.bytesPerSecond > 1e5, String(m.bytesPerSecond));
  assert.ok(m.samples.includes(m.bytesPerSecond));
});
