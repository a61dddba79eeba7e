import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { toHex } from "../../../src/crypto/hash.js";
import { readKeystoreFile } from "../../../src/crypto/keystoreFile.js";
import { freePortBlock } from "../../../src/node/devnet.js";
import { buildTransfer } from "../../../src/sdk/tx.js";
import { spawnCli, waitForExit, waitForLine } from "../../helpers/process.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-deploy-"));
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGINT");
  await Promise.all(children.map(waitForExit));
  rmSync(dir, { recursive: true, force: true });
});

test("init --engine cometbft, one `consortia start` per validator: they agree; a dead cometbft is restarted by its node; Ctrl-C is clean", async () => {
  const pw = join(dir, "pw");
  writeFileSync(pw, "deploy pw\n");
  const base = await freePortBlock(8);
  const out = join(dir, "net");
  const init = spawnCli([
    "init",
    "--validators",
    "2",
    "--preset",
    "spds",
    "--out",
    out,
    "--engine",
    "cometbft",
    "--api-port",
    String(base),
    "--password-file",
    pw,
    "--insecure-fast-kdf",
    "--json",
  ]);
  let text = "";
  init.stdout?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  assert.equal(await waitForExit(init), 0);
  const r = JSON.parse(text) as {
    chainId: string;
    engine: string;
    nodes: { name: string; home: string }[];
    cometbft: { nodeId: string; p2p: string; rpcPort: number }[];
  };
  assert.equal(r.engine, "cometbft");
  assert.deepEqual(
    r.cometbft.map((c) => c.rpcPort),
    [base + 2, base + 3],
  );

  const nodes = r.nodes.map((n) => spawnCli(["start", "--home", n.home]));
  children.push(...nodes);
  const apis = await Promise.all(
    nodes.map(async (c) => (await waitForLine(c, /api: (http:\/\/\S+)/, 60_000))[1]!),
  );

  const key = await readKeystoreFile(join(r.nodes[0]!.home, "keys", "validator.keystore.json"), "deploy pw");
  const to = await readKeystoreFile(join(r.nodes[1]!.home, "keys", "validator.keystore.json"), "deploy pw");
  const raw = buildTransfer(
    key.secretKey,
    { chainId: r.chainId, nonce: 0n, fee: 1n },
    Buffer.from(to.address, "hex"),
    77n,
  );
  const res = await fetch(`${apis[0]}/txs?wait=commit`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tx: toHex(raw) }),
  });
  const body = (await res.json()) as { hash: string; height: string; result: { code: number } };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.result.code, 0);
  let other: { status: string; height?: string } = { status: "" };
  for (let i = 0; i < 100 && other.status !== "committed"; i++) {
    other = (await (await fetch(`${apis[1]}/txs/${body.hash}`)).json()) as typeof other;
    if (other.status !== "committed") await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual([other.status, other.height], ["committed", body.height]);
  const health = (await (await fetch(`${apis[1]}/health`)).json()) as { engine: string };
  assert.equal(health.engine, "cometbft");

  const pids = r.nodes.map((n) => Number(readFileSync(join(n.home, "cometbft", "cometbft.pid"), "utf8")));
  // CometBFT dying under node 1: its `consortia start` reports COMET_EXITED and restarts it
  // (it exits 1 for a supervisor only once its restart budget is spent: restart.test.ts).
  let stderr1 = "";
  nodes[1]!.stderr?.on("data", (d: Buffer) => {
    stderr1 += d.toString();
  });
  process.kill(pids[1]!, "SIGKILL");
  const pidFile1 = join(r.nodes[1]!.home, "cometbft", "cometbft.pid");
  let restarted = 0;
  for (let i = 0; i < 300 && restarted === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const p = existsSync(pidFile1) ? Number(readFileSync(pidFile1, "utf8")) : 0;
    if (p !== 0 && p !== pids[1] && existsSync(`/proc/${p}`)) restarted = p;
  }
  assert.ok(restarted > 0, `cometbft restarted under node 1; stderr:\n${stderr1}`);
  assert.match(stderr1, /COMET_EXITED[\s\S]*restarting cometbft/);
  assert.equal(nodes[1]!.exitCode, null, "node 1 kept running");
  // Node 1 still takes part: a transaction sent through it commits.
  const again = buildTransfer(
    key.secretKey,
    { chainId: r.chainId, nonce: 1n, fee: 1n },
    Buffer.from(to.address, "hex"),
    78n,
  );
  let code = -1;
  for (let i = 0; i < 50 && code !== 0; i++) {
    const res2 = await fetch(`${apis[1]}/txs?wait=commit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tx: toHex(again) }),
    });
    code = res2.status === 200 ? ((await res2.json()) as { result: { code: number } }).result.code : -1;
    if (code !== 0) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(code, 0, "a transaction through the restarted node commits");
  // Ctrl-C: each node stops its cometbft before exiting 0; nothing is left running.
  for (const n of nodes) n.kill("SIGINT");
  for (const n of nodes) assert.equal(await waitForExit(n), 0);
  for (const [i, n] of r.nodes.entries()) {
    assert.equal(existsSync(join(n.home, "cometbft", "cometbft.pid")), false);
    assert.equal(existsSync(`/proc/${pids[i]}`), false, `cometbft ${pids[i]} exited`);
  }
  assert.equal(existsSync(`/proc/${restarted}`), false, `restarted cometbft ${restarted} exited`);
});
