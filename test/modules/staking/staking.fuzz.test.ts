import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { toHex } from "../../../src/crypto/hash.js";
import { MAX_TOTAL_VOTING_POWER } from "../../../src/modules/staking/params.js";
import {
  delegatorIndexKey,
  delegatorsKey,
  getAddressList,
  getDelegation,
  getUnbonding,
  getValidator,
} from "../../../src/modules/staking/state.js";
import { addr, consAddr, dupVote, genesisValidator, Harness, institution } from "./harness.js";

/**
 * Random sequences of staking operations (create, delegate, undelegate, evidence, unjail, empty
 * blocks) under random parameters. After every block:
 *   pool balance = Σ self-bonds + Σ delegations + Σ unbonding entries (and cached sums agree);
 *   Σ balances = genesis + minted − burned;
 *   no bond or balance is negative; every entry due by now has been paid out;
 *   the delegator lists and per-delegator indexes match the bonds;
 *   CometBFT (modelled, refusing what it would refuse) holds exactly the stored active set;
 *   after an epoch boundary that set is the top M eligible candidates by stake (ties by address),
 *   or, if none is eligible, the set from before.
 */

const OPERATORS = ["i0", "i1", "i2", "i3", "i4"];
const DELEGATORS = ["i0", "i1", "i2", "i3", "i4", "p0", "p1", "p2"];

type Op =
  | { kind: "create"; who: number; selfBond: bigint }
  | { kind: "delegate"; who: number; to: number; amount: bigint }
  | { kind: "undelegate"; who: number; from: number; permille: number }
  | { kind: "evidence"; target: number; back: number }
  | { kind: "unjail"; who: number }
  | { kind: "blocks"; n: number };

/** Mostly round amounts, so equal stakes (ties) are common; sometimes arbitrary ones. */
const amountArb = (max: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: max / 500 }).map((k) => BigInt(k) * 500n), weight: 3 },
    { arbitrary: fc.bigInt({ min: 1n, max: BigInt(max) }), weight: 1 },
  );

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("create" as const),
      who: fc.nat(OPERATORS.length - 1),
      selfBond: amountArb(4_000),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("delegate" as const),
      who: fc.nat(DELEGATORS.length - 1),
      to: fc.nat(OPERATORS.length - 1),
      amount: amountArb(2_000),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("undelegate" as const),
      who: fc.nat(DELEGATORS.length - 1),
      from: fc.nat(OPERATORS.length - 1),
      permille: fc.oneof(fc.constantFrom(250, 500, 1_000, 1_001), fc.integer({ min: 1, max: 1_100 })),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("evidence" as const),
      target: fc.nat(OPERATORS.length),
      back: fc.nat(4),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("unjail" as const), who: fc.nat(OPERATORS.length - 1) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("blocks" as const), n: fc.integer({ min: 1, max: 6 }) }),
    weight: 2,
  },
);

const paramsArb = fc.record({
  epochLength: fc.integer({ min: 1, max: 5 }),
  maxValidators: fc.integer({ min: 1, max: 4 }),
  minSelfBond: fc.integer({ min: 1, max: 200 }),
  powerReduction: fc.integer({ min: 1, max: 60 }),
  slashFractionDoubleSignBp: fc.integer({ min: 0, max: 10_000 }),
  unbondingBlocks: fc.integer({ min: 0, max: 6 }),
  jailOnDoubleSign: fc.boolean(),
  jailBlocks: fc.integer({ min: 0, max: 4 }),
});

type FuzzParams = typeof paramsArb extends fc.Arbitrary<infer T> ? T : never;

interface Row {
  address: string;
  jailed: boolean;
  selfBond: bigint;
  delegated: bigint;
  stake: bigint;
}

/** How often the interesting paths ran, so a generator change that starves one shows up. */
const seen = { elections: 0, setChanges: 0, tiesAtCut: 0, keptEmpty: 0, unbondingSlashed: 0, slashes: 0 };

