import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toHex } from "../crypto/hash.js";
import type { ScryptParams } from "../crypto/keystore.js";
import { writeKeystoreFile } from "../crypto/keystoreFile.js";
import type { NodeConfigFile } from "./config.js";
import type { NetworkMaterial } from "./network.js";

/**
 * Layout of a consortium directory written by `consortia init`:
 *
 *   <out>/genesis.json                    shared genesis (CometBFT format)
 *   <out>/ca/ca.keystore.json             consortium CA key (encrypted) — keep offline in production
 *   <out>/<node-name>/config.json         node options (src/node/config.ts)
 *   <out>/<node-name>/genesis.json        copy of the genesis
 *   <out>/<node-name>/keys/validator.keystore.json   the institution's key (encrypted)
 *   <out>/<node-name>/data/               LevelDB (created at first start)
 */
export interface WriteHomesOptions {
  readonly out: string;
  readonly password: string;
  readonly scrypt?: ScryptParams;
  /** First API port; node i listens on basePort + i. */
  readonly basePort: number;
  readonly createdAt: string;
}

export async function writeNetworkHomes(
  material: NetworkMaterial,
  opts: WriteHomesOptions,
): Promise<string[]> {
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, "genesis.json"), material.genesisJson);
  mkdirSync(join(opts.out, "ca"), { recursive: true });
  const ksOpts = { createdAt: opts.createdAt, ...(opts.scrypt ? { scrypt: opts.scrypt } : {}) };
  await writeKeystoreFile(join(opts.out, "ca", "ca.keystore.json"), material.ca.secretKey, opts.password, {
    ...ksOpts,
    name: "consortium-ca",
  });
  const homes: string[] = [];
  for (let i = 0; i < material.validators.length; i++) {
    const v = material.validators[i]!;
    const home = join(opts.out, v.name);
    mkdirSync(join(home, "keys"), { recursive: true });
    writeFileSync(join(home, "genesis.json"), material.genesisJson);
    const config: NodeConfigFile = {
      moniker: v.name,
      engine: "solo",
      validatorPublicKey: toHex(v.keys.publicKey),
      api: { host: "127.0.0.1", port: opts.basePort + i },
    };
    writeFileSync(join(home, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    await writeKeystoreFile(join(home, "keys", "validator.keystore.json"), v.keys.secretKey, opts.password, {
      ...ksOpts,
      name: v.name,
    });
    homes.push(home);
  }
  return homes;
}
