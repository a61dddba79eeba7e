import assert from "node:assert/strict";
import { test } from "node:test";
import {
  evaluateContractMenu,
  linspace,
  ownerPayoffAt,
  paperPrintedMenu,
  paymentAt,
  piAt,
  solveContractMenu,
  solveContractModel,
  ucPayoffAt,
} from "../../src/economics/contractMenu.js";
import { solveContractMenuBrute } from "../../src/economics/contractMenuBrute.js";
import { isConsortiaError } from "../../src/errors.js";
import { createPrng } from "../../src/sim/prng.js";
import { relClose } from "./bruteForce.js";
import { maxMisreportGain, randomContractParams } from "./contractParams.js";

const PAPER = { owners: 500, alphaMin: 0, alphaMax: 1, uMax: 10, wP: 0.3, wS: 6.5, points: 23 };
const at = (f: number) => ({ ...PAPER, uReq: f * 500 * 10 });

test("paper parameters: closed form at u_req = 0.6, numeric multiplier at 0.7 and 0.8", () => {
  const m6 = solveContractMenu(at(0.6));
  const m7 = solveContractMenu(at(0.7));
  const m8 = solveContractMenu(at(0.8));
  assert.equal(m6.method, "closed-form");
  assert.equal(m7.method, "numeric");
  assert.equal(m8.method, "numeric");
  assert.equal(m6.closedFormValid, true);
  assert.equal(m7.closedFormValid, false);
  assert.equal(m8.closedFormValid, false);
  for (const [m, rho] of [
    [m6, 0.6],
    [m7, 0.7],
    [m8, 0.8],
  ] as const) {
    assert.ok(Math.abs(m.meanPi - rho) <= 1e-13, `E[π] = ${m.meanPi}`);
    assert.ok(m.pi.every((x) => x >= 0 && x <= 1));
    assert.ok(m.multiplier < 0, "requirement below the UC's free optimum: β < 0");
    assert.ok(relClose(m.ownerPayoff[m.ownerPayoff.length - 1] as number, 0, 1e-15), "IR binds at ᾱ");
  }
  // Lemma 1's Λ and the regions where π = 1.
  assert.ok(relClose(m6.lambda, Math.exp((0.6 / 6.5) * 7), 1e-15));
  assert.equal(m6.alphaFull, 0);
  assert.ok(m7.alphaFull > 0.07 && m7.alphaFull < 0.08, String(m7.alphaFull));
  assert.ok(m8.alphaFull > 0.27 && m8.alphaFull < 0.28, String(m8.alphaFull));
  assert.ok(m6.ucPayoffTotal < m7.ucPayoffTotal && m7.ucPayoffTotal < m8.ucPayoffTotal);
});

test("where Lemma 1 holds the solution equals the printed π̃ (31); the printed 𝔖* (32) does not", () => {
  const p = at(0.6);
  const m = solveContractModel(p);
  for (const a of linspace(0, 1, 57)) {
    const printed = paperPrintedMenu(p, a);
    assert.ok(relClose(piAt(m, a), printed.pi, 1e-12), `π at ${a}`);
    // Correct 𝔖*: (ϖ_s/2) ln[Λ(ᾱ − α̲)/((Λ − 1)α + ᾱ − Λα̲)] − ϖ_p(ᾱ − α).
    const L = m.lambda;
    const exact = (6.5 / 2) * Math.log(L / ((L - 1) * a + 1)) - 0.3 * (1 - a);
    assert.ok(relClose(ownerPayoffAt(m, a), exact, 1e-12), `𝔖 at ${a}`);
  }
  assert.ok(relClose(paperPrintedMenu(p, 1).ownerPayoff, -0.3, 1e-12), "printed (32) violates IR at ᾱ");
  // At u_req = 0.8 the printed (31) exceeds 1 at low types.
  assert.ok(paperPrintedMenu(at(0.8), 0).pi > 1.3);
});

test("agrees with the structure-blind brute force to 1e-6 relative on random parameters", () => {
  const r = createPrng(1150);
  let clamped = 0;
  for (let n = 0; n < 30; n++) {
    const p = randomContractParams(r, 9);
    const m = solveContractMenu(p);
    const b = solveContractMenuBrute(p);
    if (m.boundsActive) clamped++;
    const ctx = JSON.stringify(p);
    for (const k of ["pi", "payment", "ownerPayoff", "ucPayoff"] as const) {
      m[k].forEach((v, i) => {
        assert.ok(relClose(v, b[k][i] as number, 1e-6), `${k}[${i}] ${v} vs ${b[k][i]} for ${ctx}`);
      });
    }
    assert.ok(relClose(m.ucPayoffTotal, b.ucPayoffTotal, 1e-6), `uc total ${ctx}`);
    assert.ok(relClose(m.ownerPayoffTotal, b.ownerPayoffTotal, 1e-6), `owner total ${ctx}`);
    if (m.method !== "degenerate") assert.ok(relClose(m.multiplier, b.multiplier, 1e-6), `β ${ctx}`);
  }
  assert.ok(clamped >= 8, "the sample exercises clamped menus");
});

