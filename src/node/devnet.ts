/**
 * `consortia devnet`: N validators on this machine. One Node.js process hosts all N applications
 * (each with its own LevelDB, ABCI server and HTTP API; one shared signature-verification pool),
 * and N cometbft processes run consensus between them over loopback.
 *
 *   <dir>/devnet.json          manifest: chain id, nodes, ports (a second run restarts this network)
 *   <dir>/genesis.json, ca/    as written by `consortia init` (src/node/home.ts)
 *   <dir>/<node>/              node home; <dir>/<node>/cometbft is its CometBFT home
 *
 * Ports (basePort B, N validators): API B+i, CometBFT RPC B+N+i, P2P B+2N+i, ABCI B+3N+i.
 * B = 0 picks a random B whose 4N ports are free (see freePortBlock).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { type ApiServer, createApiServer } from "../api/server.js";
import { createTxCache } from "../app/txCache.js";
import type { RandomBytes } from "../crypto/ed25519.js";
import { SCRYPT_INSECURE_FAST } from "../crypto/keystore.js";
import { readKeystoreFile } from "../crypto/keystoreFile.js";
import { createVerifyPool, type VerifyPool } from "../crypto/verifyPool.js";
import { type AttachedEhr, attachEhr } from "../ehr/attach.js";
import { CometErrors } from "../engine/cometbft/errors.js";
import { nodeIdFromPublicKey, peerAddress } from "../engine/cometbft/files.js";
import { asConsortiaError, ConsortiaError } from "../errors.js";
import {
  type CometNodePorts,
  configureCometNode,
  generateNodeKeys,
  localCometOptions,
  localPeerIndexes,
  localPorts,
} from "./cometHomes.js";
import { loadNodeOptions } from "./config.js";
import { writeNetworkHomes } from "./home.js";
import { createNetworkMaterial, type NetworkMaterial } from "./network.js";
import { type ConsortiaNode, startNode } from "./node.js";
import type { NetworkPreset } from "./presets.js";

export const MAX_DEVNET_VALIDATORS = 100;
/** Devnet keystores are throwaway (the consensus keys sit in plaintext next to them anyway). */
export const DEVNET_PASSWORD = "devnet";
const MANIFEST = "devnet.json";

export interface DevnetOptions {
  readonly validators: number;
  readonly preset: NetworkPreset;
  /** Network directory; absent = a temporary one, deleted by stop(). */
  readonly dir?: string;
  /** See the port layout above; 0 = free ports. */
  readonly basePort: number;
  readonly nowMs: number;
  /** Nodes started at once; the rest wait (keeps 2 cores responsive while 51 processes boot). */
  readonly startConcurrency?: number;
  /** How long to wait for every node to commit block 1. Default 60 s + 2 s per validator. */
  readonly readyTimeoutMs?: number;
  readonly logLevel?: string;
  readonly randomBytes?: RandomBytes;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
  /** Cancels startup: no further node starts, the started ones are stopped, startDevnet rejects. */
  readonly signal?: AbortSignal;
  /** A node's cometbft exited; the others keep running. */
  readonly onNodeExit?: (name: string, err: ConsortiaError) => void;
}

export interface DevnetNode {
  readonly name: string;
  readonly home: string;
  readonly ports: CometNodePorts;
  readonly apiUrl: string;
  readonly node: ConsortiaNode;
}

export interface Devnet {
  readonly dir: string;
  readonly chainId: string;
  /** Keys and genesis; only when this call created the network (not on restart). */
  readonly material: NetworkMaterial | undefined;
  readonly nodes: readonly DevnetNode[];
  /** From the first process spawned to every node at height >= 1. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

function invalid(field: string, condition: string): never {
  throw new ConsortiaError(CometErrors.COMET_DEVNET_PARAM, `${field} ${condition}`, { field });
}

/** Ports tried for base 0: below Linux's ephemeral range (32768+) and clear of 26000-26999 (defaults). */
const AUTO_PORT_LOW = 10_000;
const AUTO_PORT_HIGH = 32_000;

function canListen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(undefined));
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

/**
 * A base port B such that B..B+count-1 are all free on 127.0.0.1 now. Random, outside the
 * ephemeral range: ports the OS hands out for port-0 listeners and outgoing connections (including
 * our own 51 nodes' dials) never land in the block between probe and use.
 */
