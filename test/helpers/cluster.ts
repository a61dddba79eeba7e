import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addressFromPublicKey, formatAddress } from "../../src/crypto/ed25519.js";
import { toHex } from "../../src/crypto/hash.js";
import { SCRYPT_INSECURE_FAST } from "../../src/crypto/keystore.js";
import { nodeIdFromPublicKey, peerAddress } from "../../src/engine/cometbft/files.js";
import type { CometbftOptions } from "../../src/engine/cometbft/options.js";
import { STAKING_POOL_ADDRESS } from "../../src/modules/staking/state.js";
import { configureCometNode, generateNodeKeys, localCometOptions } from "../../src/node/cometHomes.js";
import { writeNetworkHomes } from "../../src/node/home.js";
import { createNetworkMaterial, type NetworkMaterial } from "../../src/node/network.js";
import { PRESETS } from "../../src/node/presets.js";
import { buildTransfer } from "../../src/sdk/tx.js";
import { waitForExit, waitForLine } from "./process.js";

/**
 * A real multi-process consortium for chaos tests: per validator, one `consortia start` process
 * (our app + API) that supervises its own cometbft process. With `netns`, each validator runs in
 * its own Linux network namespace on a private bridge, so partitions are real packet loss
 * (blackhole routes), not simulated. Every resource the harness creates it also removes.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "src/cli/main.ts");

export interface ClusterNode {
  readonly name: string;
  readonly home: string;
  readonly host: string;
  readonly apiUrl: string;
  readonly ns?: string;
  proc?: ChildProcess | undefined;
}

export interface ClusterOptions {
  readonly validators: number;
  /** Run each validator in its own network namespace (needs root and iproute2). */
  readonly netns?: boolean;
  /** Overrides of the one-machine CometBFT options (localCometOptions). */
  readonly cometbft?: Partial<CometbftOptions>;
}

export function netnsAvailable(): boolean {
  try {
    if (process.getuid?.() !== 0) return false;
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: "ignore" });
}

export class Cluster {
  readonly nodes: ClusterNode[] = [];
  private readonly tag = `cz${process.pid % 10_000}${Math.floor(Math.random() * 1000)}`;
  private subnet = 0;
  private bridge?: string;
  private acked: Array<{ hash: string; height: bigint }> = [];
  /** Load generators still running; close() stops them so a failed test cannot leave one spinning. */
  private readonly loads = new Set<() => void>();

  private constructor(
    readonly dir: string,
    readonly material: NetworkMaterial,
  ) {}

