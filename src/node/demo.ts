import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCRYPT_DEFAULT } from "../crypto/keystore.js";
import { writeNetworkHomes } from "./home.js";
import { createNetworkMaterial, type NetworkMaterial } from "./network.js";
import { type NetworkPreset, PRESETS } from "./presets.js";
import { type RunningNode, runNode } from "./run.js";
import { runScenario, type ScenarioReport } from "./scenario.js";

export interface DemoOptions {
  /** Where the network lives; a fresh temporary directory when absent. */
  readonly home?: string;
  readonly preset: NetworkPreset["name"];
  readonly apiPort: number;
  readonly log: (line: string) => void;
}

export interface Demo {
  readonly out: string;
  readonly material: NetworkMaterial;
  readonly nodes: readonly RunningNode[];
  readonly report: ScenarioReport;
  stop(): Promise<void>;
}

/** `npm start`: a fresh local network, the scenario, and the network left running. */
export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const out = opts.home ?? mkdtempSync(join(tmpdir(), "consortia-demo-"));
  opts.log(`network directory: ${out}`);
  const material = createNetworkMaterial({
    validators: 1,
    preset: PRESETS[opts.preset],
    genesisTimeMs: Date.now(),
  });
  // A throwaway local network: its key password is random and kept beside it (mode 0600).
  const password = randomBytes(18).toString("base64url");
  writeFileSync(join(out, "password.txt"), `${password}\n`, { mode: 0o600 });
  opts.log("writing genesis, node configuration and encrypted keys...");
  const homes = await writeNetworkHomes(material, {
    out,
    password,
    scrypt: SCRYPT_DEFAULT,
    basePort: opts.apiPort,
    createdAt: new Date().toISOString(),
  });
  opts.log(`starting ${homes.length} validator(s) of ${material.chainId}...`);
  const nodes: RunningNode[] = [];
  try {
    for (const h of homes) nodes.push(await runNode(h));
    const report = await runScenario(
      material,
      nodes.map((n) => n.apiUrl),
      opts.log,
    );
    return {
      out,
      material,
      nodes,
      report,
      async stop() {
        for (const n of [...nodes].reverse()) await n.stop();
      },
    };
  } catch (err) {
    for (const n of [...nodes].reverse()) await n.stop().catch(() => undefined);
    throw err;
  }
}
