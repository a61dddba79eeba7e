import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MemoryKv } from "../../../src/app/state.js";
import { toHex } from "../../../src/crypto/hash.js";
import { isConsortiaError } from "../../../src/errors.js";
import {
  assertGenesisValidatorsMatch,
  genesisValidatorPowers,
  stakingGenesisSchema,
} from "../../../src/modules/staking/genesis.js";
import { stakingModule } from "../../../src/modules/staking/module.js";
import { STAKING_POOL_ADDRESS } from "../../../src/modules/staking/state.js";
import { addr, CHAIN, consAddr, consKey, genesisValidator, Harness, institution, T0 } from "./harness.js";

const params = {
  epochLength: 10,
  maxValidators: 3,
  minSelfBond: "100",
  powerReduction: "100",
  slashFractionDoubleSignBp: 500,
  unbondingBlocks: 5,
  jailBlocks: 4,
};

function twoValidatorChain(extra: ReturnType<typeof institution>[] = []): Harness {
  return new Harness({
    accounts: [
      institution("h1", 10_000n),
      institution("h2", 10_000n),
      institution("patient", 5_000n, "patient"),
      institution("lab", 5_000n),
      ...extra,
    ],
    staking: { params, validators: [genesisValidator("h1", 1_000n), genesisValidator("h2", 550n)] },
  });
}

