import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { toHex } from "../../../src/crypto/hash.js";
import { type Candidate, diffValidatorSets, elect } from "../../../src/modules/staking/election.js";
import { MAX_TOTAL_VOTING_POWER, powerOf } from "../../../src/modules/staking/params.js";
import type { ActiveValidator } from "../../../src/modules/staking/state.js";
import {
  addr,
  applyToComet,
  type CometSet,
  consAddr,
  consKey,
  genesisValidator,
  Harness,
  institution,
} from "./harness.js";

const P = { maxValidators: 3, minSelfBond: 100n, powerReduction: 100n };

function cand(label: string, stake: bigint, over: Partial<Candidate> = {}): Candidate {
  return {
    address: consAddr(label),
    pubKey: consKey(label),
    selfBond: stake,
    stake,
    jailed: false,
    operatorActive: true,
    ...over,
  };
}

const hexes = (set: readonly ActiveValidator[]) => set.map((v) => toHex(v.address));

describe("election (pure)", () => {
  test("top M by stake; ties broken by consensus address ascending", () => {
    const labels = ["a", "b", "c", "d", "e"];
    // Four candidates tie at 500: only the two lowest addresses among them get the last two seats.
    const cands = [cand("a", 500n), cand("b", 500n), cand("c", 900n), cand("d", 500n), cand("e", 500n)];
    const tied = labels
      .filter((l) => l !== "c")
      .map((l) => toHex(consAddr(l)))
      .sort();
    const got = elect(cands, P);
    assert.equal(got.length, 3);
    assert.deepEqual(hexes(got), [toHex(consAddr("c")), tied[0]!, tied[1]!].sort());
    // Input order does not matter.
    assert.deepEqual(hexes(elect([...cands].reverse(), P)), hexes(got));
  });

  test("exactly M of many; fewer when fewer qualify", () => {
    const many = Array.from({ length: 20 }, (_, i) => cand(`v${i}`, BigInt(100 + i * 10)));
    const got = elect(many, { ...P, maxValidators: 7 });
    assert.equal(got.length, 7);
    const stakes = new Map(many.map((c) => [toHex(c.address), c.stake]));
    const minElected = got.reduce(
      (m, v) => (stakes.get(toHex(v.address))! < m ? stakes.get(toHex(v.address))! : m),
      10n ** 30n,
    );
    assert.equal(minElected, 230n, "the 7 largest stakes (230..290) are elected");
    assert.equal(elect(many.slice(0, 2), P).length, 2);
  });

  test("jailed, under-self-bonded, sub-unit power and revoked operators are not eligible", () => {
    const got = elect(
      [
        cand("ok", 1_000n),
        cand("jailed", 9_000n, { jailed: true }),
        cand("lowself", 9_000n, { selfBond: 99n }),
        cand("dust", 99n, { selfBond: 100n }),
        cand("revoked", 9_000n, { operatorActive: false }),
      ],
      P,
    );
    assert.deepEqual(hexes(got), [toHex(consAddr("ok"))]);
    assert.equal(got[0]!.power, 10n, "power = floor(stake / powerReduction)");
    assert.equal(elect([cand("x", 199n)], P)[0]!.power, 1n, "rounded down");
  });

  test("power is capped so M validators never exceed CometBFT's MaxTotalVotingPower", () => {
    assert.equal(MAX_TOTAL_VOTING_POWER, 1_152_921_504_606_846_975n, "MaxInt64 / 8");
    const huge = (1n << 127n) - 1n;
    const p = { maxValidators: 200, minSelfBond: 1n, powerReduction: 1n };
    const set = elect(
      Array.from({ length: 200 }, (_, i) => cand(`big${i}`, huge - BigInt(i))),
      p,
    );
    const total = set.reduce((s, v) => s + v.power, 0n);
    assert.equal(set.length, 200);
    assert.ok(total <= MAX_TOTAL_VOTING_POWER, `total ${total}`);
    assert.equal(powerOf(huge, p), MAX_TOTAL_VOTING_POWER / 200n);
  });

  test("diff: applying the updates to the old set yields the new set (seeded property)", () => {
    const member = fc.record({
      id: fc.integer({ min: 0, max: 15 }),
      power: fc.bigInt({ min: 1n, max: 50n }),
    });
    const toSet = (ms: { id: number; power: bigint }[]): ActiveValidator[] => {
      const byId = new Map(ms.map((m) => [m.id, m.power]));
      return [...byId].map(([id, power]) => ({
        address: consAddr(`p${id}`),
        pubKey: consKey(`p${id}`),
        power,
      }));
    };
    fc.assert(
      fc.property(
        fc.array(member, { minLength: 1, maxLength: 12 }),
        fc.array(member, { minLength: 1, maxLength: 12 }),
        (a, b) => {
          const prev = toSet(a);
          const next = toSet(b);
          const updates = diffValidatorSets(prev, next);
          const comet: CometSet = new Map(
            prev.map((v) => [toHex(v.address), { pubKey: v.pubKey, power: v.power }]),
          );
          const after = applyToComet(comet, updates);
          const want = new Map(next.map((v) => [toHex(v.address), v.power]));
          assert.deepEqual(new Map([...after].map(([k, v]) => [k, v.power])), want);
          // Minimal: unchanged members produce no update.
          const unchanged = next.filter((n) =>
            prev.some((p) => toHex(p.address) === toHex(n.address) && p.power === n.power),
          );
          assert.equal(
            updates.length,
            new Set([...prev, ...next].map((v) => toHex(v.address))).size - unchanged.length,
          );
          assert.deepEqual(diffValidatorSets(next, next), []);
        },
      ),
      { seed: 20_261_122, numRuns: 300 },
    );
  });
});

