import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  type Misbehavior,
  MisbehaviorType,
  type RequestFinalizeBlock,
} from "cosmjs-types/tendermint/abci/types";
import { fromFinalizeBlock, fromInitChain } from "../../src/abci/convert.js";
import type { FinalizeBlockResponse } from "../../src/app/abci.js";
import { Application } from "../../src/app/application.js";
import { addressFromPublicKey, generateKeyPair, type KeyPair } from "../../src/crypto/ed25519.js";
import { fromHex, sha256, toHex } from "../../src/crypto/hash.js";
import { parseGenesis } from "../../src/engine/genesis.js";
import { errorCodeInfo } from "../../src/errors.js";
import { parseRfc3339 } from "../../src/ledger/cometbft-json.js";
import { localTimeoutsFor } from "../../src/node/cometHomes.js";
import { defaultModules } from "../../src/node/modules.js";
import { issueCertificate } from "../../src/node/network.js";
import { buildRegister, buildTransfer } from "../../src/sdk/tx.js";
import { MemoryStore } from "../../src/storage/memoryStore.js";
import { Cluster } from "../helpers/cluster.js";

/**
 * Determinism against a real network: 4 validators (separate processes, each our app behind its
 * own cometbft) commit a stream of valid and invalid transactions submitted through all four
 * nodes; then every committed block, as CometBFT's RPC serves it, is replayed through two fresh
 * in-process Applications built from the same genesis. At every height both replays must agree
 * with each other, with the app hash the chain's next header carries, and with the per-transaction
 * result codes CometBFT stored (/block_results).
 *
 * Invalid transactions mostly die at CheckTx (bad nonce, insufficient balance, unknown recipient,
 * bad signature; asserted by code, and asserted absent from every block). To get failures *inside*
 * blocks, one sender pays an identity whose certificate expires mid-run: CheckTx judges by the
 * last block's time, FinalizeBlock by the new block's, so transfers admitted just before the
 * expiry fail in the block that crosses it (IDENTITY_EXPIRED, fee and nonce still spent).
 */

const MIN_TX_HEIGHTS = 10;
/** The recipient's certificate expires this long after the load starts. */
const EXPIRY_AFTER_MS = 7000;
const LOAD_MAX_MS = 40_000;

interface RpcBlock {
  block_id: { hash: string };
  block: {
    header: { height: string; time: string; app_hash: string; proposer_address: string };
    data: { txs: string[] | null };
    evidence: { evidence: RpcEvidence[] | null };
  };
}
interface RpcEvidence {
  type: string;
  value: {
    vote_a?: { height: string; validator_address: string };
    ValidatorPower?: string;
    TotalVotingPower?: string;
    Timestamp?: string;
  };
}
interface RpcBlockResults {
  height: string;
  txs_results: Array<{ code?: number; info?: string; log?: string }> | null;
  validator_updates: unknown[] | null;
  app_hash: string;
}
interface RpcCheck {
  code: number;
  log: string;
  codespace: string;
  hash: string;
}

let cluster: Cluster;
let rpcUrls: string[];

