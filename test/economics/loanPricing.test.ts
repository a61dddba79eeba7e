import assert from "node:assert/strict";
import { test } from "node:test";
import {
  averageAmountScheme,
  bankObjective,
  borrowerLoan,
  borrowerUtilityAt,
  CREDIT_GRADES,
  creditGradeFactor,
  creditGradeIndex,
  fixedLoanOutcome,
  type LoanParams,
  loanFloor,
  loanPriceScan,
  paperLoanPricing,
  randomAmountScheme,
  repaymentAbility,
  solveLoanPricing,
} from "../../src/economics/loanPricing.js";
import { isConsortiaError } from "../../src/errors.js";
import { createPrng } from "../../src/sim/prng.js";
import { bruteMax1D, relClose } from "./bruteForce.js";
import { randomLoanParams } from "./randomParams.js";

/** Table II midpoints with Q_min = 1000, p = 1, α_max = 3.5·t (β ≤ 1). */
const TABLE2: LoanParams = {
  repayAbility: 0.8,
  d: 20200,
  t: 5,
  eta: 3.5,
  qMin: 1000,
  price: 1,
  theta: 2250,
  creditFactor: 0.5,
  unitCost: 0.15,
  alphaMax: 17.5,
};

test("borrower loan matches a brute-force maximisation of u_i over R ≥ max(0, k)", () => {
  const r = createPrng(21);
  for (let n = 0; n < 100; n++) {
    const p = randomLoanParams(r);
    const a = r.uniform(p.alphaMax * 0.01, p.alphaMax);
    const R = borrowerLoan(p, a);
    const f = (x: number) => borrowerUtilityAt(p, a, x);
    const lo = Math.max(0, loanFloor(p) + 1e-9 * Math.max(1, Math.abs(loanFloor(p))));
    const hi = Math.max(lo, loanFloor(p)) + 4 * ((p.repayAbility * p.d) / (a * 0.01) + 1);
    // Search in log space above the floor so a narrow peak near the floor is not missed.
    const g = (u: number) => f(lo + Math.exp(u));
    const bf = bruteMax1D(g, Math.log(1e-9 + 1e-12 * hi), Math.log(hi));
    const best = Math.max(bf.fx, f(lo));
    assert.ok(f(R) >= best - 1e-9 * Math.abs(best), `instance ${n}: ${f(R)} < ${best}`);
    assert.ok(relClose(f(R), best), `instance ${n}: ${f(R)} vs ${best}`);
  }
});

test("bank penalty rate matches a brute-force search on random parameters (1e-6 relative)", () => {
  const r = createPrng(22);
  const regimes = new Map<string, number>();
  for (let n = 0; n < 200; n++) {
    const p = randomLoanParams(r);
    const s = solveLoanPricing(p);
    regimes.set(s.regime, (regimes.get(s.regime) ?? 0) + 1);
    // α ∈ (0, α_max], searched in log space down to 1e-12·α_max.
    const f = (u: number) => bankObjective(p, Math.exp(u));
    const bf = bruteMax1D(f, Math.log(p.alphaMax * 1e-12), Math.log(p.alphaMax));
    assert.ok(
      s.bankUtility >= bf.fx - 1e-9 * Math.abs(bf.fx),
      `instance ${n}: exact ${s.bankUtility} < ${bf.fx}`,
    );
    assert.ok(relClose(s.bankUtility, bf.fx), `instance ${n}: ${s.bankUtility} vs ${bf.fx} (${s.regime})`);
    if (s.regime === "interior") assert.ok(relClose(s.penaltyRate, Math.exp(bf.x), 1e-4), `instance ${n}`);
    assert.ok(relClose(s.interestRate, s.penaltyRate / (p.eta * p.t), 1e-12));
    assert.ok(s.loan >= 0 && Number.isFinite(s.borrowerUtility));
  }
  for (const reg of ["interior", "alpha-max", "no-loan"]) {
    assert.ok((regimes.get(reg) ?? 0) > 0, `regime ${reg} never exercised: ${JSON.stringify([...regimes])}`);
  }
});

test("Table II borrower: interior optimum equals the printed eq. (12) when k < 0", () => {
  const s = solveLoanPricing(TABLE2);
  assert.equal(s.regime, "interior");
  const paper = paperLoanPricing(TABLE2);
  assert.ok(relClose(s.penaltyRate, paper.penaltyRate, 1e-12));
  assert.ok(paper.loan !== null && relClose(s.loan, paper.loan, 1e-12));
  // Closed form by hand: κ = 0.8/3.5 + 0.2, g = 0.5/3.5 + 0.5, −k = 1250.
  const kappa = 0.8 / 3.5 + 0.2;
  const g = 0.5 / 3.5 + 0.5;
  const a = Math.sqrt((0.5 * 5 * 0.15 * 0.8 * 20200) / (1250 * g * kappa));
  assert.ok(relClose(s.penaltyRate, a, 1e-12));
  assert.ok(relClose(s.interestRate, a / 17.5, 1e-12));
  assert.ok(relClose(s.loan, -1250 + (0.8 * 20200) / (a * kappa), 1e-12));
});

