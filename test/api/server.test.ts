import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openApiPath } from "../../src/api/openapi.js";
import { addressFromPublicKey } from "../../src/crypto/ed25519.js";
import { fromHex, sha256, toHex } from "../../src/crypto/hash.js";
import { isConsortiaError } from "../../src/errors.js";
import { verifyReceipt } from "../../src/ledger/receipt.js";
import { type ApiEvent, type ConsortiaClient, createClient } from "../../src/sdk/client.js";
import { signAndSubmit } from "../../src/sdk/send.js";
import { buildRegister, buildTransfer } from "../../src/sdk/tx.js";
import { type ApiTestNode, startApiTestNode } from "../helpers/apiNode.js";
import { testKey } from "../helpers/chain.js";

/** Prometheus text → sample name{labels} → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `metrics line parses: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe("API over HTTP against a real node", () => {
  let t: ApiTestNode;
  let client: ConsortiaClient;
  const patient = testKey("api-patient");
  const patientAddr = toHex(addressFromPublicKey(patient.publicKey));
  let transferHash = "";
  let transferHeight = "";

  before(async () => {
    t = await startApiTestNode({ seed: "api-server" });
    client = createClient(t.url);
  });
  after(async () => {
    await t?.close();
  });

  test("listens on 127.0.0.1 with the actual port in the url", () => {
    assert.match(t.url, /^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
  });

  test("health and chain describe the node", async () => {
    const h = await client.health();
    assert.equal(h.status, "ok");
    assert.equal(h.chainId, t.material.chainId);
    assert.equal(h.engine, "solo");
    assert.equal(h.moniker, "hospital-0");
    const c = await client.chain();
    assert.equal(c.denom, "MED");
    assert.equal(c.decimals, 6);
    // Every registered message type is listed, sorted (modules add their own).
    for (const t of ["coin/transfer", "identity/register", "identity/revoke"])
      assert.ok(c.messageTypes.includes(t), t);
    assert.deepEqual(c.messageTypes, [...c.messageTypes].sort());
    assert.equal(c.genesisTime, "2023-11-14T22:13:20Z");
    assert.equal(c.params.minFeeBase, "0");
  });

  test("register then transfer with wait=commit; account, identity, tx status", async () => {
    const v = t.material.validators[0]!;
    const chainId = t.material.chainId;
    const reg = buildRegister(
      patient.secretKey,
      { chainId, nonce: 0n, fee: 0n },
      t.certFor(patient, "patient", 100n),
    );
    const r1 = await client.submitTx(reg, { wait: "commit" });
    assert.equal(r1.hash, toHex(sha256(reg)));
    assert.equal(r1.result.code, 0, r1.result.log);

    const tx = buildTransfer(v.keys.secretKey, { chainId, nonce: 0n, fee: 10n }, fromHex(patientAddr), 5000n);
    const r2 = await client.submitTx(tx, { wait: "commit" });
    assert.equal(r2.result.code, 0, r2.result.log);
    assert.equal(r2.result.errorCode, "");
    assert.ok(BigInt(r2.height) > BigInt(r1.height));
    assert.ok(r2.result.events.some((e) => e.type === "coin.transfer"));
    transferHash = r2.hash;
    transferHeight = r2.height;

    const acct = await client.getAccount(patientAddr);
    assert.equal(acct.balance, "5000");
    assert.equal(acct.nonce, "1");
    assert.equal(acct.identity?.role, "patient");
    const vAcct = await client.getAccount(v.address);
    assert.equal(vAcct.nonce, "1");

    const id = await client.getIdentity(patientAddr);
    assert.equal(id.role, "patient");
    assert.equal(id.serial, "100");
    assert.equal(id.publicKey, toHex(patient.publicKey));

    const st = await client.getTx(transferHash.toUpperCase());
    assert.equal(st.status, "committed");
    assert.equal(st.height, transferHeight);
    assert.equal(st.result?.code, 0);
  });

  test("receipt verifies against the block hash served by /blocks", async () => {
    const receipt = await client.getReceipt(transferHash);
    const block = await client.getBlock(BigInt(transferHeight));
    const v = verifyReceipt(receipt, { chainId: t.material.chainId, trustedHeaderHash: fromHex(block.hash) });
    assert.equal(v.txHash, transferHash.toUpperCase());
    assert.equal(v.height, BigInt(transferHeight));
    assert.equal(v.anchor, "trusted-header-hash");
    const forged = { ...receipt, tx: `${receipt.tx.slice(0, -2)}00` };
    assert.throws(
      () => verifyReceipt(forged),
      (e) => isConsortiaError(e, "RECEIPT_TX_HASH_MISMATCH"),
    );
  });

  test("block by height, by hash and latest agree", async () => {
    const byHeight = await client.getBlock(transferHeight);
    assert.equal(byHeight.height, transferHeight);
    assert.deepEqual(
      byHeight.txs.map((x) => x.hash),
      [transferHash],
    );
    assert.equal(byHeight.header?.height, transferHeight);
    assert.equal(byHeight.header?.chain_id, t.material.chainId);
    const byHash = await client.getBlockByHash(byHeight.hash.toUpperCase());
    assert.deepEqual(byHash, byHeight);
    const latest = await client.getBlock("latest");
    assert.ok(BigInt(latest.height) >= BigInt(transferHeight));
    assert.match(byHeight.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  test("wait=none answers 202 and the tx becomes pending then committed; batch admits in order", async () => {
    const v = t.material.validators[0]!;
    const chainId = t.material.chainId;
    const tx = buildTransfer(v.keys.secretKey, { chainId, nonce: 1n, fee: 10n }, fromHex(patientAddr), 1n);
    const res = await fetch(`${t.url}/txs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tx: toHex(tx) }),
    });
    assert.equal(res.status, 202);
    const body = (await res.json()) as { hash: string; code: number };
    assert.deepEqual(body, { hash: toHex(sha256(tx)), code: 0 });
    const b = await client.submitBatch([
      buildTransfer(v.keys.secretKey, { chainId, nonce: 2n, fee: 10n }, fromHex(patientAddr), 1n),
      buildTransfer(v.keys.secretKey, { chainId, nonce: 3n, fee: 10n }, fromHex(patientAddr), 1n),
      buildTransfer(v.keys.secretKey, { chainId, nonce: 3n, fee: 10n }, fromHex(patientAddr), 2n),
    ]);
    assert.deepEqual(
      b.results.map((r) => r.errorCode),
      ["", "", "TX_BAD_NONCE"],
    );
    // Admitted, committed or not: the node's view counts nonces 1..3 as used.
    assert.equal((await client.getAccount(toHex(v.address))).pendingNonce, "4");
    for (let i = 0; i < 200; i++) {
      const st = await client.getTx(body.hash);
      if (st.status === "committed") break;
      assert.equal(st.status, "pending");
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal((await client.getTx(body.hash)).status, "committed");
    // The admitted batch may land a block later; later tests read the committed nonce.
    const last = b.results[1]!.hash;
    for (let i = 0; i < 200 && (await client.getTx(last)).status !== "committed"; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal((await client.getTx(last)).status, "committed");
  });

  test("query passthrough", async () => {
    const q = await client.query(`coin/balance/${patientAddr}`);
    assert.equal((q.value as { address: string }).address, patientAddr);
    assert.ok(BigInt((q.value as { balance: string }).balance) >= 5000n);
    assert.equal(q.height, (await client.health()).height);
    const s = await client.query("coin/supply");
    assert.equal(typeof (s.value as { circulating: string }).circulating, "string");
    await assert.rejects(client.query("nope/x"), (e) => isConsortiaError(e, "QUERY_UNKNOWN_PATH"));
  });

  test("SSE delivers block and tx events for a new transaction", async () => {
    const v = t.material.validators[0]!;
    const nonce = BigInt((await client.getAccount(v.address)).nonce);
    const tx = buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce, fee: 10n },
      fromHex(patientAddr),
      1n,
    );
    const hash = toHex(sha256(tx));
    const ac = new AbortController();
    const seen: ApiEvent[] = [];
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => {
      resolveDone = r;
    });
    let submitted = false;
    const reading = client.events((e) => {
      seen.push(e);
      if (e.type === "tx" && e.data.hash === hash) resolveDone();
    }, ac.signal);
    // Subscribe first, then submit, so the event cannot be missed.
    for (let i = 0; i < 100 && !submitted; i++) {
      const m = parseMetrics(await client.metrics());
      if (m.get("consortia_sse_clients") === 1) {
        await client.submitTx(tx);
        submitted = true;
      } else await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(submitted, "stream connected");
    await done;
    ac.abort();
    await reading;
    const txEv = seen.find((e) => e.type === "tx" && e.data.hash === hash);
    assert.ok(txEv && txEv.type === "tx");
    assert.equal(txEv.data.code, 0);
    const blockEv = seen.find((e) => e.type === "block" && e.data.height === txEv.data.height);
    assert.ok(blockEv && blockEv.type === "block");
    assert.ok(blockEv.data.txs >= 1);
    const block = await client.getBlock(txEv.data.height);
    assert.equal(blockEv.data.hash, block.hash);
    // The server unsubscribes the disconnected client.
    for (let i = 0; i < 100; i++) {
      if (parseMetrics(await client.metrics()).get("consortia_sse_clients") === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(parseMetrics(await client.metrics()).get("consortia_sse_clients"), 0);
  });

  test("metrics text parses; height matches /health; requests are counted per route", async () => {
    const h = await client.health();
    const m = parseMetrics(await client.metrics());
    assert.equal(m.get("consortia_height"), Number(h.height));
    assert.ok((m.get("consortia_txs_committed_total") ?? 0) >= 5);
    assert.ok((m.get('consortia_txs_rejected_total{code="TX_BAD_NONCE",stage="checktx"}') ?? 0) >= 1);
    assert.ok((m.get('consortia_http_requests_total{method="GET",route="/health",status="200"}') ?? 0) >= 2);
    assert.ok(
      (m.get('consortia_http_request_duration_seconds_count{method="GET",route="/health"}') ?? 0) >= 2,
    );
    assert.equal(
      m.get('consortia_block_time_seconds_bucket{le="+Inf"}'),
      m.get("consortia_block_time_seconds_count"),
    );
    assert.ok((m.get("consortia_block_time_seconds_count") ?? 0) >= 1);
  });

  test("OpenAPI document lists every registered route", async () => {
    const doc = (await client.openapi()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    assert.equal(doc.openapi, "3.1.0");
    const registered = t.server.registeredRoutes();
    assert.ok(registered.length >= 15);
    for (const r of registered) {
      const op = doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${r.url} is documented`);
    }
    const post = doc.paths["/txs"]?.post as {
      requestBody: { content: Record<string, { schema: { required: string[] } }> };
    };
    assert.deepEqual(post.requestBody.content["application/json"]?.schema.required, ["tx"]);
  });

  test("signAndSubmit re-reads the nonce when another signer with the key took it; a given nonce is not retried", async () => {
    const v = t.material.validators[0]!;
    const addr = toHex(v.address);
    const pending = BigInt((await client.getAccount(addr)).pendingNonce ?? "");
    // Another process with the same key (a hospital's record service) takes `pending` first…
    const other = buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce: pending, fee: 10n },
      fromHex(patientAddr),
      1n,
    );
    assert.equal((await client.submitTx(other)).code, 0);
    // …after this client had read it: its first read returns the stale value.
    let reads = 0;
    const racing: ConsortiaClient = {
      ...client,
      async getAccount(a) {
        const acc = await client.getAccount(a);
        return reads++ === 0 ? { ...acc, pendingNonce: pending.toString() } : acc;
      },
    };
    const send = (nonce?: bigint) =>
      // Amount 2: not byte-identical to `other` (that would be refused as already pending).
      signAndSubmit(racing, v.keys.secretKey, (sk, env) => buildTransfer(sk, env, fromHex(patientAddr), 2n), {
        wait: true,
        fee: 10n,
        ...(nonce !== undefined ? { nonce } : {}),
      });
    const r = await send();
    assert.equal(reads, 2, "refused once (TX_BAD_NONCE), re-read, resubmitted");
    assert.equal(r.nonce, pending + 1n);
    assert.equal(r.committed?.result.code, 0);
    await assert.rejects(send(pending), (e) => isConsortiaError(e, "TX_BAD_NONCE"));
  });

  test("no internal errors were answered", () => {
    assert.deepEqual(t.internalErrors, []);
  });
});