export async function freePortBlock(count: number, attempts = 30): Promise<number> {
  for (let a = 0; a < attempts; a++) {
    let base = AUTO_PORT_LOW + Math.floor(Math.random() * (AUTO_PORT_HIGH - AUTO_PORT_LOW - count));
    if (base + count > 26_000 && base < 27_000) base = 27_000;
    const held: Server[] = [];
    let ok = true;
    for (let p = base; p < base + count; p++) {
      const s = await canListen(p);
      if (!s) {
        ok = false;
        break;
      }
      held.push(s);
    }
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    if (ok) return base;
  }
  throw new ConsortiaError(
    CometErrors.COMET_PORT_IN_USE,
    `no block of ${count} free ports found on 127.0.0.1`,
    {
      count,
    },
  );
}

async function layoutPorts(base: number, n: number): Promise<CometNodePorts[]> {
  const b = base === 0 ? await freePortBlock(4 * n) : base;
  return Array.from({ length: n }, (_, i) => localPorts(b, n, i));
}

const zPorts = z.object({ api: z.number(), rpc: z.number(), p2p: z.number(), abci: z.number() });
const manifestSchema = z.object({
  chainId: z.string(),
  preset: z.string(),
  nodes: z.array(z.object({ name: z.string(), home: z.string(), ports: zPorts })).min(1),
});
type Manifest = z.infer<typeof manifestSchema>;

async function createNetwork(
  dir: string,
  opts: DevnetOptions,
): Promise<{ manifest: Manifest; material: NetworkMaterial }> {
  const n = opts.validators;
  const allocation = 1_000_000_000_000n;
  const material = createNetworkMaterial({
    validators: n,
    preset: opts.preset,
    genesisTimeMs: opts.nowMs,
    allocation,
    // DPoS from block 1: each institution bonds a tenth of its allocation (power 100,000 each).
    staking: { selfBond: allocation / 10n },
    ...(opts.randomBytes ? { randomBytes: opts.randomBytes } : {}),
  });
  const homes = await writeNetworkHomes(material, {
    out: dir,
    password: DEVNET_PASSWORD,
    scrypt: SCRYPT_INSECURE_FAST,
    basePort: 1,
    createdAt: new Date(opts.nowMs).toISOString(),
  });
  const ports = await layoutPorts(opts.basePort, n);
  const nodeKeys = generateNodeKeys(n, opts.randomBytes);
  const ids = nodeKeys.map((k) => nodeIdFromPublicKey(k.publicKey));
  const comet = localCometOptions(n);
  const nodes = material.validators.map((v, i) => {
    configureCometNode(
      {
        home: homes[i]!,
        moniker: v.name,
        validatorSecretKey: v.keys.secretKey,
        nodeKey: nodeKeys[i]!,
        ports: ports[i]!,
        apiHost: "127.0.0.1",
        cometbft: {
          ...comet,
          persistentPeers: localPeerIndexes(i, n).map((j) =>
            peerAddress(ids[j]!, "127.0.0.1", ports[j]!.p2p),
          ),
          ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}),
        },
        // n databases in one process: a small write-through cache each (the default is 1M entries).
        configPatch: { storage: { cacheEntries: 20_000 }, verifyThreads: 0 },
      },
      material.genesisJson,
    );
    return { name: v.name, home: homes[i]!, ports: ports[i]! };
  });
  const manifest: Manifest = { chainId: material.chainId, preset: opts.preset.name, nodes };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, material };
}

function readManifest(dir: string): Manifest | undefined {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return undefined;
  const r = manifestSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!r.success)
    invalid("dir", `holds a ${MANIFEST} that is not a devnet manifest (${r.error.issues[0]?.message})`);
  return r.data;
}

