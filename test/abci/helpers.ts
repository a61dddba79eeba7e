import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Request } from "cosmjs-types/tendermint/abci/types";
import { Application } from "../../src/app/application.js";
import type { KeyPair } from "../../src/crypto/ed25519.js";
import { sha256 } from "../../src/crypto/hash.js";
import { type Genesis, parseGenesis } from "../../src/engine/genesis.js";
import { defaultModules } from "../../src/node/modules.js";
import { createNetworkMaterial, issueCertificate, type NetworkMaterial } from "../../src/node/network.js";
import { PRESETS } from "../../src/node/presets.js";
import { buildRegister } from "../../src/sdk/tx.js";
import { ChainStore } from "../../src/storage/chainStore.js";
import { seededBytes } from "../helpers/chain.js";

export interface AbciTestApp {
  readonly dir: string;
  readonly material: NetworkMaterial;
  readonly genesis: Genesis;
  store: ChainStore;
  app: Application;
  /** Closes the store and opens a fresh Application on it (a process restart). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export async function openAbciTestApp(seed: string, genesisTimeMs: number): Promise<AbciTestApp> {
  const dir = mkdtempSync(join(tmpdir(), "consortia-abci-"));
  const material = createNetworkMaterial({
    validators: 1,
    preset: PRESETS.healthchain,
    genesisTimeMs,
    randomBytes: seededBytes(seed),
  });
  const genesis = parseGenesis(material.genesisJson);
  const build = async () => {
    const store = await ChainStore.open(join(dir, "app-data"));
    return { store, app: new Application({ store, ...defaultModules() }, { chainId: material.chainId }) };
  };
  const t: AbciTestApp = {
    dir,
    material,
    genesis,
    ...(await build()),
    async reopen() {
      await t.store.close();
      Object.assign(t, await build());
    },
    async close() {
      await t.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export function msToTimestamp(ms: bigint): { seconds: bigint; nanos: number } {
  return { seconds: ms / 1000n, nanos: Number(ms % 1000n) * 1_000_000 };
}

/** The InitChain request CometBFT sends for this genesis. */
export function initChainRequest(t: AbciTestApp): Request {
  const g = t.genesis;
  return {
    initChain: {
      time: msToTimestamp(g.genesisTimeMs),
      chainId: g.chainId,
      validators: g.validators.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
      appStateBytes: g.appStateBytes,
      initialHeight: g.initialHeight,
    },
  };
}

/** A registration transaction for `key` (fee-exempt, signed by the key itself, CA-certified). */
export function registerTx(t: AbciTestApp, key: KeyPair, serial: bigint): Uint8Array {
  const cert = issueCertificate(t.material.ca.secretKey, {
    chainId: t.material.chainId,
    serial,
    subjectPublicKey: key.publicKey,
    subject: sha256(key.publicKey),
    role: "patient",
    notBeforeMs: t.genesis.genesisTimeMs,
    notAfterMs: t.genesis.genesisTimeMs + 365n * 86_400_000n,
  });
  return buildRegister(key.secretKey, { chainId: t.material.chainId, nonce: 0n, fee: 0n }, cert);
}
