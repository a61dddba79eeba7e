/**
 * Turns node homes written by src/node/home.ts into CometBFT-engine homes: a CometBFT home in
 * <home>/cometbft (keys, genesis, config) and a `cometbft` block in <home>/config.json with the
 * node's ports and peers. Used by `consortia devnet` (one machine) and `consortia init --members`
 * (one machine per institution). Node ids are computed here, so no `cometbft init` is run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { generateKeyPair, type KeyPair, type RandomBytes } from "../crypto/ed25519.js";
import { readKeystoreFile } from "../crypto/keystoreFile.js";
import { CometErrors } from "../engine/cometbft/errors.js";
import { nodeIdFromPublicKey, peerAddress, writeCometHome } from "../engine/cometbft/files.js";
import {
  type CometbftOptions,
  type CometTimeouts,
  defaultCometbftOptions,
  wanTimeouts,
} from "../engine/cometbft/options.js";
import { ConsortiaError } from "../errors.js";
import type { NodeConfigFile } from "./config.js";
import { cometHomeOf } from "./node.js";

export interface CometNodePorts {
  readonly api: number;
  readonly rpc: number;
  readonly p2p: number;
  readonly abci: number;
}

export interface CometNodeSpec {
  /** Node home (config.json, genesis.json already there). */
  readonly home: string;
  readonly moniker: string;
  readonly validatorSecretKey: Uint8Array;
  readonly nodeKey: KeyPair;
  readonly ports: CometNodePorts;
  /** API listen host (127.0.0.1 unless the operator fronts it otherwise). */
  readonly apiHost: string;
  /** Everything in the cometbft block except the ports and abci address, which come from `ports`. */
  readonly cometbft: Partial<CometbftOptions>;
  /** Other config.json fields to set (e.g. a smaller storage cache for devnets). */
  readonly configPatch?: Partial<NodeConfigFile>;
}

