import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SCRYPT_INSECURE_FAST } from "../../src/crypto/keystore.js";
import { isConsortiaError } from "../../src/errors.js";
import { InitErrors, initNetwork } from "../../src/node/initNetwork.js";
import { PRESETS } from "../../src/node/presets.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-init-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  preset: PRESETS.spds,
  basePort: 30_000,
  password: "pw",
  scrypt: SCRYPT_INSECURE_FAST,
  nowMs: 1_790_000_000_000,
};

test("--force replaces a previous init's files and keeps anything else", async () => {
  const out = join(dir, "net");
  const first = await initNetwork({ ...base, out, validators: 3, force: false });
  assert.equal(first.chainId, "consortia-spds-1");
  writeFileSync(join(out, "README.txt"), "operator notes");
  await assert.rejects(initNetwork({ ...base, out, validators: 1, force: false }), (e: unknown) =>
    isConsortiaError(e, InitErrors.INIT_OUT_NOT_EMPTY_PARAM),
  );
  const second = await initNetwork({ ...base, out, validators: 1, force: true, chainId: "spds-2" });
  assert.equal(second.chainId, "spds-2");
  assert.deepEqual(readdirSync(out).sort(), ["README.txt", "ca", "genesis.json", "utility-0"]);
  assert.ok(!existsSync(join(out, "utility-2")), "stale node home of the old network removed");
  assert.notEqual(second.caPublicKey, first.caPublicKey);
});

test("ranges are checked before anything is written", async () => {
  const out = join(dir, "never");
  const invalid = (field: string) => (e: unknown) =>
    isConsortiaError(e, InitErrors.INIT_INVALID_PARAM) && e.details.field === field;
  await assert.rejects(initNetwork({ ...base, out, validators: 0, force: false }), invalid("validators"));
  await assert.rejects(initNetwork({ ...base, out, validators: 201, force: false }), invalid("validators"));
  await assert.rejects(
    initNetwork({ ...base, out, validators: 2, basePort: 65_535, force: false }),
    invalid("basePort"),
  );
  await assert.rejects(
    initNetwork({ ...base, out, validators: 1, chainId: "bad id", force: false }),
    invalid("chainId"),
  );
  assert.ok(!existsSync(out));
});
