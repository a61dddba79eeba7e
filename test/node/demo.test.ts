import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { startDemo } from "../../src/node/demo.js";

test("npm start scenario: register, pay, verify receipt, balances add up", async () => {
  const lines: string[] = [];
  const demo = await startDemo({ preset: "healthchain", basePort: 0, log: (l) => lines.push(l) });
  assert.equal(demo.nodes.length, 4, "npm start brings up a 4-validator consortium");
  try {
    assert.equal(demo.report.balances.patient, "750");
    assert.equal(demo.report.balances.doctor, "250");
    assert.equal(demo.report.receiptAnchor, "trusted-header-hash");
    assert.deepEqual(demo.ehr?.outcomes, {
      "doctorA-case1": "granted",
      "doctorB-case2": "granted",
      "doctorC-unauthorized": "EHR_DENIED",
      "doctorB-after-revoke": "EHR_DENIED",
    });
    assert.deepEqual(
      demo.ehr?.accessLog.map((e) => `${String(e.outcome)}/${String(e.reason)}`),
      ["granted/consent", "granted/consent", "denied/no-consent", "denied/no-consent"],
      "the patient's access log shows every access, granted or denied",
    );
    assert.ok(
      lines.some((l) => l.startsWith("5/5")),
      "progress printed for every step",
    );
    const health = (await (await fetch(`${demo.nodes[0]!.apiUrl}/health`)).json()) as { status: string };
    assert.equal(health.status, "ok");
  } finally {
    await demo.stop();
    rmSync(demo.out, { recursive: true, force: true });
  }
});
