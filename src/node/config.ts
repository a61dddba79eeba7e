import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { type CometbftOptions, defaultCometbftOptions } from "../engine/cometbft/options.js";
import { defaultSoloEngineOptions, type SoloEngineOptions } from "../engine/solo.js";
import { CommonErrors, ConsortiaError } from "../errors.js";
import { type ChainStoreOptions, defaultChainStoreOptions } from "../storage/chainStore.js";

/**
 * One node's configuration: per-module options with defaults, merged. The CLI only maps flags
 * onto this; config.json in the node home holds what the operator changed.
 */
export interface ApiOptions {
  readonly host: string;
  /** 0 = pick a free port (printed at start). */
  readonly port: number;
  /** Largest request body accepted (bytes). */
  readonly bodyLimit: number;
  /** How long `?wait=commit` waits for a transaction to commit. */
  readonly commitTimeoutMs: number;
}

export const defaultApiOptions: ApiOptions = {
  host: "127.0.0.1",
  port: 26_680,
  bodyLimit: 1024 * 1024,
  commitTimeoutMs: 30_000,
};

export interface NodeOptions {
  readonly moniker: string;
  readonly engine: "solo" | "cometbft";
  /** Hex public key of this node's validator key (solo: the single validator). */
  readonly validatorPublicKey: string;
  readonly api: ApiOptions;
  readonly storage: ChainStoreOptions;
  readonly solo: SoloEngineOptions;
  /** The CometBFT process (engine "cometbft"); its home is <node home>/cometbft. */
  readonly cometbft: CometbftOptions;
  /** Signature-verification worker threads; 0 = verify inline only. */
  readonly verifyThreads: number;
}

const zPort = z.number().int().min(1).max(65_535);
const zMs = z.number().int().min(1).max(600_000);
/** id@host:port with a 40-hex node id. */
const zPeer = z
  .string()
  .regex(/^[0-9a-f]{40}@[A-Za-z0-9.:[\]-]+:[0-9]{1,5}$/, "must be <40-hex node id>@host:port");

const cometbftFileSchema = z
  .object({
    rpcPort: zPort.optional(),
    rpcMaxBatch: z.number().int().min(1).max(10_000).optional(),
    rpcMaxBodyBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .max(1024 * 1024 * 1024)
      .optional(),
    p2pHost: z.string().min(1).optional(),
    p2pPort: zPort.optional(),
    externalAddress: z.string().optional(),
    abciAddress: z
      .string()
      .regex(/^(tcp:\/\/[^/]+:[0-9]{1,5}|unix:\/\/\/.+)$/, "must be tcp://host:port or unix:///path")
      .optional(),
    persistentPeers: z.array(zPeer).max(1000).optional(),
    pex: z.boolean().optional(),
    addrBookStrict: z.boolean().optional(),
    allowDuplicateIp: z.boolean().optional(),
    timeouts: z
      .object({
        proposeMs: zMs.optional(),
        proposeDeltaMs: zMs.optional(),
        prevoteMs: zMs.optional(),
        prevoteDeltaMs: zMs.optional(),
        precommitMs: zMs.optional(),
        precommitDeltaMs: zMs.optional(),
        // 0 is allowed: commit as soon as 2/3 precommits are in.
        commitMs: z.number().int().min(0).max(600_000).optional(),
      })
      .strict()
      .optional(),
    gossipSleepMs: z.number().int().min(1).max(10_000).optional(),
    flushThrottleMs: z.number().int().min(1).max(10_000).optional(),
    skipTimeoutCommit: z.boolean().optional(),
    goMaxProcs: z.number().int().min(0).max(1024).optional(),
    createEmptyBlocks: z.boolean().optional(),
    createEmptyBlocksIntervalMs: z.number().int().min(0).max(86_400_000).optional(),
    mempool: z
      .object({
        size: z.number().int().min(1).max(10_000_000).optional(),
        cacheSize: z.number().int().min(0).max(10_000_000).optional(),
        maxTxsBytes: z.number().int().min(1024).optional(),
        maxTxBytes: z
          .number()
          .int()
          .min(256)
          .max(64 * 1024 * 1024)
          .optional(),
        recheck: z.boolean().optional(),
      })
      .strict()
      .optional(),
    txIndex: z.enum(["kv", "null"]).optional(),
    logLevel: z
      .string()
      .regex(/^[a-z*:,_-]+$/, "must be a CometBFT log level like info or consensus:info,*:error")
      .optional(),
    startTimeoutMs: zMs.optional(),
    stopTimeoutMs: zMs.optional(),
    binary: z.string().optional(),
  })
  .strict();