test("no random feasible IC menu beats the optimum (step schedules with the same E[π])", () => {
  // UC objective of an IC menu with IR binding at ᾱ: E[ϖ_s ln(1 + π u) − ϖ_p u (2α − α̲) π].
  const r = createPrng(7);
  for (const f of [0.6, 0.8]) {
    const p = at(f);
    const m = solveContractModel(p);
    const perOwner = m.ucPayoffTotal / p.owners;
    for (let trial = 0; trial < 200; trial++) {
      const k = r.int(1, 6);
      const cuts = [0, ...Array.from({ length: k - 1 }, () => r.next()).sort((x, y) => x - y), 1];
      const levels = Array.from({ length: k }, () => r.next()).sort((x, y) => y - x);
      // Rescale to E[π] = ρ while staying in [0, 1] (mix with 0 or 1 as needed).
      let mean = 0;
      for (let i = 0; i < k; i++)
        mean += (levels[i] as number) * ((cuts[i + 1] as number) - (cuts[i] as number));
      const pis = levels.map((l) => (mean >= f ? (l * f) / mean : 1 - ((1 - l) * (1 - f)) / (1 - mean)));
      let value = 0;
      for (let i = 0; i < k; i++) {
        const a0 = cuts[i] as number;
        const a1 = cuts[i + 1] as number;
        const x = pis[i] as number;
        value += (a1 - a0) * 6.5 * Math.log1p(10 * x) - 0.3 * 10 * x * (a1 * a1 - a0 * a0);
      }
      assert.ok(value <= perOwner + 1e-12, `step menu ${value} beats optimum ${perOwner}`);
    }
  }
});

test("IC on a fine grid and IR for the paper's three requirements", () => {
  for (const f of [0.6, 0.7, 0.8]) {
    const m = solveContractMenu({ ...at(f), points: 301 });
    const gain = maxMisreportGain(m.alpha, m.pi, m.payment, 0.3, 10);
    assert.ok(gain <= 1e-12, `misreport gain ${gain}`);
    assert.ok(m.ownerPayoff.every((s) => s >= -1e-15));
  }
});

test("boundary requirements: u_req = 0 gives π ≡ 0; u_req = I·u_max gives π ≡ 1 and p = ϖ_p u_max ᾱ", () => {
  const zero = solveContractMenu(at(0));
  assert.equal(zero.method, "degenerate");
  assert.ok(zero.pi.every((x) => x === 0) && zero.payment.every((x) => x === 0));
  assert.equal(zero.ucPayoffTotal, 0);
  const full = solveContractMenu(at(1));
  assert.ok(full.pi.every((x) => x === 1));
  assert.ok(full.payment.every((x) => relClose(x, 3, 1e-14)));
  assert.ok(relClose(full.ucPayoffTotal, 500 * (6.5 * Math.log(11) - 3), 1e-14));
});

test('"atLeast" reading: slack at the paper\'s values, binding (β > 0) near I·u_max', () => {
  const slack = solveContractModel({ ...at(0.8), requirement: "atLeast" });
  assert.equal(slack.method, "unconstrained");
  assert.equal(slack.multiplier, 0);
  assert.equal(slack.constraintBinding, false);
  assert.ok(slack.meanPi > 0.99);
  const tight = solveContractModel({ ...at(0.99999), requirement: "atLeast" });
  assert.ok(tight.multiplier > 0 && tight.constraintBinding);
  assert.ok(Math.abs(tight.meanPi - 0.99999) < 1e-13);
});

test("fast path evaluateContractMenu matches the pointwise functions", () => {
  const m = solveContractModel(at(0.7));
  const xs = linspace(0, 1, 101);
  const ev = evaluateContractMenu(m, xs);
  xs.forEach((a, i) => {
    assert.equal(ev.pi[i], piAt(m, a));
    assert.ok(relClose(ev.payment[i] as number, paymentAt(m, a), 1e-15));
    assert.ok(relClose(ev.ucPayoff[i] as number, ucPayoffAt(m, a), 1e-15));
  });
});

test("domain errors name the parameter and the condition; never NaN", () => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ["alpha_max", { alphaMax: -1 }],
    ["alpha_max", { alphaMin: 0.5, alphaMax: 0.5 }],
    ["u_req", { uReq: 5000.0001 }],
    ["u_req", { uReq: -1 }],
    ["owners", { owners: 0 }],
    ["owners", { owners: 2.5 }],
    ["w_p", { wP: Number.NaN }],
    ["w_s", { wS: Number.POSITIVE_INFINITY }],
    ["u_max", { uMax: 0 }],
    ["points", { points: 1 }],
    ["alpha_min", { alphaMin: -0.1 }],
    ["requirement", { requirement: "most" }],
  ];
  for (const [param, patch] of bad) {
    assert.throws(
      () => solveContractMenu({ ...at(0.8), ...patch } as Parameters<typeof solveContractMenu>[0]),
      (e: unknown) =>
        isConsortiaError(e, "ECON_INVALID_PARAM") && e.details.param === param && e.message.includes(param),
      `${param} ${JSON.stringify(patch)}`,
    );
  }
  assert.throws(
    () => piAt(solveContractModel(at(0.8)), 1.5),
    (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM") && e.details.param === "alpha",
  );
});