export async function startDevnet(opts: DevnetOptions): Promise<Devnet> {
  const n = opts.validators;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DEVNET_VALIDATORS)
    invalid("validators", `must be in 1..${MAX_DEVNET_VALIDATORS}`);
  if (
    !Number.isInteger(opts.basePort) ||
    opts.basePort < 0 ||
    (opts.basePort > 0 && opts.basePort + 4 * n - 1 > 65_535)
  ) {
    invalid("basePort", `must be 0 (free ports) or leave room for ${4 * n} ports below 65536`);
  }
  const log = opts.log ?? (() => undefined);
  const temporary = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "consortia-devnet-"));
  mkdirSync(dir, { recursive: true });
  let manifest = readManifest(dir);
  let material: NetworkMaterial | undefined;
  if (manifest) {
    if (manifest.nodes.length !== n) {
      invalid("validators", `must be ${manifest.nodes.length}: ${dir} already holds a devnet of that size`);
    }
    log(`devnet: restarting ${manifest.chainId} from ${dir}`);
  } else {
    if (readdirSync(dir).length > 0) invalid("dir", `${dir} is not empty and holds no ${MANIFEST}`);
    ({ manifest, material } = await createNetwork(dir, opts));
    log(`devnet: created ${manifest.chainId} with ${n} validators in ${dir}`);
  }

  const pool: VerifyPool = createVerifyPool({ threads: Math.min(2, availableParallelism()) });
  // Validators in one process share what they learn from a transaction's bytes (src/app/txCache.ts).
  const txCache = createTxCache();
  const started: {
    entry: Manifest["nodes"][number];
    node: ConsortiaNode;
    api: ApiServer;
    url: string;
    ehr: AttachedEhr | undefined;
  }[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((s) => s.api.stop().catch(() => undefined)));
    await Promise.all(started.map((s) => s.node.stop().catch(() => undefined)));
    await Promise.all(started.map((s) => s.ehr?.close().catch(() => undefined)));
    started.length = 0;
    await pool.close();
  };
  const t0 = Date.now();
  try {
    const queue = [...manifest.nodes];
    const aborted = () => {
      if (opts.signal?.aborted) {
        throw new ConsortiaError(CometErrors.COMET_DEVNET_ABORTED, "devnet startup cancelled", {
          started: started.length,
        });
      }
    };
    const startOne = async (entry: Manifest["nodes"][number]) => {
      aborted();
      const options = loadNodeOptions(entry.home);
      const node = await startNode(entry.home, options, {
        verifyPool: pool,
        txCache,
        onEngineExit: (err) =>
          opts.onNodeExit ? opts.onNodeExit(entry.name, err) : log(`devnet: ${entry.name}: ${err.message}`),
      });
      let ehr: AttachedEhr | undefined;
      try {
        // Every devnet validator is also a record-holding institution (docs/records.md).
        const key = await readKeystoreFile(
          join(entry.home, "keys", "validator.keystore.json"),
          DEVNET_PASSWORD,
        );
        ehr = await attachEhr(node, { secretKey: key.secretKey, publicKey: key.publicKey });
        const api = createApiServer(
          { node, ...(ehr ? { extraRoutes: ehr.routes, plugins: ehr.plugins } : {}) },
          options.api,
        );
        const { url } = await api.start();
        started.push({ entry, node, api, url, ehr });
      } catch (err) {
        await node.stop();
        await ehr?.close();
        throw err;
      }
    };
    const concurrency = Math.max(1, opts.startConcurrency ?? 8);
    const worker = async () => {
      for (let e = queue.shift(); e !== undefined; e = queue.shift()) await startOne(e);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    log(`devnet: ${n} nodes started in ${Date.now() - t0} ms; waiting for block 1`);
    await waitForHeight(
      started.map((s) => s.node),
      1n,
      opts.readyTimeoutMs ?? 60_000 + 2000 * n,
      aborted,
    );
    // Each holder publishes its encryption key and endpoint, so requesters can find and reach it.
    // A few at a time and retried: 51 validators on two cores answer slowly at startup, and a
    // holder without a profile is a degraded node, not a reason to tear the devnet down.
    const pending = started.filter((s) => s.ehr !== undefined);
    const publish = async () => {
      for (let s = pending.shift(); s !== undefined; s = pending.shift()) {
        for (let attempt = 1; ; attempt++) {
          try {
            await s.ehr!.service.ensureProfile(s.url);
            break;
          } catch (err) {
            if (attempt >= 3) {
              log(
                `devnet: ${s.entry.name}: record service profile not published: ${asConsortiaError(err).message}`,
              );
              break;
            }
            await new Promise((r) => setTimeout(r, 500 * attempt));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, pending.length) }, publish));
  } catch (err) {
    await stopAll();
    if (temporary) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const startupMs = Date.now() - t0;
  const order = new Map(manifest.nodes.map((e, i) => [e.name, i]));
  started.sort((a, b) => order.get(a.entry.name)! - order.get(b.entry.name)!);
  const nodes: DevnetNode[] = started.map((s) => ({
    name: s.entry.name,
    home: s.entry.home,
    ports: s.entry.ports,
    apiUrl: s.url,
    node: s.node,
  }));
  let stopping: Promise<void> | undefined;
  return {
    dir,
    chainId: manifest.chainId,
    material,
    nodes,
    startupMs,
    stop() {
      stopping ??= (async () => {
        await stopAll();
        if (temporary) rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

async function waitForHeight(
  nodes: readonly ConsortiaNode[],
  height: bigint,
  timeoutMs: number,
  checkAborted: () => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    checkAborted();
    const behind = nodes.filter((nd) => nd.app.height < height);
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      throw new ConsortiaError(
        CometErrors.COMET_DEVNET_TIMEOUT,
        `${behind.length} of ${nodes.length} nodes did not reach height ${height} within ${timeoutMs} ms`,
        { behind: behind.map((nd) => nd.options.moniker), timeoutMs },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
