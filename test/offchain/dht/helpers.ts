import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { CommonErrors, ConsortiaError } from "../../../src/errors.js";
import { createDhtNode, type DhtNode, type DhtNodeInit } from "../../../src/offchain/dht/node.js";
import { registerDhtRoutes } from "../../../src/offchain/dht/routes.js";

export interface DhtServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly node: DhtNode;
}

/** A manual clock for expiry tests. */
export function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number): void {
      t += ms;
    },
  };
}

/** One fastify server on 127.0.0.1 (random port) serving a fresh DHT node under /dht. */
export async function startDhtServer(
  now: () => number,
  init: Omit<DhtNodeInit, "selfUrl"> = {},
): Promise<DhtServer> {
  // Force-close: a keep-alive connection that turns idle after close() began would otherwise hold
  // the server open for the 72 s keep-alive timeout.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  let node: DhtNode | undefined;
  registerDhtRoutes(app, {
    get handle() {
      if (node === undefined) throw new ConsortiaError(CommonErrors.UNAVAILABLE, "node not created yet");
      return node.handle;
    },
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/dht`;
  node = createDhtNode({ now }, { ...init, selfUrl: url });
  return { app, url, node };
}

/** `n` servers; each bootstraps through the first one, in order, as nodes joining one by one. */
export async function startDhtNetwork(
  n: number,
  now: () => number,
  init: Omit<DhtNodeInit, "selfUrl"> = {},
): Promise<{ servers: DhtServer[]; close(): Promise<void> }> {
  const servers: DhtServer[] = [];
  for (let i = 0; i < n; i++) servers.push(await startDhtServer(now, init));
  const first = servers[0] as DhtServer;
  for (const s of servers.slice(1)) await s.node.bootstrap([first.url]);
  // The first node joined an empty network: let it learn the others the way a real node would.
  if (servers.length > 1) await first.node.bootstrap([(servers[1] as DhtServer).url]);
  return {
    servers,
    async close() {
      for (const s of servers) {
        await s.node.stop();
        await s.app.close();
      }
    },
  };
}