function checkInvariants(h: Harness, p: FuzzParams, prevSet: string[]): void {
  assert.equal(h.pool(), h.bondedTotal(), "pool = Σ self-bonds + Σ delegations + Σ unbonding");
  const s = h.supply();
  assert.equal(s.sum, s.circulating, "supply conserved");
  const rows = (h.query("staking/validators") as { validators: Row[] }).validators;
  if (h.events.some((e) => e.type === "staking.slash")) seen.slashes++;
  for (const r of rows) {
    assert.ok(r.selfBond >= 0n && r.delegated >= 0n, "no negative bonds");
    assert.equal(r.stake, r.selfBond + r.delegated);
  }
  for (const a of DELEGATORS) {
    assert.ok(h.balance(addr(a)) >= 0n);
    const d = h.query(`staking/delegations/${toHex(addr(a))}`) as {
      delegations: { amount: bigint }[];
      unbonding: { amount: bigint; completionHeight: bigint }[];
    };
    for (const x of d.delegations) assert.ok(x.amount > 0n, "listed delegations are positive");
    for (const u of d.unbonding) {
      assert.ok(u.amount > 0n, "no empty or negative unbonding entry");
      assert.ok(u.completionHeight > h.height, "every matured entry has been paid out");
    }
  }

  // Index lists agree with the bonds they index.
  for (const op of OPERATORS) {
    const cons = consAddr(op);
    if (!getValidator(h.mem, cons)) continue;
    const withBond = DELEGATORS.filter((d) => d !== op && getDelegation(h.mem, cons, addr(d)) > 0n);
    const listed = getAddressList(h.mem, delegatorsKey(cons)).map(toHex).sort();
    assert.deepEqual(
      listed,
      withBond.map((d) => toHex(addr(d))).sort(),
      "delegator list = delegators with a bond",
    );
  }
  for (const d of DELEGATORS) {
    const tied = OPERATORS.filter((op) => {
      const cons = consAddr(op);
      if (op === d || !getValidator(h.mem, cons)) return false;
      const entries = getUnbonding(h.mem, cons).filter((e) => toHex(e.delegator) === toHex(addr(d)));
      return getDelegation(h.mem, cons, addr(d)) > 0n || entries.length > 0;
    });
    const indexed = getAddressList(h.mem, delegatorIndexKey(addr(d)))
      .map(toHex)
      .sort();
    assert.deepEqual(
      indexed,
      tied.map((op) => toHex(consAddr(op))).sort(),
      "delegator index = validators tied to it",
    );
  }

  const active = h.query("staking/active") as {
    validators: { address: string; power: bigint }[];
    totalPower: bigint;
  };
  const comet = [...h.comet].map(([a, v]) => [a, v.power] as const).sort();
  if (active.validators.length > 0) {
    assert.deepEqual(comet, active.validators.map((v) => [v.address, v.power] as const).sort());
    assert.ok(active.totalPower <= MAX_TOTAL_VOTING_POWER);
  }
  if (h.height % BigInt(p.epochLength) !== 0n) return;

  // Independent reference election (every operator's identity stays valid in this test).
  const pr = BigInt(p.powerReduction);
  const ranked = rows
    .filter((r) => !r.jailed && r.selfBond >= BigInt(p.minSelfBond) && r.stake / pr >= 1n)
    .sort((a, b) => (a.stake !== b.stake ? (a.stake > b.stake ? -1 : 1) : a.address < b.address ? -1 : 1));
  const eligible = ranked.slice(0, p.maxValidators);
  seen.elections++;
  if (JSON.stringify(comet.map((c) => c[0])) !== JSON.stringify(prevSet)) seen.setChanges++;
  const cut = ranked[p.maxValidators];
  if (cut && cut.stake === eligible[eligible.length - 1]?.stake) seen.tiesAtCut++;
  if (eligible.length === 0) seen.keptEmpty++;
  const want =
    eligible.length > 0 ? eligible.map((r) => [r.address, r.stake / pr] as const).sort() : undefined;
  if (want) assert.deepEqual(comet, want, `top-${p.maxValidators} at height ${h.height}`);
  else
    assert.deepEqual(
      comet.map((c) => c[0]),
      prevSet,
      "no eligible candidate: set kept",
    );
}

