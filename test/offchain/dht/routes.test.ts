import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { toHex } from "../../../src/crypto/hash.js";
import { isConsortiaError } from "../../../src/errors.js";
import { DhtErrors } from "../../../src/offchain/dht/errors.js";
import { contactFromUrl } from "../../../src/offchain/dht/id.js";
import { createDhtRpc, type DhtFetch } from "../../../src/offchain/dht/rpc.js";
import { MAX_REQUEST_BYTES } from "../../../src/offchain/dht/wire.js";
import { type DhtServer, manualClock, startDhtServer } from "./helpers.js";

let server: DhtServer;
const clock = manualClock();
const KEY = "ab".repeat(32);

before(async () => {
  server = await startDhtServer(clock.now, { k: 4 });
});
after(async () => {
  await server.node.stop();
  await server.app.close();
});

async function post(rpc: string, payload: string, contentType = "application/json") {
  const res = await server.app.inject({
    method: "POST",
    url: `/dht/${rpc}`,
    headers: { "content-type": contentType },
    payload,
  });
  return { status: res.statusCode, body: res.json() as { code: string; message: string } };
}

test("well-formed RPCs answer 200 with the documented shapes", async () => {
  const from = contactFromUrl("http://127.0.0.1:9/peer");
  const wire = { id: toHex(from.id), url: from.url };
  const ping = await post("ping", JSON.stringify({ from: wire }));
  assert.equal(ping.status, 200);
  assert.equal((ping.body as unknown as { url: string }).url, server.url);
  const add = await post(
    "add-provider",
    JSON.stringify({ key: KEY, provider: { url: "http://127.0.0.1:9/gw" } }),
  );
  assert.deepEqual(add.body, { stored: true });
  const got = await post("get-providers", JSON.stringify({ key: KEY }));
  assert.deepEqual(got.body, { providers: [{ url: "http://127.0.0.1:9/gw" }], closer: [] });
  const find = await post("find-node", JSON.stringify({ target: KEY }));
  assert.deepEqual(find.body, { closer: [wire] });
});

const cases: Array<[string, string, string, string, number]> = [
  ["find-node", "{}", "application/json", DhtErrors.DHT_BAD_REQUEST, 400],
  [
    "find-node",
    JSON.stringify({ target: "AB".repeat(32) }),
    "application/json",
    DhtErrors.DHT_BAD_REQUEST,
    400,
  ],
  [
    "find-node",
    JSON.stringify({ target: KEY, extra: 1 }),
    "application/json",
    DhtErrors.DHT_BAD_REQUEST,
    400,
  ],
  ["get-providers", "{not json", "application/json", DhtErrors.DHT_BAD_REQUEST, 400],
  ["get-providers", JSON.stringify({ key: KEY }), "text/plain", DhtErrors.DHT_BAD_REQUEST, 400],
  [
    "add-provider",
    JSON.stringify({ key: KEY, provider: { url: `http://x/${"a".repeat(300)}` } }),
    "application/json",
    DhtErrors.DHT_BAD_REQUEST,
    400,
  ],
  [
    "add-provider",
    JSON.stringify({ key: KEY, provider: { url: "ftp://x" } }),
    "application/json",
    DhtErrors.DHT_BAD_CONTACT,
    400,
  ],
  [
    "ping",
    JSON.stringify({ from: { id: "00".repeat(32), url: "http://127.0.0.1:9/liar" } }),
    "application/json",
    DhtErrors.DHT_BAD_CONTACT,
    400,
  ],
  [
    "ping",
    JSON.stringify({ from: { id: "00".repeat(32), url: "x".repeat(MAX_REQUEST_BYTES) } }),
    "application/json",
    DhtErrors.DHT_TOO_LARGE,
    413,
  ],
];

for (const [rpc, payload, type, code, status] of cases) {
  test(`${rpc} with ${payload.slice(0, 60)} (${type}) → ${status} ${code}`, async () => {
    const r = await post(rpc, payload, type);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.code, code);
  });
}

test("a forged contact never enters the routing table", async () => {
  const before = server.node.table.size;
  await post("ping", JSON.stringify({ from: { id: "00".repeat(32), url: "http://127.0.0.1:9/liar" } }));
  assert.equal(server.node.table.size, before);
});

test("the asking side rejects invalid, oversized and failing answers with typed errors", async () => {
  const answer =
    (status: number, body: string): DhtFetch =>
    async () =>
      new Response(body, { status, headers: { "content-type": "application/json" } });
  const peer = "http://127.0.0.1:9/dht";
  const target = new Uint8Array(32);
  const rpcWith = (f: DhtFetch) => createDhtRpc({ fetch: f, from: undefined, timeoutMs: 1000 });
  const forged = JSON.stringify({ closer: [{ id: "00".repeat(32), url: "http://127.0.0.1:9/x" }] });
  await assert.rejects(rpcWith(answer(200, forged)).findNode(peer, target), (e) =>
    isConsortiaError(e, DhtErrors.DHT_BAD_RESPONSE),
  );
  await assert.rejects(rpcWith(answer(200, "[1,2")).findNode(peer, target), (e) =>
    isConsortiaError(e, DhtErrors.DHT_BAD_RESPONSE),
  );
  await assert.rejects(rpcWith(answer(200, " ".repeat(70_000))).findNode(peer, target), (e) =>
    isConsortiaError(e, DhtErrors.DHT_TOO_LARGE),
  );
  await assert.rejects(
    rpcWith(answer(500, JSON.stringify({ code: "INTERNAL" }))).findNode(peer, target),
    (e) => isConsortiaError(e, DhtErrors.DHT_RPC_FAILED) && e.details.remoteCode === "INTERNAL",
  );
  const never: DhtFetch = (_u, init) =>
    new Promise((_r, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)));
  await assert.rejects(createDhtRpc({ fetch: never, from: undefined, timeoutMs: 50 }).ping(peer), (e) =>
    isConsortiaError(e, DhtErrors.DHT_TIMEOUT),
  );
  await assert.rejects(rpcWith((u, i) => fetch(u, i)).ping(peer), (e) =>
    isConsortiaError(e, DhtErrors.DHT_RPC_FAILED),
  );
});