const configFileSchema = z
  .object({
    moniker: z.string().min(1).max(64).optional(),
    engine: z.enum(["solo", "cometbft"]).optional(),
    validatorPublicKey: z.string().regex(/^[0-9a-f]{64}$/),
    api: z
      .object({
        host: z.string().optional(),
        port: z.number().int().min(0).max(65_535).optional(),
        bodyLimit: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .optional(),
        commitTimeoutMs: z.number().int().min(100).max(600_000).optional(),
      })
      .strict()
      .optional(),
    storage: z
      .object({ cacheEntries: z.number().int().min(0).optional() })
      .strict()
      .optional(),
    solo: z
      .object({
        blockIntervalMs: z.number().int().min(1).max(600_000).optional(),
        maxBlockTxs: z.number().int().min(1).max(1_000_000).optional(),
        maxBlockBytes: z.number().int().min(1024).optional(),
        createEmptyBlocks: z.boolean().optional(),
      })
      .strict()
      .optional(),
    cometbft: cometbftFileSchema.optional(),
    verifyThreads: z.number().int().min(0).max(64).optional(),
  })
  .strict();

export type NodeConfigFile = z.input<typeof configFileSchema>;

export function defaultNodeOptions(validatorPublicKey: string): NodeOptions {
  return {
    moniker: "node",
    engine: "solo",
    validatorPublicKey,
    api: defaultApiOptions,
    storage: defaultChainStoreOptions,
    solo: defaultSoloEngineOptions,
    cometbft: defaultCometbftOptions,
    verifyThreads: 2,
  };
}

/** Reads and validates <home>/config.json and merges it over the defaults. */
export function loadNodeOptions(
  home: string,
  overrides: { apiPort?: number; engine?: NodeOptions["engine"] } = {},
): NodeOptions {
  const path = join(home, "config.json");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConsortiaError(CommonErrors.INVALID_CONFIG, `cannot read ${path}: ${(err as Error).message}`, {
      path,
    });
  }
  const r = configFileSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConsortiaError(CommonErrors.INVALID_CONFIG, `${path}: ${i?.path.join(".")}: ${i?.message}`, {
      path,
    });
  }
  const f = r.data;
  const d = defaultNodeOptions(f.validatorPublicKey);
  return {
    moniker: f.moniker ?? d.moniker,
    engine: overrides.engine ?? f.engine ?? d.engine,
    validatorPublicKey: f.validatorPublicKey,
    api: {
      ...d.api,
      ...stripUndefined(f.api ?? {}),
      ...(overrides.apiPort !== undefined ? { port: overrides.apiPort } : {}),
    },
    storage: { ...d.storage, ...stripUndefined(f.storage ?? {}) },
    solo: { ...d.solo, ...stripUndefined(f.solo ?? {}) },
    cometbft: mergeCometbft(d.cometbft, f.cometbft ?? {}),
    verifyThreads: f.verifyThreads ?? d.verifyThreads,
  };
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]-?: Exclude<T[K], undefined>;
  };
}

function mergeCometbft(d: CometbftOptions, f: z.output<typeof cometbftFileSchema>): CometbftOptions {
  const { timeouts, mempool, ...flat } = f;
  return {
    ...d,
    ...stripUndefined(flat),
    timeouts: { ...d.timeouts, ...stripUndefined(timeouts ?? {}) },
    mempool: { ...d.mempool, ...stripUndefined(mempool ?? {}) },
  };
}