/** Writes <home>/cometbft and merges engine "cometbft" + its options into <home>/config.json. */
export function configureCometNode(spec: CometNodeSpec, genesisJson: string): string {
  const options: CometbftOptions = {
    ...defaultCometbftOptions,
    ...spec.cometbft,
    rpcPort: spec.ports.rpc,
    p2pPort: spec.ports.p2p,
    abciAddress: `tcp://127.0.0.1:${spec.ports.abci}`,
  };
  const nodeId = writeCometHome(cometHomeOf(spec.home), {
    genesisJson,
    validatorSecretKey: spec.validatorSecretKey,
    nodeSecretKey: spec.nodeKey.secretKey,
    config: { moniker: spec.moniker, options },
  });
  const path = join(spec.home, "config.json");
  const current = JSON.parse(readFileSync(path, "utf8")) as NodeConfigFile;
  const next: NodeConfigFile = {
    ...current,
    ...spec.configPatch,
    moniker: spec.moniker,
    engine: "cometbft",
    api: { ...(current.api ?? {}), host: spec.apiHost, port: spec.ports.api },
    cometbft: cometbftFileBlock(options),
  };
  writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`);
  return nodeId;
}

/** Only what differs from the defaults, so config.json shows the operator's real choices. */
function cometbftFileBlock(o: CometbftOptions): NonNullable<NodeConfigFile["cometbft"]> {
  const d = defaultCometbftOptions;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o) as (keyof CometbftOptions)[]) {
    if (JSON.stringify(o[k]) !== JSON.stringify(d[k])) out[k] = o[k];
  }
  // Ports and the ABCI address are always written: they are what an operator looks for first.
  out.rpcPort = o.rpcPort;
  out.p2pPort = o.p2pPort;
  out.abciAddress = o.abciAddress;
  return out as NonNullable<NodeConfigFile["cometbft"]>;
}

/**
 * Consensus timeouts for n validators sharing this machine's cores. CPU, not the network, is the
 * bottleneck: every node checks ~2n votes per height and n processes share 2 cores, so the time
 * until a node has seen 2/3 of the votes grows about linearly with n. Too-short timeouts only add
 * rounds; these keep round 0 succeeding in our measurements (docs/deploy.md):
 *   propose = 1000 + 40·n ms, prevote = precommit = 500 + 20·n ms, deltas = 500 + 10·n ms,
 *   commit = 0 up to 16 validators (with skipTimeoutCommit), else 300 + 20·n ms
 *   (propose/votes/deltas/commit: n = 4: 1160/580/540/0 ms; n = 51: 3040/1520/1010/1320 ms).
 * Commit 0 up to 16: every precommit arrives within milliseconds, so the pause only delayed the next
 * block; a sequential retrieval on 4 validators committed in 505 ms with the old 380 ms pause and in
 * 88–102 ms without it (bench auth, docs/records.md "Commitment latency").
 */
export function localTimeoutsFor(n: number): CometTimeouts {
  const delta = 500 + 10 * n;
  return {
    proposeMs: 1000 + 40 * n,
    proposeDeltaMs: delta,
    prevoteMs: 500 + 20 * n,
    prevoteDeltaMs: delta,
    precommitMs: 500 + 20 * n,
    precommitDeltaMs: delta,
    commitMs: n <= SMALL_LOCAL_NETWORK ? 0 : 300 + 20 * n,
  };
}

/** Up to this many validators on one machine, votes arrive within milliseconds (measured at 4). */
const SMALL_LOCAL_NETWORK = 16;

/**
 * How long idle gossip routines sleep: CometBFT sends proposals, block parts and votes from ~3
 * routines per peer that poll every `peer_gossip_sleep_duration`, so the sleep is added to every
 * consensus step (100 ms default: a sequential commit on 4 validators took 260–400 ms, at 10 ms 170,
 * at 3 ms 157). Idle wake-ups cost ≈ 3·n·(n−1)/sleep per second; this keeps them near 12k/s
 * (n = 4: 3 ms; n = 7: 11 ms; n = 16: 60 ms) and at 200 ms above 16 validators.
 */
export function localGossipSleepMs(n: number): number {
  if (n > SMALL_LOCAL_NETWORK) return 200;
  return Math.max(3, Math.ceil((n * (n - 1)) / 4));
}

/**
 * What n validators on one machine (devnet, or `init --engine cometbft` without --members) change
 * from the defaults, and why:
 * - timeouts: localTimeoutsFor(n), and skipTimeoutCommit up to 16 validators;
 * - gossipSleepMs: localGossipSleepMs(n);
 * - flushThrottleMs 2 up to 16 validators (each consensus step crosses it once), 100 above (fewer
 *   syscalls when 51 nodes share 2 cores);
 * - goMaxProcs 1 above 8 validators: n Go schedulers on 2 cores only add context switches;
 * - startTimeoutMs 60 s + 2 s·n: late starters handshake while the early ones already run consensus.
 */
export function localCometOptions(n: number): Partial<CometbftOptions> {
  const small = n <= SMALL_LOCAL_NETWORK;
  return {
    timeouts: localTimeoutsFor(n),
    gossipSleepMs: localGossipSleepMs(n),
    flushThrottleMs: small ? 2 : 100,
    skipTimeoutCommit: small,
    goMaxProcs: n > 8 ? 1 : 0,
    startTimeoutMs: 60_000 + 2000 * n,
  };
}

/** One fresh peer-to-peer key per node; ids follow from them. */
export function generateNodeKeys(n: number, randomBytes?: RandomBytes): KeyPair[] {
  return Array.from({ length: n }, () => generateKeyPair(randomBytes));
}

/**
 * Which peers node i dials on one machine. Up to 8 nodes: everyone. Beyond: i+1, i+2, i+4, …
 * (mod n), so each node keeps ~2·log2(n) connections (dialled + accepted) and any vote reaches
 * everyone in ≤ log2(n) hops; a full mesh of 51 would be 1275 connections competing for 2 cores.
 */
export function localPeerIndexes(i: number, n: number): number[] {
  if (n <= 8) return Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
  const out = new Set<number>();
  for (let step = 1; step < n; step *= 2) out.add((i + step) % n);
  out.delete(i);
  return [...out];
}

// --- consortium members file (consortia init --members) -------------------------------------

const zPort = z.number().int().min(1).max(65_535);
const memberSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 characters of [A-Za-z0-9._-]"),
  /** DNS name or IP other members dial for p2p. */
  host: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/, "must be a DNS name or IP address"),
  p2pPort: zPort,
  rpcPort: zPort,
  apiPort: zPort,
  /** ABCI port on the member's own loopback; default 26658. */
  abciPort: zPort.optional(),
});
const membersFileSchema = z.strictObject({ members: z.array(memberSchema).min(1).max(200) });

export type ConsortiumMember = z.output<typeof memberSchema>;

/** Reads and checks a members file: `{ "members": [{name, host, p2pPort, rpcPort, apiPort}, ...] }`. */
export function readMembersFile(path: string): ConsortiumMember[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConsortiaError(
      CometErrors.COMET_MEMBERS_PARAM,
      `members file ${path} cannot be read as JSON: ${(err as Error).message}`,
      { path, field: "" },
    );
  }
  const r = membersFileSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    const field = i?.path.join(".") ?? "";
    throw new ConsortiaError(
      CometErrors.COMET_MEMBERS_PARAM,
      `members file ${path}: ${field}: ${i?.message}`,
      {
        path,
        field,
      },
    );
  }
  const members = r.data.members;
  const seen = new Set<string>();
  for (const [i, m] of members.entries()) {
    if (seen.has(m.name)) {
      throw new ConsortiaError(
        CometErrors.COMET_MEMBERS_PARAM,
        `members file ${path}: members.${i}.name "${m.name}" is repeated`,
        {
          path,
          field: `members.${i}.name`,
        },
      );
    }
    seen.add(m.name);
    const ports = [m.p2pPort, m.rpcPort, m.apiPort, m.abciPort ?? 26_658];
    if (new Set(ports).size !== ports.length) {
      throw new ConsortiaError(
        CometErrors.COMET_MEMBERS_PARAM,
        `members file ${path}: members.${i} uses one port twice (p2p, rpc, api and abci must differ)`,
        { path, field: `members.${i}` },
      );
    }
  }
  return members;
}

/**
 * Configures one home per member, for deployment on the members' own machines: p2p listens on all
 * interfaces and is advertised as host:p2pPort; RPC, ABCI and the API stay on loopback; every
 * member dials every other (a consortium is small and fixed); WAN consensus timeouts.
 */
export function configureMemberHomes(
  homes: readonly { home: string; validatorSecretKey: Uint8Array }[],
  members: readonly ConsortiumMember[],
  genesisJson: string,
  randomBytes?: RandomBytes,
): { name: string; nodeId: string; p2p: string }[] {
  if (homes.length !== members.length) {
    throw new ConsortiaError(
      CometErrors.COMET_MEMBERS_PARAM,
      `members file lists ${members.length} members but ${homes.length} validator homes exist`,
      { field: "members" },
    );
  }
  const keys = generateNodeKeys(members.length, randomBytes);
  const ids = keys.map((k) => nodeIdFromPublicKey(k.publicKey));
  return members.map((m, i) => {
    const peers = members.flatMap((p, j) => (j === i ? [] : [peerAddress(ids[j]!, p.host, p.p2pPort)]));
    configureCometNode(
      {
        home: homes[i]!.home,
        moniker: m.name,
        validatorSecretKey: homes[i]!.validatorSecretKey,
        nodeKey: keys[i]!,
        ports: { api: m.apiPort, rpc: m.rpcPort, p2p: m.p2pPort, abci: m.abciPort ?? 26_658 },
        apiHost: "127.0.0.1",
        cometbft: {
          p2pHost: "0.0.0.0",
          externalAddress: `${m.host}:${m.p2pPort}`,
          persistentPeers: peers,
          timeouts: wanTimeouts,
        },
      },
      genesisJson,
    );
    return { name: m.name, nodeId: ids[i]!, p2p: `${m.host}:${m.p2pPort}` };
  });
}

/** One machine, base port B, n nodes: API B+i, CometBFT RPC B+n+i, P2P B+2n+i, ABCI B+3n+i. */
export function localPorts(base: number, n: number, i: number): CometNodePorts {
  return { api: base + i, rpc: base + n + i, p2p: base + 2 * n + i, abci: base + 3 * n + i };
}

export interface CometInitInput {
  /** Homes written by initNetwork (src/node/initNetwork.ts), in validator order. */
  readonly nodes: readonly { readonly name: string; readonly home: string }[];
  readonly genesisPath: string;
  /** Decrypts each home's keys/validator.keystore.json: CometBFT needs the consensus key in clear. */
  readonly password: string;
  /** One machine per member; absent = all nodes on this machine, ports from basePort. */
  readonly members?: readonly ConsortiumMember[];
  readonly basePort: number;
  readonly randomBytes?: RandomBytes;
}

export interface CometInitNode {
  readonly name: string;
  readonly moniker: string;
  readonly home: string;
  readonly nodeId: string;
  /** host:port other validators dial. */
  readonly p2p: string;
  readonly rpcPort: number;
  readonly apiPort: number;
}

/** `consortia init --engine cometbft [--members FILE]`: adds CometBFT homes to freshly initialised homes. */
export async function convertHomesToCometbft(input: CometInitInput): Promise<CometInitNode[]> {
  const genesisJson = readFileSync(input.genesisPath, "utf8");
  const homes: { home: string; validatorSecretKey: Uint8Array }[] = [];
  for (const n of input.nodes) {
    const key = await readKeystoreFile(join(n.home, "keys", "validator.keystore.json"), input.password);
    homes.push({ home: n.home, validatorSecretKey: key.secretKey });
  }
  if (input.members) {
    const done = configureMemberHomes(homes, input.members, genesisJson, input.randomBytes);
    return done.map((d, i) => ({
      name: input.nodes[i]!.name,
      moniker: d.name,
      home: input.nodes[i]!.home,
      nodeId: d.nodeId,
      p2p: d.p2p,
      rpcPort: input.members![i]!.rpcPort,
      apiPort: input.members![i]!.apiPort,
    }));
  }
  const count = homes.length;
  if (!Number.isInteger(input.basePort) || input.basePort < 1 || input.basePort + 4 * count - 1 > 65_535) {
    throw new ConsortiaError(
      CometErrors.COMET_CONFIG_PARAM,
      `basePort ${input.basePort} must leave room for ${4 * count} ports (API, RPC, P2P, ABCI per node) below 65536`,
      { field: "basePort" },
    );
  }
  const keys = generateNodeKeys(count, input.randomBytes);
  const ids = keys.map((k) => nodeIdFromPublicKey(k.publicKey));
  const local = localCometOptions(count);
  return input.nodes.map((n, i) => {
    const ports = localPorts(input.basePort, count, i);
    configureCometNode(
      {
        home: n.home,
        moniker: n.name,
        validatorSecretKey: homes[i]!.validatorSecretKey,
        nodeKey: keys[i]!,
        ports,
        apiHost: "127.0.0.1",
        cometbft: {
          ...local,
          persistentPeers: localPeerIndexes(i, count).map((j) =>
            peerAddress(ids[j]!, "127.0.0.1", localPorts(input.basePort, count, j).p2p),
          ),
        },
      },
      genesisJson,
    );
    return {
      name: n.name,
      moniker: n.name,
      home: n.home,
      nodeId: ids[i]!,
      p2p: `127.0.0.1:${ports.p2p}`,
      rpcPort: ports.rpc,
      apiPort: ports.api,
    };
  });
}
