import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { toHex } from "../../src/crypto/hash.js";
import { SCRYPT_INSECURE_FAST } from "../../src/crypto/keystore.js";
import { writeNetworkHomes } from "../../src/node/home.js";
import { createNetworkMaterial } from "../../src/node/network.js";
import { PRESETS } from "../../src/node/presets.js";
import { buildTransfer } from "../../src/sdk/tx.js";
import { seededBytes } from "../helpers/chain.js";
import { spawnCli, waitForExit, waitForLine } from "../helpers/process.js";

interface Acked {
  readonly hash: string;
  readonly height: bigint;
}

async function postTx(api: string, raw: Uint8Array): Promise<Acked | undefined> {
  try {
    const res = await fetch(`${api}/txs?wait=commit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tx: toHex(raw) }),
    });
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as { hash: string; height: string; result: { code: number } };
    assert.equal(body.result.code, 0);
    return { hash: body.hash, height: BigInt(body.height) };
  } catch {
    return undefined; // the node was killed mid-request: not acknowledged
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

test("kill -9 under load: restart finds the same head and state root and every acknowledged tx", async () => {
  const out = mkdtempSync(join(tmpdir(), "consortia-crash-"));
  try {
    const material = createNetworkMaterial({
      validators: 2,
      preset: PRESETS.healthchain,
      genesisTimeMs: Date.now() - 1000,
      randomBytes: seededBytes("crash"),
    });
    const [home] = await writeNetworkHomes(material, {
      out,
      password: "crash-test",
      scrypt: SCRYPT_INSECURE_FAST,
      basePort: 0,
      createdAt: "2026-11-22T00:00:00Z",
    });
    // Fast blocks so many commits happen before the kill.
    const cfgPath = join(home!, "config.json");
    const cfg = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, solo: { blockIntervalMs: 20 }, api: { port: 0 } }));

    const node1 = spawnCli(["start", "--home", home!]);
    const api = (await waitForLine(node1, /api: (http:\/\/\S+)/))[1]!;
    const [a, b] = material.validators;
    const acked: Acked[] = [];
    let nonceA = 0n;
    let nonceB = 0n;
    let stop = false;
    // Two senders, each keeping 8 transfers in flight (nonces in order: one sender's requests are
    // admitted in submission order because the API handles them in arrival order).
    const sender = async (who: "a" | "b") => {
      while (!stop) {
        const batch: Promise<Acked | undefined>[] = [];
        for (let i = 0; i < 8; i++) {
          const raw =
            who === "a"
              ? buildTransfer(
                  a!.keys.secretKey,
                  { chainId: material.chainId, nonce: nonceA++, fee: 1n },
                  b!.address,
                  3n,
                )
              : buildTransfer(
                  b!.keys.secretKey,
                  { chainId: material.chainId, nonce: nonceB++, fee: 1n },
                  a!.address,
                  2n,
                );
          batch.push(postTx(api, raw));
        }
        for (const r of await Promise.all(batch)) if (r) acked.push(r);
      }
    };
    const load = Promise.all([sender("a"), sender("b")]);
    await new Promise((r) => setTimeout(r, 2500));
    const preKill = await getJson<{ height: string; appHash: string }>(`${api}/blocks/latest`);
    node1.kill("SIGKILL");
    await waitForExit(node1);
    stop = true;
    await load;
    assert.ok(acked.length > 20, `load acknowledged ${acked.length} commits before the kill`);
    const maxAcked = acked.reduce((m, x) => (x.height > m ? x.height : m), 0n);

    const node2 = spawnCli(["start", "--home", home!]);
    try {
      const api2 = (await waitForLine(node2, /api: (http:\/\/\S+)/))[1]!;
      const health = await getJson<{ height: string }>(`${api2}/health`);
      assert.ok(BigInt(health.height) >= maxAcked, `head ${health.height} >= last acknowledged ${maxAcked}`);
      for (const t of acked) {
        const tx = await getJson<{ status: string; height: string }>(`${api2}/txs/${t.hash}`);
        assert.equal(tx.status, "committed", `acknowledged ${t.hash} survives`);
        assert.equal(BigInt(tx.height), t.height);
      }
      // The head seen before the kill is still there with the same state root.
      const head = await getJson<{ height: string; appHash: string }>(`${api2}/blocks/latest`);
      assert.ok(BigInt(head.height) >= BigInt(preKill.height));
      const same = await getJson<{ appHash: string }>(`${api2}/blocks/${preKill.height}`);
      assert.equal(same.appHash, preKill.appHash, "state root at the pre-kill head is unchanged");
      // Supply is conserved across the crash.
      const supply = await getJson<{ value: Record<string, string> }>(`${api2}/query/coin/supply`);
      const bal = async (addr: Uint8Array) =>
        BigInt((await getJson<{ balance: string }>(`${api2}/accounts/${toHex(addr)}`)).balance);
      const total = (await bal(a!.address)) + (await bal(b!.address));
      assert.equal(total.toString(), supply.value.circulating);
      // And the restarted node keeps committing.
      const next = await postTx(
        api2,
        buildTransfer(
          a!.keys.secretKey,
          {
            chainId: material.chainId,
            nonce: BigInt((await getJson<{ nonce: string }>(`${api2}/accounts/${toHex(a!.address)}`)).nonce),
            fee: 1n,
          },
          b!.address,
          1n,
        ),
      );
      assert.ok(next && next.height > BigInt(head.height) - 1n, "commits resume after restart");
    } finally {
      node2.kill("SIGTERM");
      await waitForExit(node2);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
