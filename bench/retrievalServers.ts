/**
 * Child process of the retrieval benchmark (bench/retrieval.ts spawns it): the server side, kept
 * out of the client's process so that serving and fetching do not share one event loop.
 *
 *   role "holders": `holders` hospitals, each one fastify server with the trustless gateway
 *     (/offchain) over its own LevelDB blockstore and a DHT node (/dht); plus `dhtNodes − holders`
 *     DHT-only servers. Every node joins through the first; each holder imports its records
 *     (round-robin) and announces them (ADD_PROVIDER to the k closest).
 *   role "central": one server with the gateway over one blockstore holding every record.
 *
 * Protocol (IPC, validated): ← init, → ready | error, ← stop. Exits when the parent goes away.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { CommonErrors, ConsortiaError } from "../src/errors.js";
import { type BlockStore, openBlockstore } from "../src/offchain/blockstore.js";
import { providerKey } from "../src/offchain/dht/id.js";
import { createDhtNode, type DhtNode } from "../src/offchain/dht/node.js";
import { registerDhtRoutes } from "../src/offchain/dht/routes.js";
import { registerGatewayRoutes } from "../src/offchain/gateway.js";
import { createContentStore } from "../src/offchain/store.js";
import { recordBytes, type ServersInit, type ServersReady, zToServers } from "./retrievalRecords.js";

interface Server {
  readonly app: FastifyInstance;
  readonly base: string;
  node?: DhtNode;
  blockstore?: BlockStore;
}

const servers: Server[] = [];
let dir: string | undefined;
let stopping = false;

async function listen(opts: { gateway?: BlockStore; dht: boolean }): Promise<Server> {
  // Force-close: idle keep-alive connections from the client must not hold shutdown for 72 s.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const server: { app: FastifyInstance; base: string; node?: DhtNode; blockstore?: BlockStore } = {
    app,
    base: "",
  };
  if (opts.gateway !== undefined) {
    server.blockstore = opts.gateway;
    registerGatewayRoutes(app, { blockstore: opts.gateway }, { prefix: "/offchain" });
  }
  if (opts.dht) {
    registerDhtRoutes(
      app,
      {
        get handle() {
          if (server.node === undefined)
            throw new ConsortiaError(CommonErrors.UNAVAILABLE, "DHT node not ready");
          return server.node.handle;
        },
      },
      { prefix: "/dht" },
    );
  }
  await app.listen({ host: "127.0.0.1", port: 0 });
  server.base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  servers.push(server);
  return server;
}

async function startHolders(init: ServersInit, root: string): Promise<Omit<ServersReady, "type" | "seedMs">> {
  const holders: Server[] = [];
  for (let i = 0; i < init.holders; i++) {
    holders.push(await listen({ gateway: await openBlockstore(join(root, `holder-${i}`)), dht: true }));
  }
  const dhtOnly: Server[] = [];
  for (let i = init.holders; i < init.dhtNodes; i++) dhtOnly.push(await listen({ dht: true }));
  const all = [...holders, ...dhtOnly];
  for (const s of all) {
    s.node = createDhtNode({ now: Date.now }, { selfUrl: `${s.base}/dht`, k: init.k, alpha: init.alpha });
  }
  const nodes = all.map((s) => s.node as DhtNode);
  const first = nodes[0] as DhtNode;
  for (const n of nodes.slice(1)) await n.bootstrap([first.self.url]);
  if (nodes.length > 1) await first.bootstrap([(nodes[1] as DhtNode).self.url]);

  const records: ServersReady["records"] = [];
  for (let r = 0; r < init.records; r++) {
    const h = r % init.holders;
    const holder = holders[h] as Server;
    const store = createContentStore({ blockstore: holder.blockstore as BlockStore });
    const { cid } = await store.add(recordBytes(init.seed, r, init.sizeBytes));
    if (nodes.length > 1)
      await (holder.node as DhtNode).provide(providerKey(cid), { url: `${holder.base}/offchain` });
    records.push({ cid: cid.toString(), holder: h });
  }
  return {
    records,
    gateways: holders.map((s) => `${s.base}/offchain`),
    dht: nodes.map((n) => n.self.url),
  };
}

async function startCentral(init: ServersInit, root: string): Promise<Omit<ServersReady, "type" | "seedMs">> {
  const blockstore = await openBlockstore(join(root, "central"));
  const server = await listen({ gateway: blockstore, dht: false });
  const store = createContentStore({ blockstore });
  const records: ServersReady["records"] = [];
  for (let r = 0; r < init.records; r++) {
    const { cid } = await store.add(recordBytes(init.seed, r, init.sizeBytes));
    records.push({ cid: cid.toString(), holder: 0 });
  }
  return { records, gateways: [`${server.base}/offchain`], dht: [] };
}

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const s of servers) {
      await s.node?.stop();
      await s.app.close().catch(() => undefined);
      await s.blockstore?.close().catch(() => undefined);
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
  process.exit(code);
}

function send(msg: object): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(msg, undefined, {}, () => resolve());
  });
}

process.on("disconnect", () => void shutdown(0));
process.on("message", (raw: unknown) => {
  const parsed = zToServers.safeParse(raw);
  if (!parsed.success) {
    void send({ type: "error", message: `bad message: ${parsed.error.message.slice(0, 500)}` });
    return;
  }
  const msg = parsed.data;
  if (msg.type === "stop") {
    void shutdown(0);
    return;
  }
  const started = performance.now();
  dir = mkdtempSync(join(tmpdir(), `consortia-bench-retrieval-${msg.role}-`));
  void (msg.role === "holders" ? startHolders(msg, dir) : startCentral(msg, dir)).then(
    (ready) => send({ type: "ready", ...ready, seedMs: Math.round(performance.now() - started) }),
    // The message must be out before exit, or the parent only sees an exit code.
    (err: unknown) =>
      send({ type: "error", message: String((err as Error).stack ?? err).slice(0, 4000) }).then(() =>
        shutdown(1),
      ),
  );
});