const params = {
  epochLength: 10,
  maxValidators: 2,
  minSelfBond: "100",
  powerReduction: "100",
  unbondingBlocks: 3,
};

function chain(): Harness {
  return new Harness({
    accounts: ["h1", "h2", "h3", "h4"]
      .map((l) => institution(l, 10_000n))
      .concat(institution("pat", 10_000n, "patient")),
    staking: { params, validators: [genesisValidator("h1", 1_000n), genesisValidator("h2", 800n)] },
  });
}

const cometHexes = (h: Harness) => [...h.comet.keys()].sort();

describe("election at epoch boundaries (module)", () => {
  test("stake changes take effect only at heights divisible by epochLength", () => {
    const h = chain();
    assert.equal(h.create("h3", 900n).code, "");
    assert.equal(h.delegate(addr("pat"), consAddr("h3"), 1_000n).code, "");
    h.stepTo(9n);
    assert.deepEqual(cometHexes(h), [toHex(consAddr("h1")), toHex(consAddr("h2"))].sort());
    h.begin();
    const updates = h.end();
    assert.equal(h.height, 10n);
    // h3 (1900) replaces h2 (800); h1 keeps power 10 and gets no update.
    const expected = (
      [
        ["h2", 0n],
        ["h3", 19n],
      ] as const
    ).toSorted((a, b) => toHex(consAddr(a[0])).localeCompare(toHex(consAddr(b[0]))));
    assert.deepEqual(
      updates.map((u) => [toHex(u.pubKey), u.power]),
      expected.map(([l, p]) => [toHex(consKey(l)), p]),
    );
    assert.deepEqual(cometHexes(h), [toHex(consAddr("h1")), toHex(consAddr("h3"))].sort());
    assert.ok(h.events.some((e) => e.type === "staking.validator_set"));
    const v2 = h.query(`staking/validator/${toHex(consAddr("h2"))}`) as { status: string; power: bigint };
    assert.equal(v2.status, "candidate");
    assert.equal(v2.power, 0n);
  });

  test("a tie at the boundary goes to the lower consensus address, and the set is capped at M", () => {
    const h = chain();
    assert.equal(h.create("h3", 1_000n).code, "");
    assert.equal(h.create("h4", 1_000n).code, "");
    assert.equal(h.delegate(addr("h2"), consAddr("h2"), 200n).code, "");
    h.stepTo(10n);
    const tied = ["h1", "h2", "h3", "h4"].map((l) => toHex(consAddr(l))).sort();
    assert.equal(h.comet.size, 2);
    assert.deepEqual(cometHexes(h), tied.slice(0, 2));
    const powers = [...h.comet.values()].map((v) => v.power);
    assert.deepEqual(powers, [10n, 10n]);
  });

  test("an operator whose certificate is revoked or expired leaves at the next boundary", () => {
    const h = chain();
    assert.equal(h.create("h3", 500n).code, "");
    h.register(addr("h1"), "institution", 1n); // certificate expired long ago
    h.stepTo(10n);
    assert.deepEqual(cometHexes(h), [toHex(consAddr("h2")), toHex(consAddr("h3"))].sort());
  });

  test("if nobody qualifies, the previous set is kept (CometBFT halts on an empty set)", () => {
    const h = chain();
    assert.equal(h.undelegate(addr("h1"), consAddr("h1"), 1_000n).code, "");
    assert.equal(h.undelegate(addr("h2"), consAddr("h2"), 800n).code, "");
    h.stepTo(9n);
    h.begin();
    assert.deepEqual(h.end(), []);
    assert.ok(h.events.some((e) => e.type === "staking.set_kept"));
    assert.equal(h.comet.size, 2);
    // Once a candidate qualifies, the next boundary hands over to it.
    assert.equal(h.create("h3", 300n).code, "");
    h.stepTo(20n);
    assert.deepEqual(cometHexes(h), [toHex(consAddr("h3"))]);
  });
});
