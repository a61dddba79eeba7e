import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventHubOptions } from "../../src/api/events.js";
import { type ApiServer, createApiServer } from "../../src/api/server.js";
import type { KeyPair } from "../../src/crypto/ed25519.js";
import { sha256 } from "../../src/crypto/hash.js";
import { SCRYPT_INSECURE_FAST } from "../../src/crypto/keystore.js";
import type { Role } from "../../src/modules/identity/certificate.js";
import { loadNodeOptions } from "../../src/node/config.js";
import { writeNetworkHomes } from "../../src/node/home.js";
import { createNetworkMaterial, issueCertificate, type NetworkMaterial } from "../../src/node/network.js";
import { type ConsortiaNode, startNode } from "../../src/node/node.js";
import { PRESETS } from "../../src/node/presets.js";
import { seededBytes } from "./chain.js";

/** In the past, so block times come from the system clock. */
export const API_GENESIS_MS = 1_700_000_000_000;

export interface ApiTestNode {
  readonly dir: string;
  readonly material: NetworkMaterial;
  readonly node: ConsortiaNode;
  readonly server: ApiServer;
  readonly url: string;
  /** Errors the server answered with 500 INTERNAL; tests assert this stays empty. */
  readonly internalErrors: unknown[];
  certFor(key: KeyPair, role: Role, serial: bigint): ReturnType<typeof issueCertificate>;
  close(): Promise<void>;
}

/** A real node (temp home, solo engine, LevelDB) with its API on 127.0.0.1, random port. */
export async function startApiTestNode(
  opts: {
    seed?: string;
    blockIntervalMs?: number;
    bodyLimit?: number;
    events?: Partial<EventHubOptions>;
  } = {},
): Promise<ApiTestNode> {
  const dir = mkdtempSync(join(tmpdir(), "consortia-api-"));
  const material = createNetworkMaterial({
    validators: 1,
    preset: PRESETS.healthchain,
    genesisTimeMs: API_GENESIS_MS,
    randomBytes: seededBytes(opts.seed ?? "api"),
  });
  const [home] = await writeNetworkHomes(material, {
    out: dir,
    password: "test-password",
    scrypt: SCRYPT_INSECURE_FAST,
    basePort: 0,
    createdAt: "2023-11-14T00:00:00Z",
  });
  const base = loadNodeOptions(home!);
  const options = {
    ...base,
    verifyThreads: 0,
    api: { ...base.api, port: 0, ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}) },
    solo: { ...base.solo, blockIntervalMs: opts.blockIntervalMs ?? 25 },
  };
  const node = await startNode(home!, options);
  const internalErrors: unknown[] = [];
  const server = createApiServer(
    { node, ...(opts.events ? { events: opts.events } : {}), onInternalError: (e) => internalErrors.push(e) },
    options.api,
  );
  const { url } = await server.start();
  return {
    dir,
    material,
    node,
    server,
    url,
    internalErrors,
    certFor(key, role, serial) {
      return issueCertificate(material.ca.secretKey, {
        chainId: material.chainId,
        serial,
        subjectPublicKey: key.publicKey,
        subject: sha256(key.publicKey),
        role,
        notBeforeMs: BigInt(API_GENESIS_MS),
        notAfterMs: BigInt(API_GENESIS_MS) + 86_400_000n * 365n * 30n,
      });
    },
    async close() {
      await server.stop();
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