async function rpc<T>(node: number, path: string): Promise<T> {
  const res = await fetch(`${rpcUrls[node]}/${path}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { result?: T; error?: unknown };
  if (body.result === undefined) assert.fail(`node ${node} rpc ${path}: ${JSON.stringify(body.error)}`);
  return body.result;
}

const broadcast = (node: number, tx: Uint8Array) =>
  rpc<RpcCheck>(node, `broadcast_tx_sync?tx=0x${toHex(tx)}`);
const latest = async (node: number) =>
  BigInt(
    (await rpc<{ sync_info: { latest_block_height: string } }>(node, "status")).sync_info.latest_block_height,
  );

/** CometBFT JSON encodes []byte as base64 and HexBytes as upper-case hex; compare as lower hex. */
function b64hex(s: string): string {
  return toHex(Buffer.from(s, "base64"));
}

function timestamp(rfc3339: string): { seconds: bigint; nanos: number } {
  const t = parseRfc3339(rfc3339);
  assert.ok(t, `bad RFC 3339 time ${rfc3339}`);
  return t;
}

/** DuplicateVoteEvidence in a block → the Misbehavior CometBFT hands FinalizeBlock (evidence.ABCI()). */
function misbehaviorOf(e: RpcEvidence): Misbehavior {
  assert.equal(e.type, "tendermint/DuplicateVoteEvidence", `unexpected evidence type ${e.type}`);
  const v = e.value;
  assert.ok(v.vote_a && v.ValidatorPower && v.TotalVotingPower && v.Timestamp, "evidence fields");
  return {
    type: MisbehaviorType.DUPLICATE_VOTE,
    validator: {
      address: fromHex(v.vote_a.validator_address.toLowerCase()),
      power: BigInt(v.ValidatorPower),
    },
    height: BigInt(v.vote_a.height),
    time: timestamp(v.Timestamp),
    totalVotingPower: BigInt(v.TotalVotingPower),
  };
}

/** What CometBFT's FinalizeBlock request for a committed block carries (minus fields we ignore). */
function finalizeRequestOf(b: RpcBlock): RequestFinalizeBlock {
  const h = b.block.header;
  return {
    txs: (b.block.data.txs ?? []).map((t) => new Uint8Array(Buffer.from(t, "base64"))),
    decidedLastCommit: { round: 0, votes: [] },
    misbehavior: (b.block.evidence.evidence ?? []).map(misbehaviorOf),
    hash: fromHex(b.block_id.hash.toLowerCase()),
    height: BigInt(h.height),
    time: timestamp(h.time),
    nextValidatorsHash: new Uint8Array(32),
    proposerAddress: fromHex(h.proposer_address.toLowerCase()),
  };
}

before(async () => {
  // A 300 ms commit pause, as before local networks dropped it: a transfer admitted in the pause
  // just before the expiry lands in the first block past it (the in-block failures this test
  // needs). Without the pause that window is the few ms between a commit and the next proposal.
  cluster = await Cluster.create({
    validators: 4,
    cometbft: { timeouts: { ...localTimeoutsFor(4), commitMs: 300 }, skipTimeoutCommit: false },
  });
  rpcUrls = cluster.nodes.map((n) => {
    const cfg = JSON.parse(readFileSync(join(n.home, "config.json"), "utf8")) as {
      cometbft: { rpcPort: number };
    };
    return `http://127.0.0.1:${cfg.cometbft.rpcPort}`;
  });
  await cluster.startAll();
  await cluster.waitForHeight(1n, [0, 1, 2, 3], 60_000);
});
after(async () => {
  await cluster?.close();
});

