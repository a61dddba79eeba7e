import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fixedBytes, struct, u64 } from "../../src/codec/schema.js";
import { addressFromPublicKey } from "../../src/crypto/ed25519.js";
import { toHex } from "../../src/crypto/hash.js";
import { isConsortiaError } from "../../src/errors.js";
import { createClient } from "../../src/sdk/client.js";
import { buildRegister, buildTransfer, buildTx } from "../../src/sdk/tx.js";
import { type ApiTestNode, startApiTestNode } from "../helpers/apiNode.js";
import { testKey } from "../helpers/chain.js";

interface Case {
  readonly name: string;
  readonly method?: "GET" | "POST" | "DELETE" | "PUT";
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly status: number;
  readonly code: string;
  /** Refused by CheckTx: details carry the tx hash. */
  readonly admission?: boolean;
}

const JSON_HEADERS = { "content-type": "application/json" };

describe("API refuses bad input with stable codes and keeps serving", () => {
  let t: ApiTestNode;
  const poor = testKey("api-poor");
  const poorAddr = addressFromPublicKey(poor.publicKey);
  // Each execution-stage refusal gets its own sender (see the todo test below).
  const other = testKey("api-other");

  before(async () => {
    t = await startApiTestNode({ seed: "api-bad" });
    const client = createClient(t.url);
    const chainId = t.material.chainId;
    const reg = buildRegister(
      poor.secretKey,
      { chainId, nonce: 0n, fee: 0n },
      t.certFor(poor, "patient", 7n),
    );
    assert.equal((await client.submitTx(reg, { wait: "commit" })).result.code, 0);
    const reg2 = buildRegister(
      other.secretKey,
      { chainId, nonce: 0n, fee: 0n },
      t.certFor(other, "patient", 8n),
    );
    assert.equal((await client.submitTx(reg2, { wait: "commit" })).result.code, 0);
    const v = t.material.validators[0]!;
    const first = buildTransfer(v.keys.secretKey, { chainId, nonce: 0n, fee: 1n }, poorAddr, 1n);
    assert.equal((await client.submitTx(first, { wait: "commit" })).result.code, 0);
  });
  after(async () => {
    await t?.close();
  });

  function txCase(name: string, raw: Uint8Array, status: number, code: string): Case {
    return {
      name,
      method: "POST",
      path: "/txs",
      headers: JSON_HEADERS,
      body: JSON.stringify({ tx: toHex(raw) }),
      status,
      code,
      admission: true,
    };
  }

  test("the matrix", async () => {
    const v = t.material.validators[0]!;
    const chainId = t.material.chainId;
    const env = { chainId, nonce: 1n, fee: 1n };
    const good = buildTransfer(v.keys.secretKey, env, poorAddr, 1n);
    const badSig = good.slice();
    badSig[badSig.length - 1]! ^= 1;
    const nested = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const cases: Case[] = [
      {
        name: "malformed JSON",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: '{"tx":',
        status: 400,
        code: "API_BAD_JSON",
      },
      {
        name: "empty JSON body",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: "",
        status: 400,
        code: "API_BAD_JSON",
      },
      {
        name: "deeply nested JSON",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: nested,
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "wrong content type",
        method: "POST",
        path: "/txs",
        headers: { "content-type": "text/plain" },
        body: "00",
        status: 415,
        code: "API_UNSUPPORTED_MEDIA",
      },
      {
        name: "form content type",
        method: "POST",
        path: "/txs",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "tx=00",
        status: 415,
        code: "API_UNSUPPORTED_MEDIA",
      },
      { name: "missing body", method: "POST", path: "/txs", status: 400, code: "API_BAD_REQUEST" },
      {
        name: "body is null",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: "null",
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "body is an array",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: "[]",
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "non-hex tx",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: '{"tx":"zz"}',
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "odd-length hex tx",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: '{"tx":"abc"}',
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "number where a hex string is expected",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: '{"tx":12.5}',
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "unknown body field",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: JSON.stringify({ tx: toHex(good), fee: 1 }),
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "bad wait value",
        method: "POST",
        path: "/txs?wait=forever",
        headers: JSON_HEADERS,
        body: JSON.stringify({ tx: toHex(good) }),
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "oversize body",
        method: "POST",
        path: "/txs",
        headers: JSON_HEADERS,
        body: JSON.stringify({ tx: "ab".repeat(600_000) }),
        status: 413,
        code: "API_BODY_TOO_LARGE",
      },
      {
        name: "empty batch",
        method: "POST",
        path: "/txs/batch",
        headers: JSON_HEADERS,
        body: '{"txs":[]}',
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "batch over 10,000",
        method: "POST",
        path: "/txs/batch",
        headers: JSON_HEADERS,
        body: JSON.stringify({ txs: new Array(10_001).fill("00") }),
        status: 400,
        code: "API_BAD_REQUEST",
      },
      { name: "float height", path: "/blocks/1.5", status: 400, code: "API_BAD_REQUEST" },
      { name: "negative height", path: "/blocks/-1", status: 400, code: "API_BAD_REQUEST" },
      { name: "height with leading zero", path: "/blocks/01", status: 400, code: "API_BAD_REQUEST" },
      {
        name: "height above u64",
        path: "/blocks/18446744073709551616",
        status: 400,
        code: "API_BAD_REQUEST",
      },
      {
        name: "height not yet reached",
        path: "/blocks/18446744073709551615",
        status: 404,
        code: "BLOCK_NOT_FOUND",
      },
      { name: "short tx hash", path: "/txs/abcd", status: 400, code: "API_BAD_REQUEST" },
      { name: "unknown tx hash", path: `/txs/${"ab".repeat(32)}`, status: 404, code: "TX_NOT_FOUND" },
      {
        name: "receipt of unknown tx",
        path: `/txs/${"ab".repeat(32)}/receipt`,
        status: 404,
        code: "TX_NOT_FOUND",
      },
      {
        name: "unknown block hash",
        path: `/blocks/hash/${"cd".repeat(32)}`,
        status: 404,
        code: "BLOCK_NOT_FOUND",
      },
      {
        name: "uppercase address",
        path: `/accounts/${toHex(poorAddr).toUpperCase()}`,
        status: 400,
        code: "API_BAD_REQUEST",
      },
      { name: "short address", path: "/identities/abcd", status: 400, code: "API_BAD_REQUEST" },
      {
        name: "unregistered identity",
        path: `/identities/${"12".repeat(20)}`,
        status: 404,
        code: "IDENTITY_NOT_REGISTERED",
      },
      { name: "unknown query param", path: "/health?verbose=1", status: 400, code: "API_BAD_REQUEST" },
      {
        name: "repeated query param",
        path: "/query/coin/supply?a=1&a=2",
        status: 400,
        code: "API_BAD_REQUEST",
      },
      { name: "unknown query module", path: "/query/nope/x", status: 404, code: "QUERY_UNKNOWN_PATH" },
      { name: "bad query segment", path: "/query/coin/a%20b", status: 400, code: "API_BAD_REQUEST" },
      { name: "bad event types", path: "/events?types=blocks", status: 400, code: "API_BAD_REQUEST" },
      { name: "malformed URL encoding", path: "/txs/%zz", status: 400, code: "API_BAD_REQUEST" },
      { name: "unknown route", path: "/nope", status: 404, code: "API_NOT_FOUND" },
      { name: "wrong method", method: "DELETE", path: "/health", status: 404, code: "API_NOT_FOUND" },
      txCase("garbage tx bytes", new Uint8Array([1, 2, 3]), 400, "TX_MALFORMED"),
      txCase(
        "unknown tx type",
        buildTx(v.keys.secretKey, env, "nope/thing", struct({ n: u64 }), { n: 1n }),
        400,
        "TX_UNKNOWN_TYPE",
      ),
      txCase(
        "wrong chain id",
        buildTransfer(v.keys.secretKey, { ...env, chainId: "other-chain" }, poorAddr, 1n),
        400,
        "TX_WRONG_CHAIN",
      ),
      txCase("bad signature", badSig, 401, "TX_BAD_SIGNATURE"),
      txCase(
        "replayed nonce",
        buildTransfer(v.keys.secretKey, { ...env, nonce: 0n }, poorAddr, 2n),
        409,
        "TX_BAD_NONCE",
      ),
      txCase(
        "insufficient balance",
        buildTransfer(poor.secretKey, { chainId, nonce: 1n, fee: 0n }, v.address, 10n ** 15n),
        402,
        "COIN_INSUFFICIENT_FUNDS",
      ),
      txCase(
        "transfer to an unregistered address",
        buildTransfer(other.secretKey, { chainId, nonce: 1n, fee: 0n }, new Uint8Array(20).fill(9), 1n),
        403,
        "IDENTITY_NOT_REGISTERED",
      ),
      txCase(
        "invalid message (zero amount)",
        buildTx(v.keys.secretKey, env, "coin/transfer", struct({ to: fixedBytes(20), amount: u64 }), {
          to: poorAddr,
          amount: 0n,
        }),
        400,
        "COIN_ZERO_AMOUNT",
      ),
    ];
    for (const c of cases) {
      let res: Response;
      try {
        res = await fetch(t.url + c.path, {
          method: c.method ?? "GET",
          ...(c.headers ? { headers: c.headers } : {}),
          ...(c.body !== undefined ? { body: c.body } : {}),
        });
      } catch (err) {
        assert.fail(`${c.name}: request failed: ${String(err)}`);
      }
      const text = await res.text();
      assert.equal(res.status, c.status, `${c.name}: status (${text.slice(0, 200)})`);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/, `${c.name}: JSON error`);
      const body = JSON.parse(text) as { code: string; message: string; details?: Record<string, unknown> };
      assert.equal(body.code, c.code, `${c.name}: code (${body.message})`);
      assert.equal(typeof body.message, "string");
      assert.ok(body.message.length > 0 && body.message.length < 2000, `${c.name}: short message`);
      assert.doesNotMatch(text, /\bat .+\.(ts|js):\d+/, `${c.name}: no stack trace`);
      assert.deepEqual(
        Object.keys(body).filter((k) => !["code", "message", "details"].includes(k)),
        [],
        c.name,
      );
      if (c.admission) {
        assert.equal(typeof body.details?.hash, "string", `${c.name}: details.hash`);
      }
    }
    // Still serving, and the valid transaction still goes through.
    const client = createClient(t.url);
    assert.equal((await client.health()).status, "ok");
    const r = await client.submitTx(good, { wait: "commit" });
    assert.equal(r.result.code, 0, r.result.log);
    assert.deepEqual(t.internalErrors, []);
  });

  test("a transaction refused by CheckTx at execution does not use up its sender's nonce", async () => {
    const client = createClient(t.url);
    const v = t.material.validators[0]!;
    const chainId = t.material.chainId;
    const nonce = BigInt((await client.getAccount(v.address)).nonce);
    const stranger = new Uint8Array(20).fill(9);
    const refused = buildTransfer(v.keys.secretKey, { chainId, nonce, fee: 1n }, stranger, 1n);
    await assert.rejects(client.submitTx(refused), (e) => isConsortiaError(e, "IDENTITY_NOT_REGISTERED"));
    const next = buildTransfer(v.keys.secretKey, { chainId, nonce, fee: 1n }, poorAddr, 1n);
    assert.equal((await client.submitTx(next, { wait: "commit" })).result.code, 0);
  });

  test("the SDK client surfaces server errors as ConsortiaError with code and details", async () => {
    const client = createClient(t.url);
    const v = t.material.validators[0]!;
    const replay = buildTransfer(
      v.keys.secretKey,
      { chainId: t.material.chainId, nonce: 0n, fee: 1n },
      poorAddr,
      3n,
    );
    await assert.rejects(client.submitTx(replay), (e) => {
      assert.ok(isConsortiaError(e, "TX_BAD_NONCE"));
      assert.equal(typeof e.details.hash, "string");
      return true;
    });
    await assert.rejects(client.getIdentity("12".repeat(20)), (e) =>
      isConsortiaError(e, "IDENTITY_NOT_REGISTERED"),
    );
    await assert.rejects(client.getBlock(1.5), (e) => isConsortiaError(e, "INVALID_ARGUMENT"));
    await assert.rejects(client.getBlock("1.5"), (e) => isConsortiaError(e, "API_BAD_REQUEST"));
  });
});