test("k ≥ 0: the bank charges α_max; the printed eq. (13) says 0, which minimises u_bc", () => {
  const p = { ...TABLE2, qMin: 3000 };
  assert.ok(loanFloor(p) > 0);
  const s = solveLoanPricing(p);
  assert.equal(s.regime, "alpha-max");
  assert.equal(s.penaltyRate, p.alphaMax);
  assert.equal(paperLoanPricing(p).penaltyRate, 0);
  assert.equal(paperLoanPricing(p).loan, null);
  assert.ok(bankObjective(p, 1e-6) < s.bankUtility);
});

test("no-loan regime: when the stationary loan would be negative the bank lends nothing", () => {
  const p = { ...TABLE2, d: 50, theta: 3000, qMin: 0 };
  const s = solveLoanPricing(p);
  assert.equal(s.regime, "no-loan");
  assert.equal(s.loan, 0);
  assert.equal(s.bankUtility, 0);
  assert.ok(Number.isFinite(s.borrowerUtility));
  // The printed formula's loan would be negative here.
  const paper = paperLoanPricing(p);
  assert.ok(paper.loan !== null && paper.loan < 0);
});

test("Algorithm 1 scan converges to the exact bank utility", () => {
  const exact = solveLoanPricing(TABLE2);
  const coarse = loanPriceScan(TABLE2, { steps: 100 });
  const fine = loanPriceScan(TABLE2, { steps: 100_000 });
  assert.ok(coarse.bankUtility <= exact.bankUtility);
  assert.ok(relClose(fine.bankUtility, exact.bankUtility, 1e-6));
  assert.equal(fine.evaluations, 100_000);
});

test("baselines: AAS splits the budget evenly, RAS randomly, both at interest 0.1", () => {
  const borrowers = [TABLE2, { ...TABLE2, repayAbility: 0.5 }, { ...TABLE2, t: 2 }];
  const aas = averageAmountScheme(borrowers, 3000);
  assert.deepEqual(
    aas.map((s) => s.loan),
    [1000, 1000, 1000],
  );
  assert.ok(aas.every((s) => s.interestRate === 0.1));
  assert.equal(aas[2]?.penaltyRate, 0.1 * 3.5 * 2);
  const ras = randomAmountScheme(borrowers, 3000, createPrng(1));
  assert.ok(
    relClose(
      ras.reduce((a, s) => a + s.loan, 0),
      3000,
      1e-12,
    ),
  );
  assert.notDeepEqual(
    ras.map((s) => s.loan),
    [1000, 1000, 1000],
  );
  const one = fixedLoanOutcome(TABLE2, 500, 0.1);
  // u_bc = γ(βRt − Rtc) + (1 − γ)αR with α = ηtβ = 1.75.
  assert.ok(relClose(one.bankUtility, 0.5 * (0.1 * 500 * 5 - 500 * 5 * 0.15) + 0.5 * 1.75 * 500, 1e-12));
});

test("credit grades: r_n = 1 − (n − 1)/35, λ = s/(s+f)", () => {
  assert.equal(CREDIT_GRADES.length, 35);
  assert.equal(creditGradeIndex("A1"), 1);
  assert.equal(creditGradeIndex("g5"), 35);
  assert.equal(creditGradeFactor(1), 1);
  assert.ok(relClose(creditGradeFactor(35), 1 / 35, 1e-12));
  assert.equal(repaymentAbility(3, 1), 0.75);
  assert.throws(
    () => creditGradeIndex("H1"),
    (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM"),
  );
  assert.throws(
    () => creditGradeFactor(36),
    (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM"),
  );
  assert.throws(
    () => repaymentAbility(0, 2),
    (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM") && e.details.param === "s",
  );
});

test("invalid loan parameters give typed errors naming the parameter", () => {
  const cases: Array<[Partial<LoanParams>, string]> = [
    [{ repayAbility: 0 }, "repay_ability"],
    [{ repayAbility: 1.2 }, "repay_ability"],
    [{ d: 0 }, "d"],
    [{ t: -1 }, "t"],
    [{ eta: 1 }, "eta"],
    [{ qMin: -1 }, "q_min"],
    [{ price: 0 }, "price"],
    [{ theta: Number.NaN }, "theta"],
    [{ creditFactor: 0 }, "credit_factor"],
    [{ unitCost: 0 }, "unit_cost"],
    [{ alphaMax: 0 }, "alpha_max"],
  ];
  for (const [patch, param] of cases) {
    assert.throws(
      () => solveLoanPricing({ ...TABLE2, ...patch }),
      (e: unknown) => isConsortiaError(e, "ECON_INVALID_PARAM") && e.details.param === param,
      JSON.stringify(patch),
    );
  }
});
