import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FinalizeBlockResponse, Misbehavior } from "../../../src/app/abci.js";
import { Application } from "../../../src/app/application.js";
import { addressFromPublicKey } from "../../../src/crypto/ed25519.js";
import { toHex } from "../../../src/crypto/hash.js";
import { type Genesis, parseGenesis } from "../../../src/engine/genesis.js";
import { assertGenesisValidatorsMatch } from "../../../src/modules/staking/genesis.js";
import { createValidatorMsg, delegateMsg, undelegateMsg } from "../../../src/modules/staking/messages.js";
import { STAKING_POOL_ADDRESS } from "../../../src/modules/staking/state.js";
import { defaultModules } from "../../../src/node/modules.js";
import { createNetworkMaterial, issueCertificate, type NetworkMaterial } from "../../../src/node/network.js";
import { PRESETS } from "../../../src/node/presets.js";
import { buildRegister, buildTransfer, buildTx } from "../../../src/sdk/tx.js";
import { ChainStore } from "../../../src/storage/chainStore.js";
import { GENESIS_MS, seededBytes, testKey } from "../../helpers/chain.js";

/**
 * The staking module inside the real application on LevelDB, genesis from createNetworkMaterial:
 * signed transactions, epoch elections surfacing as FinalizeBlock validator updates, the block
 * reward reaching the operator account, and CometBFT evidence slashing a validator.
 */
