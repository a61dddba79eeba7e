/**
 * `consortia init`: creates a new consortium's keys, genesis and node homes in one directory
 * (layout: src/node/home.ts). Refuses to mix a new network into an existing directory unless
 * forced, because two genesis files or two CA keys side by side are how networks get confused.
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RandomBytes } from "../crypto/ed25519.js";
import { toHex } from "../crypto/hash.js";
import type { ScryptParams } from "../crypto/keystore.js";
import { ConsortiaError, registerErrorCodes } from "../errors.js";
import { writeNetworkHomes } from "./home.js";
import { createNetworkMaterial } from "./network.js";
import type { NetworkPreset } from "./presets.js";

export const InitErrors = registerErrorCodes({
  /** The output directory holds files and force was not set. */
  INIT_OUT_NOT_EMPTY_PARAM: { num: 1240, http: 409 },
  /** validators, basePort or chainId out of range (details: {field}). */
  INIT_INVALID_PARAM: { num: 1241, http: 400 },
});

export const MAX_INIT_VALIDATORS = 200;
const CHAIN_ID_RE = /^[a-zA-Z0-9._-]{1,50}$/;

export interface InitNetworkOptions {
  readonly out: string;
  readonly validators: number;
  readonly preset: NetworkPreset;
  readonly chainId?: string;
  /** API port of the first node; node i gets basePort + i. */
  readonly basePort: number;
  /** Encrypts the CA key and every validator key. */
  readonly password: string;
  readonly scrypt?: ScryptParams;
  /** Replace a previous init's files in `out` instead of refusing. */
  readonly force: boolean;
  readonly nowMs: number;
  readonly randomBytes?: RandomBytes;
}

export interface InitNode {
  readonly name: string;
  readonly home: string;
  readonly address: string;
  readonly publicKey: string;
  readonly apiPort: number;
}

export interface InitNetworkResult {
  readonly chainId: string;
  readonly preset: NetworkPreset["name"];
  readonly out: string;
  readonly genesis: string;
  readonly caKeystore: string;
  readonly caPublicKey: string;
  readonly nodes: readonly InitNode[];
}

function invalid(field: string, condition: string): never {
  throw new ConsortiaError(InitErrors.INIT_INVALID_PARAM, `${field} ${condition}`, { field });
}

function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if (typeof err === "object" && err !== null && "code" in err && err.code === "ENOENT") return [];
    throw err;
  }
}

/**
 * What --force removes: the files a previous init wrote (genesis.json, ca/, and every
 * subdirectory holding a config.json, i.e. a node home). Anything else in the directory stays.
 */
function previousLayout(out: string): string[] {
  return entriesOf(out).filter((name) => {
    const p = join(out, name);
    if (name === "genesis.json" || name === "ca") return true;
    try {
      return statSync(p).isDirectory() && statSync(join(p, "config.json")).isFile();
    } catch {
      return false;
    }
  });
}

export async function initNetwork(opts: InitNetworkOptions): Promise<InitNetworkResult> {
  if (!Number.isInteger(opts.validators) || opts.validators < 1 || opts.validators > MAX_INIT_VALIDATORS) {
    invalid("validators", `must be an integer in 1..${MAX_INIT_VALIDATORS}`);
  }
  const lastPort = opts.basePort + opts.validators - 1;
  if (!Number.isInteger(opts.basePort) || opts.basePort < 1 || lastPort > 65_535) {
    invalid(
      "basePort",
      `must leave room for ${opts.validators} ports in 1..65535 (basePort + validators - 1 <= 65535)`,
    );
  }
  if (opts.chainId !== undefined && !CHAIN_ID_RE.test(opts.chainId)) {
    invalid("chainId", "must be 1-50 characters of [a-zA-Z0-9._-]");
  }
  const existing = entriesOf(opts.out);
  if (existing.length > 0) {
    if (!opts.force) {
      throw new ConsortiaError(
        InitErrors.INIT_OUT_NOT_EMPTY_PARAM,
        `output directory ${opts.out} is not empty (${existing.length} entries); choose another or pass --force`,
        { out: opts.out, entries: existing.length },
      );
    }
    for (const name of previousLayout(opts.out))
      rmSync(join(opts.out, name), { recursive: true, force: true });
  }
  const material = createNetworkMaterial({
    validators: opts.validators,
    preset: opts.preset,
    genesisTimeMs: opts.nowMs,
    ...(opts.chainId !== undefined ? { chainId: opts.chainId } : {}),
    ...(opts.randomBytes !== undefined ? { randomBytes: opts.randomBytes } : {}),
  });
  const homes = await writeNetworkHomes(material, {
    out: opts.out,
    password: opts.password,
    basePort: opts.basePort,
    createdAt: new Date(opts.nowMs).toISOString(),
    ...(opts.scrypt !== undefined ? { scrypt: opts.scrypt } : {}),
  });
  return {
    chainId: material.chainId,
    preset: opts.preset.name,
    out: opts.out,
    genesis: join(opts.out, "genesis.json"),
    caKeystore: join(opts.out, "ca", "ca.keystore.json"),
    caPublicKey: toHex(material.ca.publicKey),
    nodes: material.validators.map((v, i) => ({
      name: v.name,
      home: homes[i] ?? join(opts.out, v.name),
      address: toHex(v.address),
      publicKey: toHex(v.keys.publicKey),
      apiPort: opts.basePort + i,
    })),
  };
}