  static async create(opts: ClusterOptions): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), "consortia-cluster-"));
    const n = opts.validators;
    const material = createNetworkMaterial({
      validators: n,
      preset: PRESETS.healthchain,
      genesisTimeMs: Date.now() - 1000,
    });
    const c = new Cluster(dir, material);
    const homes = await writeNetworkHomes(material, {
      out: dir,
      password: "cluster",
      scrypt: SCRYPT_INSECURE_FAST,
      basePort: 0,
      createdAt: new Date().toISOString(),
    });
    const nodeKeys = generateNodeKeys(n);
    const ids = nodeKeys.map((k) => nodeIdFromPublicKey(k.publicKey));
    c.subnet = 100 + Math.floor(Math.random() * 100);
    const base = 20_000 + Math.floor(Math.random() * 8_000);
    const hostOf = (i: number) => (opts.netns ? `10.213.${c.subnet}.${i + 1}` : "127.0.0.1");
    // In namespaces every node can use the same ports; on loopback they need distinct ones.
    const portsOf = (i: number) =>
      opts.netns
        ? { api: 26_680, rpc: 26_657, p2p: 26_656, abci: 26_658 }
        : { api: base + i, rpc: base + n + i, p2p: base + 2 * n + i, abci: base + 3 * n + i };
    for (let i = 0; i < n; i++) {
      const host = hostOf(i);
      const ports = portsOf(i);
      configureCometNode(
        {
          home: homes[i]!,
          moniker: material.validators[i]!.name,
          validatorSecretKey: material.validators[i]!.keys.secretKey,
          nodeKey: nodeKeys[i]!,
          ports,
          apiHost: host,
          cometbft: {
            ...localCometOptions(n),
            ...opts.cometbft,
            p2pHost: host,
            persistentPeers: ids.flatMap((id, j) =>
              j === i ? [] : [peerAddress(id, hostOf(j), portsOf(j).p2p)],
            ),
          },
        },
        material.genesisJson,
      );
      c.nodes.push({
        name: material.validators[i]!.name,
        home: homes[i]!,
        host,
        apiUrl: `http://${host}:${ports.api}`,
        ...(opts.netns ? { ns: `${c.tag}n${i}` } : {}),
      });
    }
    if (opts.netns) c.createNamespaces();
    return c;
  }

  private createNamespaces(): void {
    this.bridge = `${this.tag}br`;
    ip("link", "add", this.bridge, "type", "bridge");
    ip("link", "set", this.bridge, "up");
    ip("addr", "add", `10.213.${this.subnet}.254/24`, "dev", this.bridge);
    this.nodes.forEach((node, i) => {
      const ns = node.ns!;
      const host = `${this.tag}h${i}`;
      const peer = `${this.tag}p${i}`;
      ip("netns", "add", ns);
      ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
      ip("link", "add", host, "type", "veth", "peer", "name", peer);
      ip("link", "set", peer, "netns", ns);
      ip("link", "set", host, "master", this.bridge!);
      ip("link", "set", host, "up");
      ip("netns", "exec", ns, "ip", "addr", "add", `${node.host}/24`, "dev", peer);
      ip("netns", "exec", ns, "ip", "link", "set", peer, "up");
    });
  }

  async start(i: number): Promise<void> {
    const node = this.nodes[i]!;
    const args = [process.execPath, "--import", "tsx", CLI, "start", "--home", node.home];
    const [cmd, ...rest] = node.ns ? ["ip", "netns", "exec", node.ns, ...args] : args;
    const proc = spawn(cmd!, rest, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    node.proc = proc;
    await waitForLine(proc, /api: (http:\/\/\S+)/, 120_000);
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((_, i) => this.start(i)));
  }

  /** SIGKILL the node's cometbft process only (found by its home on the command line). */
  killCometbft(i: number): void {
    const home = join(this.nodes[i]!.home, "cometbft");
    execFileSync("pkill", ["-KILL", "-f", `cometbft start --home ${home}`], { stdio: "ignore" });
  }

  async kill(i: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const node = this.nodes[i]!;
    if (!node.proc) return;
    node.proc.kill(signal);
    await waitForExit(node.proc);
    node.proc = undefined;
    // A SIGKILLed app leaves its cometbft child behind until it notices the broken ABCI socket.
    try {
      execFileSync("pkill", ["-KILL", "-f", `cometbft start --home ${join(node.home, "cometbft")}`], {
        stdio: "ignore",
      });
    } catch {
      // none left
    }
  }

  /** Splits the validators into groups that cannot reach each other (blackhole routes both ways). */
  partition(groups: readonly (readonly number[])[]): void {
    const groupOf = new Map<number, number>();
    for (const [gi, g] of groups.entries()) for (const i of g) groupOf.set(i, gi);
    for (const [i, a] of this.nodes.entries()) {
      for (const [j, b] of this.nodes.entries()) {
        if (i !== j && groupOf.get(i) !== groupOf.get(j)) {
          ip("netns", "exec", a.ns!, "ip", "route", "add", "blackhole", `${b.host}/32`);
        }
      }
    }
  }

  heal(): void {
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a === b) continue;
        try {
          ip("netns", "exec", a.ns!, "ip", "route", "del", "blackhole", `${b.host}/32`);
        } catch {
          // not partitioned from b
        }
      }
    }
  }

  async height(i: number): Promise<bigint> {
    const r = await fetch(`${this.nodes[i]!.apiUrl}/health`, { signal: AbortSignal.timeout(3000) });
    return BigInt(((await r.json()) as { height: string }).height);
  }

  /** Waits until every listed node reaches `target` height. */
  async waitForHeight(target: bigint, nodes: readonly number[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hs = await Promise.all(nodes.map((i) => this.height(i).catch(() => -1n)));
      if (hs.every((h) => h >= target)) return;
      if (Date.now() > deadline)
        assert.fail(`heights ${hs.join(",")} did not reach ${target} in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /**
   * Load: each listed validator transfers to the next one through its own node's API, a few in
   * flight, recording every transaction the API acknowledged as committed. Returns a stopper.
   */
  load(senders: readonly number[]): () => Promise<void> {
    let stop = false;
    const n = this.nodes.length;
    const run = async (i: number) => {
      const from = this.material.validators[i]!;
      const to = this.material.validators[(i + 1) % n]!.address;
      const committedNonce = async () =>
        BigInt(
          (
            (await (
              await fetch(`${this.nodes[i]!.apiUrl}/accounts/${formatAddress(from.address)}`, {
                signal: AbortSignal.timeout(5000),
              })
            ).json()) as { nonce: string }
          ).nonce,
        );
      let nonce = await committedNonce();
      while (!stop) {
        const batch: Promise<boolean>[] = [];
        for (let k = 0; k < 4; k++) {
          const raw = buildTransfer(
            from.keys.secretKey,
            { chainId: this.material.chainId, nonce: nonce++, fee: 1n },
            to,
            1n,
          );
          batch.push(this.submit(i, raw));
        }
        if ((await Promise.all(batch)).every(Boolean)) continue;
        // A refused or lost transaction leaves a nonce gap that refuses every later one: like any
        // client, pause (a down node is not hammered) and resume from the node's committed nonce.
        await new Promise((r) => setTimeout(r, 200));
        try {
          nonce = await committedNonce();
        } catch {
          // node unreachable: keep the counter, the next round fails fast and retries
        }
      }
    };
    const all = Promise.all(senders.map((i) => run(i).catch(() => undefined)));
    const halt = () => {
      stop = true;
    };
    this.loads.add(halt);
    return async () => {
      halt();
      this.loads.delete(halt);
      await all;
    };
  }

  /** True when the transaction was acknowledged as committed with code 0. */
  private async submit(i: number, raw: Uint8Array): Promise<boolean> {
    try {
      const res = await fetch(`${this.nodes[i]!.apiUrl}/txs?wait=commit`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tx: toHex(raw) }),
        signal: AbortSignal.timeout(20_000),
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        return false;
      }
      const b = (await res.json()) as { hash: string; height: string; result: { code: number } };
      if (b.result.code !== 0) return false;
      this.acked.push({ hash: b.hash, height: BigInt(b.height) });
      return true;
    } catch {
      // node down or partitioned: not acknowledged, so not checked
      return false;
    }
  }

  get acknowledged(): ReadonlyArray<{ hash: string; height: bigint }> {
    return this.acked;
  }

  /**
   * The one checker: on every listed node, equal block hash and app hash at every common height;
   * every acknowledged transaction is in the chain at the height it was acknowledged; supply is
   * conserved (Σ balances of every account that can hold funds = circulating supply).
   */
  async check(nodes: readonly number[] = this.nodes.map((_, i) => i)): Promise<{ height: bigint }> {
    const get = async <T>(i: number, path: string): Promise<T> => {
      const r = await fetch(`${this.nodes[i]!.apiUrl}${path}`, { signal: AbortSignal.timeout(5000) });
      assert.equal(r.status, 200, `${this.nodes[i]!.name} ${path}: ${r.status}`);
      return (await r.json()) as T;
    };
    const heights = await Promise.all(nodes.map((i) => this.height(i)));
    const common = heights.reduce((m, h) => (h < m ? h : m));
    for (let h = 1n; h <= common; h++) {
      const blocks = await Promise.all(
        nodes.map((i) => get<{ hash: string; appHash: string }>(i, `/blocks/${h}`)),
      );
      for (const b of blocks) {
        assert.equal(b.hash, blocks[0]!.hash, `block hash at ${h}`);
        assert.equal(b.appHash, blocks[0]!.appHash, `app hash at ${h}`);
      }
    }
    for (const t of this.acked) {
      if (t.height > common) continue;
      const tx = await get<{ status: string; height: string }>(nodes[0]!, `/txs/${t.hash}`);
      assert.equal(tx.status, "committed", `acknowledged ${t.hash}`);
      assert.equal(BigInt(tx.height), t.height);
    }
    const i0 = nodes[0]!;
    const supply = await get<{ value: { circulating: string } }>(i0, "/query/coin/supply");
    const holders = [...this.material.validators.map((v) => v.address), STAKING_POOL_ADDRESS];
    let sum = 0n;
    for (const a of holders)
      sum += BigInt((await get<{ balance: string }>(i0, `/accounts/${toHex(a)}`)).balance);
    assert.equal(sum.toString(), supply.value.circulating, "supply conserved");
    return { height: common };
  }

  async close(): Promise<void> {
    for (const halt of this.loads) halt();
    this.loads.clear();
    await Promise.all(this.nodes.map((_, i) => this.kill(i, "SIGKILL").catch(() => undefined)));
    if (this.bridge) {
      for (const n of this.nodes) {
        try {
          execFileSync("ip", ["netns", "pids", n.ns!])
            .toString()
            .split("\n")
            .filter(Boolean)
            .forEach((p) => {
              try {
                process.kill(Number(p), "SIGKILL");
              } catch {
                // gone
              }
            });
          ip("netns", "del", n.ns!);
        } catch {
          // already gone
        }
      }
      try {
        ip("link", "del", this.bridge);
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export { addressFromPublicKey };
