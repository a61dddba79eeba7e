import { createCipheriv, createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import type { BlockStore } from "../../src/offchain/blockstore.js";
import { type GatewayOptions, registerGatewayRoutes } from "../../src/offchain/gateway.js";

/**
 * kubo's deterministic test bytes (test/cli/testutils DeterministicRandomReader): the ChaCha20
 * keystream under key = sha256(utf8(seed)), nonce 0, counter 0. Also what the published CID
 * profile vectors were generated with.
 */
export function detBytes(size: number, seed: string): Uint8Array {
  const key = createHash("sha256").update(seed).digest();
  const c = createCipheriv("chacha20", key, Buffer.alloc(16));
  return new Uint8Array(c.update(Buffer.alloc(size)));
}

/** Same stream as detBytes, in `chunk`-sized pieces (the cipher keeps its block counter). */
export async function* detStream(size: number, seed: string, chunk = 1 << 20): AsyncGenerator<Uint8Array> {
  const key = createHash("sha256").update(seed).digest();
  const c = createCipheriv("chacha20", key, Buffer.alloc(16));
  for (let left = size; left > 0; left -= chunk) {
    yield new Uint8Array(c.update(Buffer.alloc(Math.min(chunk, left))));
  }
}

export function tempDir(name: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `consortia-${name}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Every regular file under `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: Uint8Array): string[] {
  const hits: string[] = [];
  const pattern = Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength);
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(pattern)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

export interface GatewayServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** A real fastify server on 127.0.0.1 (random port) serving `blockstore` through the gateway. */
export async function startGateway(
  blockstore: BlockStore,
  opts: GatewayOptions = {},
): Promise<GatewayServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  registerGatewayRoutes(app, { blockstore }, opts);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}${opts.prefix ?? ""}`, close: () => app.close() };
}