describe("staking in the application (LevelDB)", () => {
  let dir: string;
  let store: ChainStore;
  let app: Application;
  let material: NetworkMaterial;
  let genesis: Genesis;
  let height = 0n;
  const nonces = new Map<string, bigint>();
  const operator = testKey("staking/credit-bank");
  const operatorAddr = addressFromPublicKey(operator.publicKey);
  const consensus = testKey("staking/credit-bank/consensus");
  const consAddr = addressFromPublicKey(consensus.publicKey);

  const env = (pub: Uint8Array) => {
    const k = toHex(pub);
    const nonce = nonces.get(k) ?? 0n;
    nonces.set(k, nonce + 1n);
    return { chainId: material.chainId, nonce, fee: 0n };
  };

  async function block(txs: Uint8Array[], opts: { proposer?: Uint8Array; misbehavior?: Misbehavior[] } = {}) {
    height += 1n;
    const res: FinalizeBlockResponse = app.finalizeBlock({
      txs,
      height,
      timeMs: BigInt(GENESIS_MS) + height * 1000n,
      hash: new Uint8Array(32).fill(Number(height % 255n)),
      proposerAddress: opts.proposer ?? material.validators[0]!.address,
      misbehavior: opts.misbehavior ?? [],
    });
    await app.commit();
    for (const [i, r] of res.txResults.entries()) assert.equal(r.code, 0, `tx ${i} at ${height}: ${r.log}`);
    return res;
  }

  function q<T>(path: string): T {
    const r = app.query({ path });
    assert.equal(r.code, 0, r.log);
    return r.value as T;
  }

  function supplyConserved(): void {
    const s = q<{ circulating: bigint }>("coin/supply");
    let sum = 0n;
    for (const k of [...material.validators.map((v) => v.address), operatorAddr, STAKING_POOL_ADDRESS]) {
      sum += q<{ balance: bigint }>(`coin/balance/${toHex(k)}`).balance;
    }
    assert.equal(sum, s.circulating, "Σ balances (incl. the pool) = circulating");
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "consortia-staking-"));
    material = createNetworkMaterial({
      validators: 3,
      preset: PRESETS.energy,
      genesisTimeMs: GENESIS_MS,
      randomBytes: seededBytes("staking-chain"),
      staking: {
        selfBond: 40_000_000n,
        params: { epochLength: 5, maxValidators: 3, powerReduction: "1000000", unbondingBlocks: 3 },
      },
    });
    genesis = parseGenesis(material.genesisJson);
    store = await ChainStore.open(join(dir, "data"));
    app = new Application({ store, ...defaultModules() }, { chainId: material.chainId });
    app.initChain({
      chainId: genesis.chainId,
      timeMs: genesis.genesisTimeMs,
      initialHeight: genesis.initialHeight,
      appStateBytes: genesis.appStateBytes,
      validators: genesis.validators,
    });
  });

  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("genesis.json validators carry the staking powers; the selfBond left each allocation", () => {
    assert.deepEqual(
      genesis.validators.map((v) => v.power),
      [40n, 40n, 40n],
    );
    assertGenesisValidatorsMatch((genesis.appState as { staking: unknown }).staking, genesis.validators);
    const active = q<{ validators: { address: string; power: bigint }[]; totalPower: bigint }>(
      "staking/active",
    );
    assert.equal(active.totalPower, 120n);
    assert.equal(q<{ balance: bigint }>(`coin/balance/${toHex(STAKING_POOL_ADDRESS)}`).balance, 120_000_000n);
    assert.equal(
      q<{ balance: bigint }>(`coin/balance/${toHex(material.validators[0]!.address)}`).balance,
      1_000_000_000_000n - 40_000_000n,
    );
    // Without the option the genesis is unchanged: fixed power 10, no staking section.
    const plain = parseGenesis(
      createNetworkMaterial({
        validators: 2,
        preset: PRESETS.energy,
        genesisTimeMs: GENESIS_MS,
        randomBytes: seededBytes("plain"),
      }).genesisJson,
    );
    assert.deepEqual(
      plain.validators.map((v) => v.power),
      [10n, 10n],
    );
    assert.equal((plain.appState as Record<string, unknown>).staking, undefined);
    assert.throws(
      () =>
        createNetworkMaterial({
          validators: 1,
          preset: PRESETS.energy,
          genesisTimeMs: GENESIS_MS,
          staking: { selfBond: 10n },
        }),
      /voting power 0/,
    );
  });

  test("a credit bank registers, bonds with its own consensus key, is elected at the epoch and earns rewards", async () => {
    const [v0, v1] = material.validators;
    const cert = issueCertificate(material.ca.secretKey, {
      chainId: material.chainId,
      serial: 100n,
      subjectPublicKey: operator.publicKey,
      subject: new Uint8Array(32).fill(9),
      role: "credit-bank",
      notBeforeMs: BigInt(GENESIS_MS),
      notAfterMs: BigInt(GENESIS_MS) + 10n ** 10n,
    });
    await block([
      buildRegister(operator.secretKey, env(operator.publicKey), cert),
      buildTransfer(v0!.keys.secretKey, env(v0!.keys.publicKey), operatorAddr, 100_000_000n),
    ]);
    await block([
      buildTx(operator.secretKey, env(operator.publicKey), "staking/create-validator", createValidatorMsg, {
        consensusPubKey: consensus.publicKey,
        selfBond: 60_000_000n,
        moniker: "credit-bank-1",
      }),
      buildTx(v1!.keys.secretKey, env(v1!.keys.publicKey), "staking/delegate", delegateMsg, {
        validator: consAddr,
        amount: 5_500_000n,
      }),
    ]);
    const res3 = await block([]);
    assert.deepEqual(res3.validatorUpdates, [], "no election before the boundary");
    await block([]);
    const res5 = await block([]);
    assert.equal(height, 5n);
    // 65.5M stake → power 65; top 3 of four: the three genesis validators tie at 40, the lowest
    // two addresses keep their seats.
    const tied = material.validators.map((v) => toHex(v.address)).sort();
    const out = material.validators.find((v) => toHex(v.address) === tied[2])!;
    const ups = res5.validatorUpdates.map((u) => [toHex(addressFromPublicKey(u.pubKey)), u.power]).sort();
    assert.deepEqual(
      ups,
      [
        [toHex(consAddr), 65n],
        [toHex(out.address), 0n],
      ].sort(),
    );
    assert.ok(res5.events.some((e) => e.type === "staking.validator_set"));

    const before = q<{ balance: bigint }>(`coin/balance/${toHex(operatorAddr)}`).balance;
    // The leader is paid for blocks that carry transactions (an empty block earns nothing).
    const res6 = await block([buildTransfer(v0!.keys.secretKey, env(v0!.keys.publicKey), v1!.address, 1n)], {
      proposer: consAddr,
    });
    const reward = res6.events.find((e) => e.type === "coin.reward");
    assert.equal(reward?.attributes.find((a) => a.key === "to")?.value, toHex(operatorAddr));
    assert.equal(q<{ balance: bigint }>(`coin/balance/${toHex(operatorAddr)}`).balance, before + 1_000_000n);
    supplyConserved();
  });

  test("duplicate-vote evidence slashes, jails and removes the validator in that block", async () => {
    const [, v1] = material.validators;
    const burnedBefore = q<{ burned: bigint }>("coin/supply").burned;
    const res = await block(
      [
        buildTx(v1!.keys.secretKey, env(v1!.keys.publicKey), "staking/undelegate", undelegateMsg, {
          validator: consAddr,
          amount: 500_000n,
        }),
      ],
      {
        misbehavior: [
          { type: "duplicate_vote", validatorAddress: consAddr, power: 65n, height: 6n, timeMs: 0n },
        ],
      },
    );
    assert.deepEqual(
      res.validatorUpdates.map((u) => [toHex(u.pubKey), u.power]),
      [[toHex(consensus.publicKey), 0n]],
    );
    // Evidence runs in BeginBlock, before the undelegation: 5% of 60M + 5% of 5.5M.
    assert.equal(q<{ burned: bigint }>("coin/supply").burned - burnedBefore, 3_000_000n + 275_000n);
    const v = q<{ status: string; selfBond: bigint; delegated: bigint }>(
      `staking/validator/${toHex(consAddr)}`,
    );
    assert.deepEqual([v.status, v.selfBond, v.delegated], ["jailed", 57_000_000n, 5_225_000n - 500_000n]);
    supplyConserved();
    // Unbonded funds come back after unbondingBlocks = 3.
    const bal = () => q<{ balance: bigint }>(`coin/balance/${toHex(v1!.address)}`).balance;
    const b0 = bal();
    await block([]);
    await block([]);
    assert.equal(bal(), b0);
    await block([]);
    assert.equal(bal(), b0 + 500_000n);
    supplyConserved();
  });
});
