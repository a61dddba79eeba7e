import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SCRYPT_INSECURE_FAST } from "../../src/crypto/keystore.js";
import { readNodeId } from "../../src/engine/cometbft/files.js";
import { isConsortiaError } from "../../src/errors.js";
import {
  convertHomesToCometbft,
  localCometOptions,
  localGossipSleepMs,
  localPeerIndexes,
  localPorts,
  readMembersFile,
} from "../../src/node/cometHomes.js";
import { loadNodeOptions } from "../../src/node/config.js";
import { initNetwork } from "../../src/node/initNetwork.js";
import { PRESETS } from "../../src/node/presets.js";
import { seededBytes } from "../helpers/chain.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-comethomes-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const members = [
  { name: "st-mary", host: "chain.stmary.example", p2pPort: 26656, rpcPort: 26657, apiPort: 8080 },
  { name: "city-gen", host: "10.20.0.5", p2pPort: 36656, rpcPort: 26657, apiPort: 8080, abciPort: 27000 },
  { name: "uni-clinic", host: "203.0.113.7", p2pPort: 26656, rpcPort: 26657, apiPort: 8081 },
];

test("members file: every field checked, names unique, ports distinct per member", () => {
  const ok = join(dir, "members.json");
  writeFileSync(ok, JSON.stringify({ members }));
  assert.deepEqual(
    readMembersFile(ok).map((m) => m.name),
    ["st-mary", "city-gen", "uni-clinic"],
  );
  const bad: Array<[unknown, string]> = [
    [{ members: [] }, "members"],
    [{ members: [{ ...members[0], p2pPort: 70000 }] }, "members.0.p2pPort"],
    [{ members: [{ ...members[0], host: "bad host" }] }, "members.0.host"],
    [{ members: [members[0], members[0]] }, "members.1.name"],
    [{ members: [{ ...members[0], apiPort: 26656 }] }, "members.0"],
    [{ members: [{ ...members[0], extra: 1 }] }, "members.0"],
  ];
  for (const [json, field] of bad) {
    const p = join(dir, "bad.json");
    writeFileSync(p, JSON.stringify(json));
    const err = (() => {
      try {
        readMembersFile(p);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(isConsortiaError(err, "COMET_MEMBERS_PARAM"), `${JSON.stringify(json)} refused`);
    assert.equal(err.details.field, field);
  }
});

test("init homes for member machines: p2p on all interfaces, advertised host, full mesh, WAN timeouts", async () => {
  const out = join(dir, "net");
  const r = await initNetwork({
    out,
    validators: 3,
    preset: PRESETS.healthchain,
    basePort: 26680,
    password: "pw",
    scrypt: SCRYPT_INSECURE_FAST,
    force: false,
    nowMs: 1_790_000_000_000,
    randomBytes: seededBytes("members"),
  });
  const done = await convertHomesToCometbft({
    nodes: r.nodes,
    genesisPath: r.genesis,
    password: "pw",
    members,
    basePort: 26680,
    randomBytes: seededBytes("members/node-keys"),
  });
  const ids = done.map((d) => d.nodeId);
  assert.deepEqual(
    r.nodes.map((n) => readNodeId(join(n.home, "cometbft"))),
    ids,
  );
  const o = loadNodeOptions(r.nodes[1]!.home);
  assert.equal(o.engine, "cometbft");
  assert.equal(o.moniker, "city-gen");
  assert.equal(o.api.port, 8080);
  assert.equal(o.api.host, "127.0.0.1");
  assert.deepEqual(
    [o.cometbft.p2pHost, o.cometbft.p2pPort, o.cometbft.externalAddress, o.cometbft.abciAddress],
    ["0.0.0.0", 36656, "10.20.0.5:36656", "tcp://127.0.0.1:27000"],
  );
  assert.deepEqual(o.cometbft.persistentPeers, [
    `${ids[0]}@chain.stmary.example:26656`,
    `${ids[2]}@203.0.113.7:26656`,
  ]);
  assert.equal(o.cometbft.timeouts.commitMs, 1000);
  const toml = readFileSync(join(r.nodes[1]!.home, "cometbft/config/config.toml"), "utf8");
  assert.match(toml, /^laddr = "tcp:\/\/0\.0\.0\.0:36656"$/m);
  assert.match(toml, /^laddr = "tcp:\/\/127\.0\.0\.1:26657"$/m, "RPC stays on loopback");
  assert.match(toml, new RegExp(`^unconditional_peer_ids = "${ids[0]},${ids[2]}"$`, "m"));
  const genesis = readFileSync(join(r.nodes[1]!.home, "cometbft/config/genesis.json"), "utf8");
  assert.equal(genesis, readFileSync(r.genesis, "utf8"));
  const key = readFileSync(join(r.nodes[1]!.home, "cometbft/config/priv_validator_key.json"), "utf8");
  assert.match(key, new RegExp(`"value": "${Buffer.from(r.nodes[1]!.publicKey, "hex").toString("base64")}"`));
});

test("one-machine layout: four port ranges, sparse but connected peer graph beyond 8 nodes", () => {
  assert.deepEqual(localPorts(20000, 4, 1), { api: 20001, rpc: 20005, p2p: 20009, abci: 20013 });
  assert.deepEqual(localPeerIndexes(0, 4), [1, 2, 3]);
  for (const n of [9, 16, 51]) {
    const degree = Math.ceil(Math.log2(n));
    // Reachability over the dialled edges taken as undirected (a connection carries both ways).
    const adj = Array.from({ length: n }, () => new Set<number>());
    for (let i = 0; i < n; i++) {
      const peers = localPeerIndexes(i, n);
      assert.ok(peers.length <= degree && !peers.includes(i));
      for (const j of peers) {
        adj[i]!.add(j);
        adj[j]!.add(i);
      }
    }
    const seen = new Set([0]);
    const queue = [0];
    while (queue.length > 0)
      for (const j of adj[queue.shift()!]!) if (!seen.has(j)) seen.add(j) && queue.push(j);
    assert.equal(seen.size, n, `all ${n} nodes connected`);
  }
});

test("one-machine consensus options: no commit pause up to 16 validators, bounded gossip wake-ups", () => {
  for (const n of [1, 4, 7, 16]) {
    const o = localCometOptions(n);
    assert.equal(o.timeouts?.commitMs, 0, `n = ${n}`);
    assert.equal(o.skipTimeoutCommit, true);
    assert.equal(o.flushThrottleMs, 2);
    const sleep = localGossipSleepMs(n);
    assert.ok(sleep >= 3 && (3 * n * (n - 1) * 1000) / sleep <= 12_000, `n = ${n}: ${sleep} ms`);
  }
  assert.deepEqual([4, 7, 16].map(localGossipSleepMs), [3, 11, 60]);
  // 51 validators share 2 cores: votes arrive late, so the commit pause and slow gossip stay.
  const big = localCometOptions(51);
  assert.equal(big.timeouts?.commitMs, 300 + 20 * 51);
  assert.equal(big.skipTimeoutCommit, false);
  assert.equal(big.gossipSleepMs, 200);
  assert.equal(big.flushThrottleMs, 100);
});
