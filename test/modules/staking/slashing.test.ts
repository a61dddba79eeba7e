import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toHex } from "../../../src/crypto/hash.js";
import { getSupply } from "../../../src/modules/coin/state.js";
import { slashAmount } from "../../../src/modules/staking/slashing.js";
import { delegatorIndexKey, delegatorsKey, getAddressList } from "../../../src/modules/staking/state.js";
import { addr, consAddr, consKey, dupVote, genesisValidator, Harness, institution, T0 } from "./harness.js";

const baseParams = {
  epochLength: 10,
  maxValidators: 3,
  minSelfBond: "100",
  powerReduction: "100",
  slashFractionDoubleSignBp: 500,
  unbondingBlocks: 20,
  jailBlocks: 4,
};

function chain(params: Record<string, unknown> = {}): Harness {
  return new Harness({
    accounts: [
      institution("h1", 10_000n),
      institution("h2", 10_000n),
      institution("h3", 10_000n),
      institution("pat", 10_000n, "patient"),
      institution("doc", 10_000n, "doctor"),
    ],
    staking: {
      params: { ...baseParams, ...params },
      validators: [
        genesisValidator("h1", 1_000n),
        genesisValidator("h2", 800n),
        genesisValidator("h3", 600n),
      ],
    },
  });
}

function view(h: Harness, label: string) {
  return h.query(`staking/validator/${toHex(consAddr(label))}`) as {
    status: string;
    selfBond: bigint;
    delegated: bigint;
    stake: bigint;
    power: bigint;
    jailedHeight: bigint;
  };
}

function assertConserved(h: Harness): void {
  const s = h.supply();
  assert.equal(s.sum, s.circulating, "Σ balances = genesis + minted − burned");
  assert.equal(h.pool(), h.bondedTotal(), "pool = Σ bonds");
}

