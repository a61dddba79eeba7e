import assert from "node:assert/strict";
import { after, test } from "node:test";
import { readNonce } from "../../../src/app/nonce.js";
import { toHex } from "../../../src/crypto/hash.js";
import { CometRpc } from "../../../src/engine/cometbft/rpc.js";
import { type Devnet, startDevnet } from "../../../src/node/devnet.js";
import { PRESETS } from "../../../src/node/presets.js";
import { buildTransfer } from "../../../src/sdk/tx.js";
import { seededBytes } from "../../helpers/chain.js";

let net: Devnet | undefined;
// Runs when the test fails too: every cometbft child is stopped (SIGTERM, then SIGKILL).
after(() => net?.stop());

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

interface BlockJson {
  height: string;
  hash: string;
  appHash: string;
  txs: { hash: string; code: number }[];
}

test("4-validator devnet: a transfer sent to node 2 commits on all 4 with one block hash and app hash", async () => {
  net = await startDevnet({
    validators: 4,
    preset: PRESETS.healthchain,
    basePort: 0,
    nowMs: Date.now() - 1000,
    randomBytes: seededBytes("devnet-4"),
    logLevel: "error",
  });
  assert.equal(net.nodes.length, 4);
  for (const n of net.nodes) assert.ok(n.node.app.height >= 1n, `${n.name} at height ${n.node.app.height}`);
  const m = net.material!;
  const [from, , , to] = m.validators;
  const raw = buildTransfer(
    from!.keys.secretKey,
    // Each validator's record service already used nonces (it publishes its profile at startup).
    { chainId: m.chainId, nonce: readNonce(net.nodes[0]!.node.store, from!.address), fee: 1n },
    to!.address,
    1234n,
  );

  const res = await fetch(`${net.nodes[1]!.apiUrl}/txs?wait=commit`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tx: toHex(raw) }),
  });
  const body = (await res.json()) as { hash: string; height: string; result: { code: number } };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.result.code, 0);
  const height = BigInt(body.height);

  // Every node reaches that height (the other three learn the block over p2p)...
  const deadline = Date.now() + 20_000;
  while (net.nodes.some((n) => n.node.app.height < height + 1n) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const blocks: BlockJson[] = [];
  for (const n of net.nodes) {
    const tx = await getJson<{ status: string; height: string }>(`${n.apiUrl}/txs/${body.hash}`);
    assert.deepEqual([tx.status, tx.height], ["committed", body.height], n.name);
    blocks.push(await getJson<BlockJson>(`${n.apiUrl}/blocks/${height}`));
  }
  // ...with the same block and the same state after it.
  for (const b of blocks) {
    assert.equal(b.hash, blocks[0]!.hash);
    assert.equal(b.appHash, blocks[0]!.appHash);
    assert.deepEqual(b.txs, [{ hash: body.hash, code: 0, errorCode: "" }]);
  }
  // CometBFT agrees: its block id is our block hash, and header H+1 carries our app hash after H.
  const rpc = new CometRpc({ url: `http://127.0.0.1:${net.nodes[3]!.ports.rpc}` });
  assert.equal((await rpc.block(height)).block_id.hash, blocks[0]!.hash);
  assert.equal((await rpc.block(height + 1n)).block.header.app_hash, blocks[0]!.appHash);
  const vals = await rpc.validators(height);
  assert.equal(vals.validators.length, 4);
});
