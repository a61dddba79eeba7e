import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Application } from "../../src/app/application.js";
import { type KeyPair, keyPairFromSeed } from "../../src/crypto/ed25519.js";
import { sha256 } from "../../src/crypto/hash.js";
import { parseGenesis } from "../../src/engine/genesis.js";
import { createSoloEngine, type SoloEngine, type SoloEngineOptions } from "../../src/engine/solo.js";
import type { Role } from "../../src/modules/identity/certificate.js";
import { defaultModules } from "../../src/node/modules.js";
import { createNetworkMaterial, issueCertificate, type NetworkMaterial } from "../../src/node/network.js";
import { PRESETS } from "../../src/node/presets.js";
import { ChainStore } from "../../src/storage/chainStore.js";
import { ManualClock, systemTimers } from "../../src/util/clock.js";

export const GENESIS_MS = 1_790_000_000_000;

/** Deterministic "random" bytes from a seed: tests must replay exactly. */
export function seededBytes(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const block = sha256(Buffer.from(`${seed}/${counter++}`));
      out.set(block.subarray(0, Math.min(32, n - off)), off);
      off += 32;
    }
    return out;
  };
}

export function testKey(label: string): KeyPair {
  return keyPairFromSeed(sha256(Buffer.from(`key/${label}`)));
}

export interface TestChain {
  readonly dir: string;
  readonly material: NetworkMaterial;
  readonly clock: ManualClock;
  store: ChainStore;
  app: Application;
  engine: SoloEngine;
  reopen(): Promise<void>;
  close(): Promise<void>;
  certFor(key: KeyPair, role: Role, serial: bigint): ReturnType<typeof issueCertificate>;
}

export async function openTestChain(
  opts: { seed?: string; appParams?: Record<string, unknown>; engine?: Partial<SoloEngineOptions> } = {},
): Promise<TestChain> {
  const dir = mkdtempSync(join(tmpdir(), "consortia-test-"));
  const material = createNetworkMaterial({
    validators: 1,
    preset: PRESETS.healthchain,
    genesisTimeMs: GENESIS_MS,
    randomBytes: seededBytes(opts.seed ?? "chain"),
    ...(opts.appParams ? { appParams: opts.appParams } : {}),
  });
  const genesis = parseGenesis(material.genesisJson);
  const clock = new ManualClock(GENESIS_MS + 1000);
  const build = async () => {
    const store = await ChainStore.open(join(dir, "data"));
    const app = new Application({ store, ...defaultModules() }, { chainId: material.chainId });
    const engine = createSoloEngine(
      {
        app,
        store,
        clock,
        timers: systemTimers,
        genesis,
        validatorPublicKey: material.validators[0]!.keys.publicKey,
      },
      // Tests step blocks by hand: the timer never fires during a test.
      { blockIntervalMs: 3_600_000, ...opts.engine },
    );
    await engine.start();
    return { store, app, engine };
  };
  const parts = await build();
  const chain: TestChain = {
    dir,
    material,
    clock,
    ...parts,
    async reopen() {
      await chain.engine.stop();
      await chain.store.close();
      Object.assign(chain, await build());
    },
    async close() {
      await chain.engine.stop();
      await chain.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
    certFor(key, role, serial) {
      return issueCertificate(material.ca.secretKey, {
        chainId: material.chainId,
        serial,
        subjectPublicKey: key.publicKey,
        subject: sha256(key.publicKey),
        role,
        notBeforeMs: BigInt(GENESIS_MS),
        notAfterMs: BigInt(GENESIS_MS) + 86_400_000n * 365n,
      });
    },
  };
  return chain;
}