describe("slashing", () => {
  test("slashAmount rounds down per bond", () => {
    assert.equal(slashAmount(1_000n, 500), 50n);
    assert.equal(slashAmount(333n, 500), 16n); // 16.65
    assert.equal(slashAmount(19n, 500), 0n); // 0.95: dust bonds are not taken
    assert.equal(slashAmount(20n, 500), 1n);
    assert.equal(slashAmount(777n, 10_000), 777n);
    assert.equal(slashAmount(777n, 0), 0n);
  });

  test("duplicate vote burns 5% of self-bond and each delegation, jails, removes from the set now", () => {
    const h = chain();
    assert.equal(h.delegate(addr("pat"), consAddr("h1"), 333n).code, "");
    assert.equal(h.delegate(addr("doc"), consAddr("h1"), 19n).code, "");
    const burnedBefore = getSupply(h.mem).burned;
    const poolBefore = h.pool();
    h.stepTo(4n);
    h.begin([dupVote(consAddr("h1"), 3n)]);
    const updates = h.end();
    const slash = h.events.find((e) => e.type === "staking.slash");
    assert.deepEqual(slash?.attrs, {
      validator: toHex(consAddr("h1")),
      infractionHeight: "3",
      burned: String(50n + 16n + 0n),
      jailed: "true",
    });
    assert.equal(getSupply(h.mem).burned - burnedBefore, 66n);
    assert.equal(h.pool(), poolBefore - 66n);
    const v = view(h, "h1");
    assert.equal(v.selfBond, 950n);
    assert.equal(v.delegated, 317n + 19n);
    assert.equal(v.status, "jailed");
    assert.equal(v.jailedHeight, 5n);
    // Removed in the same block (mid-epoch), not at height 10.
    assert.deepEqual(
      updates.map((u) => [toHex(u.pubKey), u.power]),
      [[toHex(consKey("h1")), 0n]],
    );
    assert.equal(h.comet.has(toHex(consAddr("h1"))), false);
    // Still out after the boundary: jailed candidates are not eligible.
    h.stepTo(10n);
    assert.equal(h.comet.has(toHex(consAddr("h1"))), false);
    assertConserved(h);
  });

  test("evidence is idempotent per (validator, infraction height); unknown validators and other types are ignored", () => {
    const h = chain();
    h.step([dupVote(consAddr("h2"), 1n)]);
    const after1 = view(h, "h2");
    const supply1 = getSupply(h.mem);
    assert.deepEqual(h.step([dupVote(consAddr("h2"), 1n), dupVote(consAddr("h2"), 1n)]), []);
    assert.deepEqual(h.step([dupVote(consAddr("nobody"), 1n)]), []);
    assert.deepEqual(
      h.step([
        { type: "light_client_attack", validatorAddress: consAddr("h3"), power: 6n, height: 2n, timeMs: T0 },
      ]),
      [],
    );
    assert.deepEqual(view(h, "h2"), after1);
    assert.equal(view(h, "h3").status, "active");
    assert.deepEqual(getSupply(h.mem), supply1);
    // A separate equivocation (another height) is another infraction.
    h.step([dupVote(consAddr("h2"), 2n)]);
    assert.equal(view(h, "h2").selfBond, 760n - 38n);
    assertConserved(h);
  });

  test("unbonding entries started at or after the infraction height are slashed too", () => {
    const h = chain();
    assert.equal(h.delegate(addr("pat"), consAddr("h3"), 1_000n).code, "");
    h.stepTo(3n);
    h.begin();
    assert.equal(h.undelegate(addr("pat"), consAddr("h3"), 400n).code, ""); // created at 4, before infraction
    h.end();
    h.stepTo(6n);
    h.begin();
    assert.equal(h.undelegate(addr("pat"), consAddr("h3"), 200n).code, ""); // created at 7, after
    assert.equal(h.undelegate(addr("h3"), consAddr("h3"), 100n).code, ""); // self-bond, created at 7
    h.end();
    h.step([dupVote(consAddr("h3"), 5n)]);
    const d = h.query(`staking/delegations/${toHex(addr("pat"))}`) as {
      delegations: { amount: bigint }[];
      unbonding: { amount: bigint; creationHeight: bigint }[];
    };
    assert.deepEqual(
      d.unbonding.map((u) => [u.creationHeight, u.amount]),
      [
        [4n, 400n],
        [7n, 190n],
      ],
    );
    assert.equal(d.delegations[0]?.amount, 380n);
    const self = h.query(`staking/delegations/${toHex(addr("h3"))}`) as { unbonding: { amount: bigint }[] };
    assert.deepEqual(
      self.unbonding.map((u) => u.amount),
      [95n],
    );
    assert.equal(view(h, "h3").selfBond, 475n);
    assertConserved(h);
  });

  test("a 100% slash empties delegations and drops delegators from the indexes", () => {
    const h = chain({ slashFractionDoubleSignBp: 10_000 });
    assert.equal(h.delegate(addr("pat"), consAddr("h2"), 300n).code, "");
    h.step([dupVote(consAddr("h2"), 1n)]);
    const v = view(h, "h2");
    assert.equal(v.stake, 0n);
    assert.deepEqual(h.query(`staking/delegations/${toHex(addr("pat"))}`), {
      delegator: toHex(addr("pat")),
      delegations: [],
      unbonding: [],
    });
    assert.equal(h.balance(addr("pat")), 9_700n);
    assert.deepEqual(getAddressList(h.mem, delegatorIndexKey(addr("pat"))), [], "index cleaned up");
    assert.deepEqual(getAddressList(h.mem, delegatorsKey(consAddr("h2"))), []);
    assertConserved(h);
  });

  test("unjail: only the operator, only when jailed, only after jailBlocks; re-elected at the next boundary", () => {
    const h = chain();
    assert.equal(h.tx(addr("h1"), "staking/unjail", {}).code, "STAKING_NOT_JAILED");
    assert.equal(h.tx(addr("pat"), "staking/unjail", {}).code, "STAKING_NOT_OPERATOR");
    h.step([dupVote(consAddr("h1"), 1n)]);
    const jailedAt = view(h, "h1").jailedHeight;
    assert.equal(jailedAt, h.height);
    assert.equal(h.comet.has(toHex(consAddr("h1"))), false);
    h.stepTo(jailedAt + 2n);
    assert.equal(h.tx(addr("h1"), "staking/unjail", {}).code, "STAKING_JAIL_NOT_SERVED"); // jailedAt + 3
    assert.equal(h.tx(addr("h1"), "staking/unjail", {}).code, ""); // jailedAt + 4 = jailedAt + jailBlocks
    assert.equal(view(h, "h1").status, "candidate");
    h.stepTo(10n);
    assert.equal(h.comet.get(toHex(consAddr("h1")))?.power, 9n, "950 / 100");
    assertConserved(h);
  });

  test("the last validator is not removed mid-epoch even when jailed", () => {
    const h = new Harness({
      accounts: [institution("solo", 10_000n), institution("next", 10_000n)],
      staking: { params: baseParams, validators: [genesisValidator("solo", 1_000n)] },
    });
    h.begin([dupVote(consAddr("solo"), 1n)]);
    assert.deepEqual(h.end(), []);
    assert.ok(h.events.some((e) => e.type === "staking.set_kept"));
    assert.equal(view(h, "solo").status, "active", "status reports CometBFT membership");
    assert.equal(h.create("next", 200n).code, "");
    h.stepTo(10n);
    assert.deepEqual([...h.comet.keys()], [toHex(consAddr("next"))]);
  });

  test("jailOnDoubleSign=false: slashed, stays active, re-powered at the boundary", () => {
    const h = chain({ jailOnDoubleSign: false });
    assert.deepEqual(h.step([dupVote(consAddr("h1"), 1n)]), []);
    assert.equal(view(h, "h1").status, "active");
    assert.equal(h.comet.get(toHex(consAddr("h1")))?.power, 10n);
    h.stepTo(10n);
    assert.equal(h.comet.get(toHex(consAddr("h1")))?.power, 9n);
  });
});
