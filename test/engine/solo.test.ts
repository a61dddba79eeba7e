import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { addressFromPublicKey } from "../../src/crypto/ed25519.js";
import { toHex } from "../../src/crypto/hash.js";
import { buildRegister, buildTransfer } from "../../src/sdk/tx.js";
import { openTestChain, type TestChain, testKey } from "../helpers/chain.js";

function balance(chain: TestChain, addr: Uint8Array): bigint {
  const r = chain.app.query({ path: `coin/balance/${toHex(addr)}` });
  assert.equal(r.code, 0, r.log);
  return (r.value as { balance: bigint }).balance;
}

function supplyInvariant(chain: TestChain, accounts: Uint8Array[]): void {
  const s = chain.app.query({ path: "coin/supply" }).value as {
    genesis: bigint;
    minted: bigint;
    burned: bigint;
    circulating: bigint;
  };
  const sum = accounts.reduce((acc, a) => acc + balance(chain, a), 0n);
  assert.equal(s.circulating, s.genesis + s.minted - s.burned);
  assert.equal(sum, s.circulating, "sum of balances equals circulating supply");
}

describe("solo engine + application on LevelDB", () => {
  let chain: TestChain;
  const patient = testKey("patient");
  const patientAddr = addressFromPublicKey(patient.publicKey);
  before(async () => {
    chain = await openTestChain();
  });
  after(async () => {
    await chain.close();
  });

  test("register, transfer, fees burned, reward minted, supply conserved", async () => {
    const v = chain.material.validators[0]!;
    const env0 = { chainId: chain.material.chainId, nonce: 0n, fee: 0n };
    const reg = buildRegister(patient.secretKey, env0, chain.certFor(patient, "patient", 100n));
    const r1 = await chain.engine.submit(reg);
    assert.equal(r1.code, 0, r1.log);
    chain.clock.advance(1000);
    const b1 = await chain.engine.produceBlock();
    assert.equal(b1?.height, 1n);
    assert.equal(b1?.response.txResults[0]?.code, 0);

    const id = chain.app.query({ path: `identity/address/${toHex(patientAddr)}` });
    assert.equal(id.code, 0, id.log);
    assert.equal((id.value as { role: string }).role, "patient");

    const before = balance(chain, v.address);
    const t = buildTransfer(
      v.keys.secretKey,
      { chainId: chain.material.chainId, nonce: 0n, fee: 10n },
      patientAddr,
      5000n,
    );
    assert.equal((await chain.engine.submit(t)).code, 0);
    chain.clock.advance(1000);
    const b2 = await chain.engine.produceBlock();
    assert.equal(b2?.response.txResults[0]?.code, 0);
    assert.equal(balance(chain, patientAddr), 5000n);
    // Validator paid 5000 + fee 10, and earned the block reward (it is the proposer).
    assert.equal(balance(chain, v.address), before - 5010n + 1_000_000n);
    supplyInvariant(chain, [v.address, patientAddr]);
  });

  test("replay, wrong chain, bad signature and overdraft are refused with stable codes", async () => {
    const v = chain.material.validators[0]!;
    const replay = buildTransfer(
      v.keys.secretKey,
      { chainId: chain.material.chainId, nonce: 0n, fee: 10n },
      patientAddr,
      5000n,
    );
    assert.equal((await chain.engine.submit(replay)).errorCode, "TX_BAD_NONCE");
    const wrongChain = buildTransfer(
      v.keys.secretKey,
      { chainId: "other-chain", nonce: 1n, fee: 10n },
      patientAddr,
      1n,
    );
    assert.equal((await chain.engine.submit(wrongChain)).errorCode, "TX_WRONG_CHAIN");
    const good = buildTransfer(
      v.keys.secretKey,
      { chainId: chain.material.chainId, nonce: 1n, fee: 10n },
      patientAddr,
      1n,
    );
    const bad = good.slice();
    bad[bad.length - 1]! ^= 1;
    assert.equal((await chain.engine.submit(bad)).errorCode, "TX_BAD_SIGNATURE");
    const overdraft = buildTransfer(
      patient.secretKey,
      { chainId: chain.material.chainId, nonce: 1n, fee: 1n },
      v.address,
      10n ** 12n,
    );
    assert.equal((await chain.engine.submit(overdraft)).errorCode, "COIN_INSUFFICIENT_FUNDS");
    assert.equal(chain.engine.mempool.size, 0, "nothing refused entered the mempool");
  });

  test("a transaction that fails at execution stays in the block, pays its fee, has no other effect", async () => {
    const v = chain.material.validators[0]!;
    const stranger = addressFromPublicKey(testKey("stranger").publicKey);
    const nonce = (await nonceOf(chain, v.address)) ?? 0n;
    const tx = buildTransfer(
      v.keys.secretKey,
      { chainId: chain.material.chainId, nonce, fee: 7n },
      stranger,
      1n,
    );
    // CheckTx refuses it (unregistered recipient) ...
    assert.equal((await chain.engine.submit(tx)).errorCode, "IDENTITY_NOT_REGISTERED");
    // ... but another proposer could still include it: execute it directly through ABCI.
    const before = balance(chain, v.address);
    const h = chain.app.height + 1n;
    const res = chain.app.finalizeBlock({
      txs: [tx],
      height: h,
      timeMs: BigInt(chain.clock.now() + 5000),
      hash: new Uint8Array(32).fill(7),
      proposerAddress: new Uint8Array(20),
      misbehavior: [],
    });
    await chain.app.commit();
    assert.equal(res.txResults[0]?.errorCode, "IDENTITY_NOT_REGISTERED");
    assert.equal(balance(chain, v.address), before - 7n, "only the fee left the account");
    assert.equal(await nonceOf(chain, v.address), nonce + 1n, "nonce consumed");
    assert.equal(balance(chain, stranger), 0n);
  });

  test("a certificate issued after the last block is admitted on an idle chain", async () => {
    chain.clock.advance(3_600_000); // an hour with no blocks
    const late = testKey("late-registrant");
    const notBeforeMs = BigInt(chain.clock.now() - 1000);
    const cert = { ...chain.certFor(late, "doctor", 777n) };
    const { issueCertificate } = await import("../../src/node/network.js");
    const fresh = issueCertificate(chain.material.ca.secretKey, { ...cert, notBeforeMs });
    const env = { chainId: chain.material.chainId, nonce: 0n, fee: 0n };
    const r = await chain.engine.submit(buildRegister(late.secretKey, env, fresh));
    assert.equal(r.code, 0, `${r.errorCode}: ${r.log}`);
    chain.clock.advance(1000);
    const b = await chain.engine.produceBlock();
    assert.equal(b?.response.txResults[0]?.code, 0);
  });

  test("an empty block changes nothing: same app hash, no reward (so CometBFT can idle)", async () => {
    const before = toHex(chain.app.appHash);
    const supplyBefore = chain.app.query({ path: "coin/supply" }).value;
    const res = chain.app.finalizeBlock({
      txs: [],
      height: chain.app.height + 1n,
      timeMs: BigInt(chain.clock.now() + 10_000),
      hash: new Uint8Array(32).fill(3),
      proposerAddress: chain.material.validators[0]!.address,
      misbehavior: [],
    });
    await chain.app.commit();
    assert.equal(toHex(res.appHash), before);
    assert.deepEqual(chain.app.query({ path: "coin/supply" }).value, supplyBefore);
  });

  test("restart resumes at the last height with the same app hash", async () => {
    const height = chain.app.height;
    const appHash = toHex(chain.app.appHash);
    await chain.reopen();
    assert.equal(chain.app.height, height);
    assert.equal(toHex(chain.app.appHash), appHash);
    const v = chain.material.validators[0]!;
    const nonce = (await nonceOf(chain, v.address)) ?? 0n;
    const t = buildTransfer(
      v.keys.secretKey,
      { chainId: chain.material.chainId, nonce, fee: 10n },
      patientAddr,
      1n,
    );
    assert.equal((await chain.engine.submit(t)).code, 0);
    chain.clock.advance(1000);
    const b = await chain.engine.produceBlock();
    assert.equal(b?.height, height + 1n);
  });
});

async function nonceOf(chain: TestChain, addr: Uint8Array): Promise<bigint | undefined> {
  const { readNonce } = await import("../../src/app/nonce.js");
  return readNonce(chain.store, addr);
}
