import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { keyPairFromSeed } from "../../../src/crypto/ed25519.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { writeCometHome } from "../../../src/engine/cometbft/files.js";
import { type CometbftOptions, defaultCometbftOptions } from "../../../src/engine/cometbft/options.js";
import { formatGenesis } from "../../../src/engine/genesis.js";
import { freePortBlock } from "../../../src/node/devnet.js";

export const seedKey = (label: string) => keyPairFromSeed(sha256(Buffer.from(`cometbft-test/${label}`)));

/**
 * A one-validator CometBFT home that runs CometBFT's built-in kvstore app (proxy_app = "kvstore"),
 * so process supervision and the RPC client are tested without our ABCI server.
 */
export async function kvstoreHome(label: string, over: Partial<CometbftOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), `consortia-${label}-`));
  const validator = seedKey(`${label}/validator`);
  const node = seedKey(`${label}/node`);
  const base = await freePortBlock(2);
  const options: CometbftOptions = {
    ...defaultCometbftOptions,
    rpcPort: base,
    p2pPort: base + 1,
    abciAddress: "kvstore",
    timeouts: { ...defaultCometbftOptions.timeouts, commitMs: 100 },
    startTimeoutMs: 20_000,
    stopTimeoutMs: 5000,
    ...over,
  };
  const genesisJson = formatGenesis({
    chainId: `kv-${label}`,
    genesisTimeMs: 1_700_000_000_000,
    validators: [
      {
        name: "v0",
        pubKey: validator.publicKey,
        address: addressFromPublicKey(validator.publicKey),
        power: 10n,
      },
    ],
    appState: {},
  });
  const home = join(dir, "cometbft");
  const nodeId = writeCometHome(home, {
    genesisJson,
    validatorSecretKey: validator.secretKey,
    nodeSecretKey: node.secretKey,
    config: { moniker: label, options },
  });
  return { dir, home, options, validator, node, nodeId, rpcUrl: `http://127.0.0.1:${options.rpcPort}` };
}
