import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { keyPairFromSeed } from "../../../src/crypto/ed25519.js";
import { sha256 } from "../../../src/crypto/hash.js";
import {
  nodeKeyJson,
  privValidatorKeyJson,
  readNodeId,
  renderConfigToml,
  syncCometHome,
  writeCometHome,
} from "../../../src/engine/cometbft/files.js";
import { defaultCometbftOptions } from "../../../src/engine/cometbft/options.js";
import { isConsortiaError } from "../../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-comet-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = (s: string) => keyPairFromSeed(sha256(Buffer.from(s)));

test("key files: CometBFT's amino JSON with seed ‖ public key, address = sha256(pk)[0..20] uppercase", () => {
  // Vector: RFC 8032 test 1 seed.
  const seed = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex");
  const pk = Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex");
  const v = JSON.parse(privValidatorKeyJson(seed)) as {
    address: string;
    pub_key: { type: string; value: string };
    priv_key: { type: string; value: string };
  };
  assert.equal(v.address, Buffer.from(sha256(pk)).subarray(0, 20).toString("hex").toUpperCase());
  assert.deepEqual(v.pub_key, { type: "tendermint/PubKeyEd25519", value: pk.toString("base64") });
  assert.deepEqual(v.priv_key, {
    type: "tendermint/PrivKeyEd25519",
    value: Buffer.concat([seed, pk]).toString("base64"),
  });
  assert.deepEqual(JSON.parse(nodeKeyJson(seed)), { priv_key: v.priv_key });
});

test("config.toml carries every decided option in CometBFT's key names and Go durations", () => {
  const toml = renderConfigToml({
    moniker: 'odd "name"',
    options: {
      ...defaultCometbftOptions,
      rpcPort: 1111,
      p2pPort: 2222,
      abciAddress: "unix:///tmp/x.sock",
      persistentPeers: [`${"a".repeat(40)}@10.0.0.1:26656`, `${"b".repeat(40)}@h.example:1`],
      timeouts: { ...defaultCometbftOptions.timeouts, commitMs: 0, proposeMs: 1500 },
      gossipSleepMs: 250,
      skipTimeoutCommit: true,
      createEmptyBlocksIntervalMs: 30_000,
      txIndex: "null",
    },
  });
  for (const line of [
    'moniker = "odd \\"name\\""',
    'proxy_app = "unix:///tmp/x.sock"',
    'abci = "socket"',
    'db_backend = "goleveldb"',
    'laddr = "tcp://127.0.0.1:1111"',
    'laddr = "tcp://127.0.0.1:2222"',
    `persistent_peers = "${"a".repeat(40)}@10.0.0.1:26656,${"b".repeat(40)}@h.example:1"`,
    `unconditional_peer_ids = "${"a".repeat(40)},${"b".repeat(40)}"`,
    "pex = false",
    "addr_book_strict = false",
    "allow_duplicate_ip = true",
    "recheck = true",
    "size = 5000",
    "cache_size = 10000",
    "max_txs_bytes = 67108864",
    'timeout_propose = "1500ms"',
    'timeout_commit = "0ms"',
    "skip_timeout_commit = true",
    'peer_gossip_sleep_duration = "250ms"',
    "create_empty_blocks = false",
    'create_empty_blocks_interval = "30000ms"',
    'indexer = "null"',
    "prometheus = false",
  ]) {
    assert.ok(toml.split("\n").includes(line), `missing line: ${line}`);
  }
});

test("a home: keys written once (0600), signing state never reset, config regenerated", () => {
  const home = join(dir, "h");
  const input = {
    genesisJson: "{}\n",
    validatorSecretKey: key("v").secretKey,
    nodeSecretKey: key("n").secretKey,
    config: { moniker: "m", options: defaultCometbftOptions },
  };
  const id = writeCometHome(home, input);
  assert.equal(readNodeId(home), id);
  assert.equal(statSync(join(home, "config/priv_validator_key.json")).mode & 0o777, 0o600);
  assert.equal(writeCometHome(home, input), id, "same input: idempotent");
  const state = join(home, "data/priv_validator_state.json");
  writeFileSync(state, '{"height":"42","round":0,"step":3}');
  syncCometHome(home, {
    genesisJson: "{}\n",
    config: { moniker: "renamed", options: defaultCometbftOptions },
  });
  assert.equal(readFileSync(state, "utf8"), '{"height":"42","round":0,"step":3}');
  assert.match(readFileSync(join(home, "config/config.toml"), "utf8"), /^moniker = "renamed"$/m);
  const clash = (() => {
    try {
      writeCometHome(home, { ...input, validatorSecretKey: key("other").secretKey });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(isConsortiaError(clash, "COMET_HOME_INVALID_PARAM"), "a different key is never overwritten");
  rmSync(join(home, "config/node_key.json"));
  const missing = (() => {
    try {
      syncCometHome(home, { genesisJson: "{}\n", config: input.config });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(isConsortiaError(missing, "COMET_HOME_INVALID_PARAM"));
});