describe("staking genesis", () => {
  test("bonds self-bonds from coin balances and matches genesisValidatorPowers", () => {
    const h = twoValidatorChain();
    assert.equal(h.balance(addr("h1")), 9_000n);
    assert.equal(h.balance(addr("h2")), 9_450n);
    assert.equal(h.pool(), 1_550n);
    const section = { params, validators: [genesisValidator("h1", 1_000n), genesisValidator("h2", 550n)] };
    const powers = genesisValidatorPowers(section);
    assert.deepEqual(
      powers.map((p) => [toHex(p.address), p.power]),
      [
        [toHex(consAddr("h1")), 10n],
        [toHex(consAddr("h2")), 5n],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    assert.deepEqual(
      [...h.comet.entries()].map(([a, v]) => [a, v.power]).sort(),
      powers.map((p) => [toHex(p.address), p.power]).sort(),
    );
    assertGenesisValidatorsMatch(section, powers);
    assert.throws(
      () => assertGenesisValidatorsMatch(section, [{ pubKey: consKey("h1"), power: 10n }]),
      (e) => isConsortiaError(e, "STAKING_GENESIS_INVALID"),
    );
    assert.throws(
      () =>
        assertGenesisValidatorsMatch(section, [
          { pubKey: consKey("h1"), power: 10n },
          { pubKey: consKey("h2"), power: 6n },
        ]),
      /power 6, expected 5/,
    );
    const s = h.supply();
    assert.equal(s.sum, s.circulating);
  });

  test("an absent section means default params, no validators, no updates ever", () => {
    const g = stakingGenesisSchema.parse({});
    assert.equal(g.params.epochLength, 100);
    assert.equal(g.params.powerReduction, 1_000_000n);
    assert.equal(g.validators.length, 0);
    const h = new Harness({ accounts: [institution("h1", 10_000n)], staking: {} });
    assert.equal(h.create("h1", 5_000_000n).code, "COIN_INSUFFICIENT_FUNDS");
    const h2 = new Harness({
      accounts: [institution("h1", 10_000_000n)],
      staking: { params: { epochLength: 1 } },
    });
    assert.equal(h2.create("h1", 5_000_000n).code, "");
    for (let i = 0; i < 3; i++)
      assert.deepEqual(h2.step(), [], "unmanaged chain: CometBFT keeps its genesis set");
    assert.equal(
      (h2.query(`staking/validator/${toHex(consAddr("h1"))}`) as { status: string }).status,
      "candidate",
    );
  });

  test("refuses bad sections with the offending field", () => {
    assert.throws(
      () => genesisValidatorPowers({ params: { maxValidators: 201 } }),
      /staking\.params\.maxValidators/,
    );
    assert.throws(() => genesisValidatorPowers({ params: { epochLength: 0 } }), /epochLength/);
    assert.throws(
      () => genesisValidatorPowers({ params: { epochLenght: 5 } }),
      /STAKING|Unrecognized|epochLenght/,
    );
    const init = (
      validators: unknown[],
      balances = 10_000n,
      order: "coin-first" | "staking-only" = "coin-first",
    ) => {
      const mem = new MemoryKv();
      const h = () =>
        new Harness({
          accounts: [institution("h1", balances), institution("p", balances, "patient")],
          staking: {},
        });
      const base = order === "coin-first" ? h().mem : mem;
      stakingModule.initGenesis(base, stakingGenesisSchema.parse({ params, validators }), {
        chainId: CHAIN,
        height: 0n,
        timeMs: T0,
        proposer: new Uint8Array(20),
      });
    };
    assert.throws(
      () => init([genesisValidator("h1", 1_000n)], 10_000n, "staking-only"),
      /coin module must initialise/,
    );
    assert.throws(() => init([genesisValidator("h1", 50_000n)]), /validators\.0: COIN_INSUFFICIENT_FUNDS/);
    assert.throws(() => init([genesisValidator("h1", 50n)]), /STAKING_SELF_BOND_TOO_LOW/);
    assert.throws(() => init([genesisValidator("p", 1_000n)]), /IDENTITY_WRONG_ROLE/);
    assert.throws(
      () => init([genesisValidator("h1", 1_000n), genesisValidator("h1", 1_000n)]),
      /validators\.1: STAKING_VALIDATOR_EXISTS/,
    );
  });
});

describe("staking messages", () => {
  test("create-validator: institution roles only, unique key and operator, min self-bond", () => {
    const h = twoValidatorChain([institution("agg", 5_000n, "aggregator")]);
    assert.equal(h.create("patient", 200n).code, "IDENTITY_WRONG_ROLE");
    assert.equal(h.create("lab", 99n).code, "STAKING_SELF_BOND_TOO_LOW");
    assert.equal(h.create("lab", 0n).code, "STAKING_ZERO_AMOUNT");
    assert.equal(h.create("h1", 200n, addr("lab")).code, "STAKING_VALIDATOR_EXISTS");
    assert.equal(h.create("lab2", 200n, addr("h1")).code, "STAKING_OPERATOR_HAS_VALIDATOR");
    assert.equal(
      h.tx(addr("lab"), "staking/create-validator", {
        consensusPubKey: consKey("x"),
        selfBond: 200n,
        moniker: "  ",
      }).code,
      "STAKING_BAD_MONIKER",
    );
    const r = h.create("lab", 300n);
    assert.equal(r.code, "");
    assert.equal(r.events[0]?.type, "staking.create_validator");
    assert.equal(h.create("agg", 300n).code, "", "energy aggregators run validators too");
    assert.equal(h.balance(addr("lab")), 4_700n);
    assert.equal(h.pool(), 1_550n + 600n);
    const v = h.query(`staking/validator/${toHex(consAddr("lab"))}`) as Record<string, unknown>;
    assert.equal(v.status, "candidate");
    assert.equal(v.operator, toHex(addr("lab")));
    assert.equal(v.stake, 300n);
    assert.equal(v.power, 0n);
    assert.equal(v.stakePower, 3n);
  });

  test("delegate and undelegate move funds through the pool; unbonding pays out at maturity", () => {
    const h = twoValidatorChain();
    const patient = addr("patient");
    const v1 = consAddr("h1");
    assert.equal(h.delegate(patient, consAddr("nobody"), 10n).code, "STAKING_UNKNOWN_VALIDATOR");
    assert.equal(h.delegate(patient, v1, 0n).code, "STAKING_ZERO_AMOUNT");
    assert.equal(h.delegate(patient, v1, 6_000n).code, "COIN_INSUFFICIENT_FUNDS");
    assert.equal(h.delegate(patient, v1, 2_000n).code, "");
    assert.equal(h.balance(patient), 3_000n);
    assert.equal(h.pool(), 3_550n);
    assert.equal(h.undelegate(patient, v1, 2_001n).code, "STAKING_INSUFFICIENT_DELEGATION");

    h.begin();
    assert.equal(h.undelegate(patient, v1, 500n).code, "");
    const startedAt = h.height;
    h.end();
    const d = h.query(`staking/delegations/${toHex(patient)}`) as {
      delegations: { validator: string; amount: bigint; self: boolean }[];
      unbonding: { amount: bigint; completionHeight: bigint }[];
    };
    assert.deepEqual(d.delegations, [{ validator: toHex(v1), amount: 1_500n, self: false }]);
    assert.deepEqual(
      d.unbonding.map((u) => [u.amount, u.completionHeight]),
      [[500n, startedAt + 5n]],
    );
    h.stepTo(startedAt + 4n);
    assert.equal(h.balance(patient), 3_000n, "still unbonding one block before maturity");
    h.step();
    assert.equal(h.balance(patient), 3_500n, "paid at completionHeight");
    assert.ok(h.events.some((e) => e.type === "staking.unbonding_complete"));
    assert.equal(h.pool(), 3_050n);
    assert.equal(h.pool(), h.bondedTotal());

    // Undelegating everything drops the delegator from the validator; the index follows at payout.
    assert.equal(h.undelegate(patient, v1, 1_500n).code, "");
    h.stepTo(h.height + 5n);
    assert.equal(h.balance(patient), 5_000n);
    assert.deepEqual(h.query(`staking/delegations/${toHex(patient)}`), {
      delegator: toHex(patient),
      delegations: [],
      unbonding: [],
    });
    assert.equal(h.pool(), 1_550n);
  });

  test("the operator's own delegate/undelegate change its self-bond", () => {
    const h = twoValidatorChain();
    const op = addr("h2");
    const v2 = consAddr("h2");
    assert.equal(h.delegate(op, v2, 450n).code, "");
    let v = h.query(`staking/validator/${toHex(v2)}`) as { selfBond: bigint; delegated: bigint };
    assert.equal(v.selfBond, 1_000n);
    assert.equal(v.delegated, 0n);
    assert.equal(h.undelegate(op, v2, 1_000n).code, "");
    v = h.query(`staking/validator/${toHex(v2)}`) as { selfBond: bigint; delegated: bigint };
    assert.equal(v.selfBond, 0n);
    const d = h.query(`staking/delegations/${toHex(op)}`) as { unbonding: { amount: bigint }[] };
    assert.deepEqual(
      d.unbonding.map((u) => u.amount),
      [1_000n],
    );
    // Below minSelfBond: not re-elected at the epoch boundary.
    h.stepTo(10n);
    assert.deepEqual([...h.comet.keys()], [toHex(consAddr("h1"))]);
  });

  test("unbonding entries are bounded per delegator-validator pair", () => {
    const h = twoValidatorChain();
    const patient = addr("patient");
    assert.equal(h.delegate(patient, consAddr("h1"), 100n).code, "");
    h.begin();
    for (let i = 0; i < 7; i++) assert.equal(h.undelegate(patient, consAddr("h1"), 1n).code, "");
    assert.equal(h.undelegate(patient, consAddr("h1"), 1n).code, "STAKING_TOO_MANY_UNBONDING");
    assert.equal(h.undelegate(addr("h1"), consAddr("h1"), 1n).code, "", "other delegators are unaffected");
    h.end();
    h.stepTo(h.height + 5n);
    assert.equal(h.undelegate(patient, consAddr("h1"), 1n).code, "", "entries free up at maturity");
  });

  test("queries: params, active, validators, bad paths", () => {
    const h = twoValidatorChain();
    const p = h.query("staking/params") as { epochLength: bigint; maxValidators: number };
    assert.equal(p.epochLength, 10n);
    assert.equal(p.maxValidators, 3);
    const a = h.query("staking/active") as {
      validators: { address: string; power: bigint }[];
      totalPower: bigint;
    };
    assert.equal(a.totalPower, 15n);
    const all = h.query("staking/validators") as {
      validators: { moniker: string; status: string }[];
      pool: string;
    };
    assert.deepEqual(all.validators.map((v) => [v.moniker, v.status]).sort(), [
      ["h1", "active"],
      ["h2", "active"],
    ]);
    assert.equal(all.pool, toHex(STAKING_POOL_ADDRESS));
    assert.throws(
      () => h.query("staking/validator/XYZ"),
      (e) => isConsortiaError(e, "QUERY_BAD_PARAMS"),
    );
    assert.throws(
      () => h.query(`staking/validator/${toHex(addr("none"))}`),
      (e) => isConsortiaError(e, "QUERY_BAD_PARAMS"),
    );
    assert.throws(
      () => h.query("staking/nope"),
      (e) => isConsortiaError(e, "QUERY_UNKNOWN_PATH"),
    );
  });
});