test("every committed block replays to the same app hashes and result codes on two fresh applications", async (t) => {
  const m = cluster.material;
  const chainId = m.chainId;
  const genesis = parseGenesis(m.genesisJson);
  const vals = m.validators;
  const code = (name: string) => errorCodeInfo(name).num;

  // --- setup: an identity that will expire, and a funded identity that only sends invalid txs ---
  const certFor = (k: KeyPair, serial: bigint, notAfterMs: bigint) =>
    issueCertificate(m.ca.secretKey, {
      chainId,
      serial,
      subjectPublicKey: k.publicKey,
      subject: sha256(k.publicKey),
      role: "patient",
      notBeforeMs: genesis.genesisTimeMs,
      notAfterMs,
    });
  const expiring = generateKeyPair();
  const expiringAddr = addressFromPublicKey(expiring.publicKey);
  const mallory = generateKeyPair();
  const malloryAddr = addressFromPublicKey(mallory.publicKey);
  const loadStart = Date.now() + 3000;
  const expiresAt = BigInt(loadStart + EXPIRY_AFTER_MS);
  const setup = [
    buildRegister(expiring.secretKey, { chainId, nonce: 0n, fee: 0n }, certFor(expiring, 1001n, expiresAt)),
    buildRegister(
      mallory.secretKey,
      { chainId, nonce: 0n, fee: 0n },
      certFor(mallory, 1002n, expiresAt * 2n),
    ),
  ];
  for (const [i, tx] of setup.entries()) assert.equal((await broadcast(i, tx)).code, 0, `setup tx ${i}`);
  const nonces = await Promise.all(
    vals.map(async (v) => {
      const r = await fetch(`${cluster.nodes[0]!.apiUrl}/accounts/${toHex(v.address)}`);
      return BigInt(((await r.json()) as { nonce: string }).nonce);
    }),
  );
  const fund = buildTransfer(
    vals[0]!.keys.secretKey,
    { chainId, nonce: nonces[0]!++, fee: 1n },
    malloryAddr,
    1_000_000n,
  );
  // The registration must be committed before the transfer can pass CheckTx.
  for (let i = 0; ; i++) {
    const r = await broadcast(0, fund);
    if (r.code === 0) break;
    assert.ok(i < 100 && r.code === code("IDENTITY_NOT_REGISTERED"), `funding: ${r.code} ${r.log}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  while (Date.now() < loadStart) await new Promise((r) => setTimeout(r, 50));

  // --- load: valid streams through nodes 0..3, invalid transactions through all of them ---
  const refused = new Map<string, { hash: string; got: number; want: number }>();
  let stop = false;
  let admitted = 0;
  const stream = async (i: number) => {
    const to = i === 3 ? expiringAddr : vals[(i + 1) % 4]!.address;
    let amount = 1n;
    while (!stop) {
      const tx = buildTransfer(
        vals[i]!.keys.secretKey,
        { chainId, nonce: nonces[i]!, fee: 1n },
        to,
        amount++,
      );
      const r = await broadcast(i, tx).catch(() => undefined);
      if (r?.code === 0) {
        nonces[i]!++;
        admitted++;
      } else if (r?.code === code("TX_BAD_NONCE")) {
        // A transfer evicted on recheck (the expiring recipient) leaves a gap: resync.
        const acc = await fetch(`${cluster.nodes[i]!.apiUrl}/accounts/${toHex(vals[i]!.address)}`);
        nonces[i] = BigInt(((await acc.json()) as { nonce: string }).nonce);
      }
      // Around the expiry, stream 3 sends faster, so several transfers fall into that window.
      const burst = i === 3 && Math.abs(Date.now() - Number(expiresAt)) < 1500;
      await new Promise((res) => setTimeout(res, burst ? 20 : 150));
    }
  };
  const invalid = async () => {
    let k = 0n;
    while (!stop) {
      // Mallory's next nonce is 1 (its registration used 0) and stays 1: nothing of hers commits.
      const mk = (nonce: bigint, to: Uint8Array, amount: bigint) =>
        buildTransfer(mallory.secretKey, { chainId, nonce, fee: 1n }, to, amount);
      const badSig = mk(1n, vals[0]!.address, 1n + k);
      badSig[badSig.length - 1]! ^= 0x01;
      const cases: Array<[string, Uint8Array]> = [
        ["TX_BAD_NONCE", mk(7n + k, vals[0]!.address, 1n)],
        ["COIN_INSUFFICIENT_FUNDS", mk(1n, vals[1]!.address, 10n ** 15n + k)],
        ["IDENTITY_NOT_REGISTERED", mk(1n, sha256(Buffer.from(`nobody-${k}`)).subarray(0, 20), 1n)],
        ["TX_BAD_SIGNATURE", badSig],
      ];
      for (const [j, [want, tx]] of cases.entries()) {
        const node = Number((k + BigInt(j)) % 4n);
        const r = await broadcast(node, tx).catch(() => undefined);
        if (r) refused.set(`${want}/${k}`, { hash: r.hash.toLowerCase(), got: r.code, want: code(want) });
      }
      k++;
      await new Promise((res) => setTimeout(res, 400));
    }
  };

  const heightsWithTxs = new Set<bigint>();
  const blocks = new Map<bigint, RpcBlock>();
  let scanned = 0n;
  const scan = async () => {
    const top = await latest(0);
    for (let h = scanned + 1n; h <= top; h++) {
      const b = await rpc<RpcBlock>(0, `block?height=${h}`);
      blocks.set(h, b);
      if ((b.block.data.txs ?? []).length > 0) heightsWithTxs.add(h);
      scanned = h;
    }
  };
  const workers = [0, 1, 2, 3].map((i) => stream(i)).concat(invalid());
  const t0 = Date.now();
  while (
    (heightsWithTxs.size < MIN_TX_HEIGHTS || Date.now() < Number(expiresAt) + 4000) &&
    Date.now() - t0 < LOAD_MAX_MS
  ) {
    await new Promise((r) => setTimeout(r, 500));
    await scan();
  }
  stop = true;
  await Promise.all(workers);

  // Let the chain settle: the block after the last app-hash change carries that hash in its header.
  let top = await latest(0);
  for (let quiet = 0; quiet < 6; ) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await latest(0);
    quiet = now === top ? quiet + 1 : 0;
    top = now;
  }
  await scan();
  assert.ok(heightsWithTxs.size >= MIN_TX_HEIGHTS, `only ${heightsWithTxs.size} heights with transactions`);
  assert.ok(admitted > 20, `only ${admitted} valid transactions admitted`);

  for (const [key, r] of refused)
    assert.equal(r.got, r.want, `CheckTx of ${key}: code ${r.got}, expected ${r.want}`);
  for (const want of [
    "TX_BAD_NONCE",
    "COIN_INSUFFICIENT_FUNDS",
    "IDENTITY_NOT_REGISTERED",
    "TX_BAD_SIGNATURE",
  ])
    assert.ok(
      [...refused.keys()].some((k) => k.startsWith(`${want}/`)),
      `no ${want} case was submitted`,
    );

  // --- replay ---
  const fresh = () => {
    const store = new MemoryStore();
    const app = new Application({ store, ...defaultModules() }, { chainId });
    app.initChain(
      fromInitChain({
        time: {
          seconds: genesis.genesisTimeMs / 1000n,
          nanos: Number(genesis.genesisTimeMs % 1000n) * 1_000_000,
        },
        chainId,
        validators: genesis.validators.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
        appStateBytes: genesis.appStateBytes,
        initialHeight: genesis.initialHeight,
      }),
    );
    return app;
  };
  const replicas = [fresh(), fresh()] as const;
  const inBlockFailures: string[] = [];
  const committedTxs = new Set<string>();
  let txCount = 0;
  for (let h = genesis.initialHeight; h <= top; h++) {
    const block = blocks.get(h) ?? (await rpc<RpcBlock>(Number(h % 4n), `block?height=${h}`));
    const results = await rpc<RpcBlockResults>(Number((h + 1n) % 4n), `block_results?height=${h}`);
    const req = fromFinalizeBlock(finalizeRequestOf(block));
    const out: FinalizeBlockResponse[] = [];
    for (const app of replicas) {
      out.push(app.finalizeBlock(req));
      await app.commit();
    }
    const [a, b] = out as [FinalizeBlockResponse, FinalizeBlockResponse];
    assert.equal(toHex(a.appHash), toHex(b.appHash), `height ${h}: the two replays disagree on the app hash`);
    const next =
      h < top ? (blocks.get(h + 1n) ?? (await rpc<RpcBlock>(0, `block?height=${h + 1n}`))) : undefined;
    if (next) {
      assert.equal(
        toHex(a.appHash),
        next.block.header.app_hash.toLowerCase(),
        `height ${h}: replayed app hash != app_hash in header ${h + 1n}`,
      );
    }
    assert.equal(
      toHex(a.appHash),
      b64hex(results.app_hash),
      `height ${h}: replayed app hash != block_results app_hash`,
    );
    const chainCodes = (results.txs_results ?? []).map((r) => r.code ?? 0);
    assert.deepEqual(
      a.txResults.map((r) => r.code),
      chainCodes,
      `height ${h}: per-tx result codes differ from /block_results`,
    );
    assert.deepEqual(
      b.txResults.map((r) => r.code),
      chainCodes,
      `height ${h}: second replay's result codes differ`,
    );
    assert.equal(
      a.validatorUpdates.length,
      (results.validator_updates ?? []).length,
      `height ${h}: validator updates differ`,
    );
    for (const [i, r] of a.txResults.entries()) {
      txCount++;
      committedTxs.add(toHex(sha256(req.txs[i]!)));
      if (r.code !== 0) inBlockFailures.push(`${h}:${r.errorCode}`);
    }
  }
  for (const [key, r] of refused)
    assert.ok(!committedTxs.has(r.hash), `refused transaction ${key} (${r.hash}) is in a block`);
  assert.ok(txCount > 20, `only ${txCount} transactions replayed`);
  assert.ok(
    inBlockFailures.length > 0 && inBlockFailures.every((f) => f.endsWith(":IDENTITY_EXPIRED")),
    `in-block failures: ${inBlockFailures.join(", ") || "none"} (expected ≥ 1 IDENTITY_EXPIRED)`,
  );
  // The live nodes' state agrees with the replay's, through our API.
  const supply = replicas[0].query({ path: "coin/supply" });
  for (const n of cluster.nodes) {
    const live = (await (await fetch(`${n.apiUrl}/query/coin/supply`)).json()) as {
      value: { circulating: string };
    };
    assert.equal(
      live.value.circulating,
      String((supply.value as { circulating: bigint }).circulating),
      n.name,
    );
  }
  t.diagnostic(
    `replayed ${top} heights, ${txCount} txs (${heightsWithTxs.size} heights with txs), ` +
      `${inBlockFailures.length} failed in-block, ${refused.size} refused at CheckTx`,
  );
});
