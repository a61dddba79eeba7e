import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { isConsortiaError } from "../../src/errors.js";
import { createClient } from "../../src/sdk/client.js";

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function fakeFetch(status: number, body: string, contentType = "application/json"): typeof fetch {
  return (async () =>
    new Response(body, { status, headers: { "content-type": contentType } })) as typeof fetch;
}

test("client: nothing listening gives API_UNREACHABLE naming the URL", async () => {
  const port = await closedPort();
  const c = createClient(`http://127.0.0.1:${port}/`);
  assert.equal(c.baseUrl, `http://127.0.0.1:${port}`);
  await assert.rejects(c.health(), (e) => {
    assert.ok(isConsortiaError(e, "API_UNREACHABLE"));
    assert.equal(e.details.url, `http://127.0.0.1:${port}/health`);
    return true;
  });
  await assert.rejects(
    c.events(() => undefined),
    (e) => isConsortiaError(e, "API_UNREACHABLE"),
  );
});

test("client: server error bodies become ConsortiaError; other answers API_BAD_RESPONSE", async () => {
  const err = createClient("http://node.invalid", {
    fetch: fakeFetch(
      409,
      JSON.stringify({ code: "TX_BAD_NONCE", message: "nonce 1 != expected 2", details: { hash: "ab" } }),
    ),
  });
  await assert.rejects(err.submitTx(new Uint8Array([1])), (e) => {
    assert.ok(isConsortiaError(e, "TX_BAD_NONCE"));
    assert.equal(e.message, "nonce 1 != expected 2");
    assert.deepEqual(e.details, { hash: "ab" });
    return true;
  });
  const html = createClient("http://node.invalid", {
    fetch: fakeFetch(502, "<html>bad gateway</html>", "text/html"),
  });
  await assert.rejects(
    html.chain(),
    (e) => isConsortiaError(e, "API_BAD_RESPONSE") && e.details.status === 502,
  );
  const notJson = createClient("http://node.invalid", { fetch: fakeFetch(200, "ok", "text/plain") });
  await assert.rejects(notJson.health(), (e) => isConsortiaError(e, "API_BAD_RESPONSE"));
  assert.throws(
    () => createClient("ftp://x"),
    (e) => isConsortiaError(e, "INVALID_ARGUMENT"),
  );
});

test("client: builds the documented paths and bodies", async () => {
  const seen: Array<{ url: string; method: string; body: string | undefined }> = [];
  const rec = (async (url: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(url), method: init?.method ?? "GET", body: init?.body as string | undefined });
    return new Response("{}", { status: 200 });
  }) as typeof fetch;
  const c = createClient("http://h:1", { fetch: rec });
  await c.submitTx(new Uint8Array([0xab, 0x01]), { wait: "commit" });
  await c.submitBatch([new Uint8Array([1]), new Uint8Array([2])]);
  await c.getTx(new Uint8Array([0xff]));
  await c.getReceipt("aa");
  await c.getBlock("latest");
  await c.getBlock(7n);
  await c.getBlockByHash("bb");
  await c.getAccount("cc");
  await c.getIdentity("dd");
  await c.query("/coin/balance/ee/", { a: "1 2" });
  assert.deepEqual(seen, [
    { url: "http://h:1/txs?wait=commit", method: "POST", body: '{"tx":"ab01"}' },
    { url: "http://h:1/txs/batch", method: "POST", body: '{"txs":["01","02"]}' },
    { url: "http://h:1/txs/ff", method: "GET", body: undefined },
    { url: "http://h:1/txs/aa/receipt", method: "GET", body: undefined },
    { url: "http://h:1/blocks/latest", method: "GET", body: undefined },
    { url: "http://h:1/blocks/7", method: "GET", body: undefined },
    { url: "http://h:1/blocks/hash/bb", method: "GET", body: undefined },
    { url: "http://h:1/accounts/cc", method: "GET", body: undefined },
    { url: "http://h:1/identities/dd", method: "GET", body: undefined },
    { url: "http://h:1/query/coin/balance/ee?a=1+2", method: "GET", body: undefined },
  ]);
});