function unbondingTotal(h: Harness): bigint {
  let t = 0n;
  for (const a of DELEGATORS) {
    const d = h.query(`staking/delegations/${toHex(addr(a))}`) as { unbonding: { amount: bigint }[] };
    for (const u of d.unbonding) t += u.amount;
  }
  return t;
}

test("random staking operations keep the pool, supply and election invariants (seeded)", (t) => {
  fc.assert(
    fc.property(paramsArb, fc.array(opArb, { minLength: 5, maxLength: 40, size: "max" }), (p, ops) => {
      const h = new Harness({
        accounts: [
          ...OPERATORS.map((l, i) => institution(l, 20_000n, i === 4 ? "aggregator" : "institution")),
          ...["p0", "p1", "p2"].map((l) => institution(l, 10_000n, "patient")),
        ],
        staking: {
          params: { ...p, minSelfBond: String(p.minSelfBond), powerReduction: String(p.powerReduction) },
          validators: [genesisValidator("i0", 5_000n), genesisValidator("i1", 4_000n)],
        },
      });
      let prevSet = [...h.comet.keys()].sort();
      const after = () => {
        checkInvariants(h, p, prevSet);
        prevSet = [...h.comet.keys()].sort();
      };
      for (const op of ops) {
        switch (op.kind) {
          case "create":
            h.create(OPERATORS[op.who]!, op.selfBond);
            after();
            break;
          case "delegate":
            h.delegate(addr(DELEGATORS[op.who]!), consAddr(OPERATORS[op.to]!), op.amount);
            after();
            break;
          case "undelegate": {
            const who = addr(DELEGATORS[op.who]!);
            const cons = consAddr(OPERATORS[op.from]!);
            const d = h.query(`staking/delegations/${toHex(who)}`) as {
              delegations: { validator: string; amount: bigint }[];
            };
            const bonded = d.delegations.find((x) => x.validator === toHex(cons))?.amount ?? 0n;
            // permille > 1000 asks for more than is bonded: must be refused without effect.
            const amount = (bonded * BigInt(op.permille)) / 1000n + (op.permille > 1000 ? 1n : 0n);
            const r = h.undelegate(who, cons, amount === 0n ? 1n : amount);
            if (op.permille > 1000) assert.notEqual(r.code, "");
            after();
            break;
          }
          case "evidence": {
            const target =
              op.target < OPERATORS.length ? consAddr(OPERATORS[op.target]!) : consAddr("stranger");
            const infraction = h.height - BigInt(op.back) > 0n ? h.height - BigInt(op.back) : 1n;
            const unbondingBefore = unbondingTotal(h);
            const poolBefore = h.pool();
            h.step([dupVote(target, infraction)]);
            // Nothing matures in a block whose unbonding total fell by slashing alone.
            if (unbondingTotal(h) < unbondingBefore && h.pool() < poolBefore) seen.unbondingSlashed++;
            after();
            break;
          }
          case "unjail": {
            h.tx(addr(OPERATORS[op.who]!), "staking/unjail", {});
            after();
            break;
          }
          case "blocks":
            for (let i = 0; i < op.n; i++) {
              h.step();
              after();
            }
            break;
        }
      }
    }),
    { seed: 424_242, numRuns: 220 },
  );
  t.diagnostic(JSON.stringify(seen));
  // The run must have exercised each path it claims to check.
  for (const [k, v] of Object.entries(seen)) assert.ok(v > 0, `${k} never happened`);
});
