import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const driver = fileURLToPath(new URL("./contractMenuDriver.ts", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", driver, "solve", "contract-menu", ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PAPER = [
  "--owners",
  "500",
  "--alpha-min",
  "0",
  "--alpha-max",
  "1",
  "--u-max",
  "10",
  "--w-p",
  "0.3",
  "--w-s",
  "6.5",
];

test("solve contract-menu --json prints the menu with snake_case keys", () => {
  const r = run([...PAPER, "--u-req", "4000", "--points", "5", "--json", "--payment-decimals", "6"]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const k of ["alpha", "pi", "payment", "owner_payoff", "uc_payoff"]) {
    assert.ok(Array.isArray(out[k]) && (out[k] as unknown[]).length === 5, k);
  }
  assert.deepEqual(out.alpha, [0, 0.25, 0.5, 0.75, 1]);
  assert.ok(Math.abs((out.uc_payoff_total as number) - 6025.134947988944) < 1e-6);
  assert.equal(out.method, "numeric");
  assert.equal((out.payment_units as string[])[0], "2400000");
});

test("solve contract-menu: non-numeric flags and out-of-domain values are typed errors (exit 2)", () => {
  const bad = run([...PAPER, "--u-req", "lots", "--points", "5", "--json"]);
  assert.equal(bad.status, 2);
  const e = JSON.parse(bad.stdout) as { error: { code: string; details: { param: string } } };
  assert.equal(e.error.code, "SIM_INVALID_PARAM");
  assert.equal(e.error.details.param, "--u-req");
  const dom = run([...PAPER, "--u-req", "6000", "--points", "5", "--json"]);
  assert.equal(dom.status, 2);
  const d = JSON.parse(dom.stdout) as { error: { code: string; details: { param: string } } };
  assert.equal(d.error.code, "ECON_INVALID_PARAM");
  assert.equal(d.error.details.param, "u_req");
  assert.doesNotMatch(dom.stdout, /NaN|Infinity/);
});
