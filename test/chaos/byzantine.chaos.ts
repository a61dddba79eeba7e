import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { addressFromPublicKey, generateKeyPair } from "../../src/crypto/ed25519.js";
import { toHex } from "../../src/crypto/hash.js";
import { peerAddress, readNodeId } from "../../src/engine/cometbft/files.js";
import { STAKING_POOL_ADDRESS } from "../../src/modules/staking/state.js";
import {
  configureCometNode,
  localCometOptions,
  localPorts,
  localTimeoutsFor,
} from "../../src/node/cometHomes.js";
import { loadNodeOptions } from "../../src/node/config.js";
import { type Devnet, freePortBlock, startDevnet } from "../../src/node/devnet.js";
import { type ConsortiaNode, startNode } from "../../src/node/node.js";
import { PRESETS } from "../../src/node/presets.js";
import { buildTransfer } from "../../src/sdk/tx.js";

/**
 * Jepsen's "duplicate validators": validator 3's consensus key is copied into a fifth CometBFT node
 * (its own node key, app, LevelDB and a fresh priv_validator_state.json), so one key signs from two
 * processes. CometBFT must turn the conflicting votes into DuplicateVoteEvidence, our staking module
 * must slash (burn) and jail the validator and drop it from CometBFT's set, and the three honest
 * validators must keep committing.
 *
 * Forcing the double sign: the duplicate runs with a 10 ms propose timeout. It prevotes nil at
 * nearly every height before the real proposal reaches it, while the original prevotes the block
 * — two prevotes for one (height, round) with different block ids. When the key is the proposer,
 * both processes also propose (and prevote) different blocks: the duplicate is fed transactions
 * directly, so its mempool differs. If no evidence lands within ATTEMPT_MS, the duplicate is wiped
 * and started again (at most ATTEMPTS times); the diagnostic line records what it took.
 *
 * Genesis: devnet defaults (slashFractionDoubleSignBp 500, jailOnDoubleSign, evidence max age
 * 100 000 blocks / 48 h); nothing needed adjusting.
 */

const ATTEMPTS = 3;
const ATTEMPT_MS = 90_000;

let net: Devnet | undefined;
let duplicate: ConsortiaNode | undefined;
after(async () => {
  await duplicate?.stop().catch(() => undefined);
  await net?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, `${url}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

interface ValidatorView {
  status: string;
  jailed: boolean;
  selfBond: string;
  delegated: string;
  power: string;
  jailedHeight: string;
}
interface Supply {
  genesis: string;
  minted: string;
  burned: string;
  circulating: string;
}
interface RpcEvent {
  type: string;
  attributes: Array<{ key: string; value: string }> | null;
}
interface RpcBlock {
  block: {
    evidence: {
      evidence: Array<{
        type: string;
        value: { vote_a: { height: string; validator_address: string } };
      }> | null;
    };
  };
}
interface RpcBlockResults {
  txs_results: Array<{ code?: number; events: RpcEvent[] | null }> | null;
  finalize_block_events: RpcEvent[] | null;
}

const attr = (e: RpcEvent, key: string) => e.attributes?.find((a) => a.key === key)?.value;

test("a validator key running twice double-signs: evidence committed, stake slashed and burned, validator jailed and removed, chain goes on", async (t) => {
  net = await startDevnet({
    validators: 4,
    preset: PRESETS.healthchain,
    basePort: 0,
    nowMs: Date.now() - 1000,
    onNodeExit: (name, err) => t.diagnostic(`${name}: ${err.message}`),
  });
  const m = net.material!;
  const nodes = net.nodes;
  const api0 = nodes[0]!.apiUrl;
  const rpc = async <T>(path: string, i = 0): Promise<T> => {
    const body = await getJson<{ result?: T; error?: unknown }>(
      `http://127.0.0.1:${nodes[i]!.ports.rpc}/${path}`,
    );
    if (body.result === undefined) assert.fail(`rpc ${path}: ${JSON.stringify(body.error)}`);
    return body.result;
  };
  const query = async <T>(path: string) => getJson<{ height: string; value: T }>(`${api0}/query/${path}`);
  const victim = m.validators[3]!;
  const victimHex = toHex(addressFromPublicKey(victim.keys.publicKey));
  const poolHex = toHex(STAKING_POOL_ADDRESS);
  /** Until node 0's height has not moved for 4 s: every admitted transaction is committed. */
  const quiet = async () => {
    let top = nodes[0]!.node.app.height;
    for (let still = 0; still < 8; ) {
      await sleep(500);
      const h = nodes[0]!.node.app.height;
      still = h === top ? still + 1 : 0;
      top = h;
    }
  };

  // --- snapshot on a quiet chain (devnet nodes may send transactions of their own at startup) ---
  await quiet();
  const v0 = await query<ValidatorView>(`staking/validator/${victimHex}`);
  const pool0 = await query<{ balance: string }>(`coin/balance/${poolHex}`);
  const supply0 = await query<Supply>("coin/supply");
  assert.equal(v0.value.status, "active");
  assert.ok(BigInt(v0.value.selfBond) > 0n);
  const h0 = BigInt(supply0.height);
  assert.ok(v0.height === supply0.height && pool0.height === supply0.height, "one snapshot height");
  const validators0 = await rpc<{ validators: Array<{ address: string }> }>("validators");
  assert.ok(
    validators0.validators.some((v) => v.address.toLowerCase() === victimHex),
    "victim in CometBFT's set",
  );

  // --- the duplicate's home: validator 3's consensus key, everything else its own ---
  const dupHome = join(net.dir, "duplicate");
  mkdirSync(dupHome, { recursive: true });
  writeFileSync(join(dupHome, "genesis.json"), m.genesisJson);
  writeFileSync(
    join(dupHome, "config.json"),
    `${JSON.stringify({ moniker: "duplicate", engine: "solo", validatorPublicKey: toHex(victim.keys.publicKey) })}\n`,
  );
  const base = await freePortBlock(4);
  configureCometNode(
    {
      home: dupHome,
      moniker: `duplicate-of-${victim.name}`,
      validatorSecretKey: victim.keys.secretKey,
      nodeKey: generateKeyPair(),
      ports: localPorts(base, 1, 0),
      apiHost: "127.0.0.1",
      cometbft: {
        ...localCometOptions(5),
        timeouts: { ...localTimeoutsFor(5), proposeMs: 10, proposeDeltaMs: 10 },
        persistentPeers: nodes.map((n) =>
          peerAddress(readNodeId(join(n.home, "cometbft")), "127.0.0.1", n.ports.p2p),
        ),
      },
      configPatch: { storage: { cacheEntries: 20_000 }, verifyThreads: 0 },
    },
    m.genesisJson,
  );

  // --- load: validators 0-2 through their own nodes, validator 3's account through the duplicate ---
  let stop = false;
  const senders = [0, 1, 2, 3].map((i) => ({ key: m.validators[i]!.keys.secretKey, nonce: -1n }));
  const send = async (i: number, node: ConsortiaNode) => {
    const s = senders[i]!;
    if (s.nonce < 0n) {
      const acc = await getJson<{ nonce: string }>(
        `${nodes[i === 3 ? 0 : i]!.apiUrl}/accounts/${toHex(m.validators[i]!.address)}`,
      );
      s.nonce = BigInt(acc.nonce);
    }
    const to = m.validators[(i + 1) % 4]!.address;
    const r = await node.engine.submit(
      buildTransfer(s.key, { chainId: m.chainId, nonce: s.nonce, fee: 1n }, to, 1n),
    );
    if (r.code === 0) s.nonce++;
    else if (r.errorCode === "TX_BAD_NONCE") s.nonce = -1n;
  };
  const loops = [0, 1, 2, 3].map(async (i) => {
    while (!stop) {
      const node = i === 3 ? duplicate : nodes[i]!.node;
      if (node) await send(i, node).catch(() => undefined);
      await sleep(250);
    }
  });

  // --- start the duplicate until the evidence lands ---
  const t0 = Date.now();
  let attempts = 0;
  let jailed = false;
  while (!jailed && attempts < ATTEMPTS) {
    attempts++;
    rmSync(join(dupHome, "data"), { recursive: true, force: true });
    rmSync(join(dupHome, "cometbft", "data"), { recursive: true, force: true });
    duplicate = await startNode(dupHome, loadNodeOptions(dupHome), {
      onEngineExit: (err) => t.diagnostic(`duplicate: ${err.message}`),
    });
    const deadline = Date.now() + ATTEMPT_MS;
    while (Date.now() < deadline) {
      await sleep(500);
      if ((await query<ValidatorView>(`staking/validator/${victimHex}`)).value.jailed) {
        jailed = true;
        break;
      }
    }
    const d = duplicate;
    duplicate = undefined;
    await d.stop();
  }
  const tookMs = Date.now() - t0;
  assert.ok(jailed, `no duplicate-vote evidence committed after ${attempts} attempts of ${ATTEMPT_MS} ms`);

  // The three honest validators keep committing after the removal.
  const hJail = BigInt((await query<ValidatorView>(`staking/validator/${victimHex}`)).value.jailedHeight);
  const target = hJail + 5n;
  while (nodes.slice(0, 3).some((n) => n.node.app.height < target)) {
    assert.ok(Date.now() - t0 < ATTEMPTS * ATTEMPT_MS + 60_000, `stuck below ${target}`);
    await sleep(250);
  }
  stop = true;
  await Promise.all(loops);
  // Quiet chain again: every admitted transaction committed, no block changes state any more.
  await quiet();

  // --- what the chain recorded ---
  const v1 = await query<ValidatorView>(`staking/validator/${victimHex}`);
  const pool1 = await query<{ balance: string }>(`coin/balance/${poolHex}`);
  const supply1 = await query<Supply>("coin/supply");
  const h1 = BigInt(supply1.height);
  assert.ok(v1.height === supply1.height && pool1.height === supply1.height, "one snapshot height");
  let evidence = 0;
  let burned = 0n;
  let fees = 0n;
  const infractions: string[] = [];
  for (let h = h0 + 1n; h <= h1; h++) {
    const b = await rpc<RpcBlock>(`block?height=${h}`, Number(h % 3n));
    for (const e of b.block.evidence.evidence ?? []) {
      assert.equal(e.type, "tendermint/DuplicateVoteEvidence");
      if (e.value.vote_a.validator_address.toLowerCase() === victimHex) {
        evidence++;
        infractions.push(`${e.value.vote_a.height}@${h}`);
      }
    }
    const r = await rpc<RpcBlockResults>(`block_results?height=${h}`, Number(h % 3n));
    for (const e of r.finalize_block_events ?? []) {
      if (e.type !== "staking.slash") continue;
      assert.equal(attr(e, "validator"), victimHex, "only the duplicated key is slashed");
      burned += BigInt(attr(e, "burned") ?? "0");
    }
    for (const tx of r.txs_results ?? [])
      for (const e of tx.events ?? []) if (e.type === "tx") fees += BigInt(attr(e, "fee") ?? "0");
  }
  assert.ok(evidence > 0, "DuplicateVoteEvidence against the victim is in a block");
  assert.ok(burned > 0n, "stake was burned");

  // Slashed by exactly what was burned, jailed, and out of the active set.
  assert.equal(v1.value.jailed, true);
  assert.equal(v1.value.status, "jailed");
  assert.equal(v1.value.power, "0");
  assert.equal(
    BigInt(v0.value.selfBond) + BigInt(v0.value.delegated) - burned,
    BigInt(v1.value.selfBond) + BigInt(v1.value.delegated),
  );
  assert.equal(
    BigInt(pool0.value.balance) - BigInt(pool1.value.balance),
    burned,
    "the pool lost exactly the burned stake",
  );
  assert.equal(
    BigInt(supply1.value.burned) - BigInt(supply0.value.burned),
    burned + fees,
    "supply: burned grew by the slash plus the fees of the blocks in between",
  );
  assert.equal(
    BigInt(supply1.value.circulating),
    BigInt(supply1.value.genesis) + BigInt(supply1.value.minted) - BigInt(supply1.value.burned),
  );
  const active = await query<{ validators: Array<{ address: string }> }>("staking/active");
  assert.deepEqual(
    active.value.validators.map((v) => v.address).sort(),
    m.validators
      .slice(0, 3)
      .map((v) => toHex(addressFromPublicKey(v.keys.publicKey)))
      .sort(),
  );
  for (const i of [0, 1, 2]) {
    const vs = await rpc<{ validators: Array<{ address: string }> }>("validators", i);
    assert.equal(vs.validators.length, 3, `node ${i}: CometBFT's set has 3 validators`);
    assert.ok(!vs.validators.some((v) => v.address.toLowerCase() === victimHex), `node ${i}: victim removed`);
  }

  // And a transaction still commits with the victim gone.
  const from = m.validators[0]!;
  const acc = await getJson<{ nonce: string }>(`${nodes[1]!.apiUrl}/accounts/${toHex(from.address)}`);
  const tx = buildTransfer(
    from.keys.secretKey,
    { chainId: m.chainId, nonce: BigInt(acc.nonce), fee: 1n },
    m.validators[2]!.address,
    5n,
  );
  const res = await fetch(`${nodes[1]!.apiUrl}/txs?wait=commit`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tx: toHex(tx) }),
  });
  const body = (await res.json()) as { height: string; result: { code: number } };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.result.code, 0);
  assert.ok(BigInt(body.height) > hJail + 2n, "committed after the removal took effect");

  t.diagnostic(
    `double sign detected on attempt ${attempts} after ${tookMs} ms; evidence (infraction@block) ${infractions.join(", ")}; ` +
      `burned ${burned}; jailed at ${hJail}`,
  );
});
