import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommonErrors, ConsortiaError } from "../errors.js";
import { startDevnet } from "./devnet.js";
import { type EhrScenarioReport, runEhrScenario } from "./ehrScenario.js";
import type { NetworkMaterial } from "./network.js";
import { type NetworkPreset, PRESETS } from "./presets.js";
import { runScenario, type ScenarioReport } from "./scenario.js";

export interface DemoOptions {
  /** Where the network lives; a fresh temporary directory when absent. */
  readonly home?: string;
  readonly preset: NetworkPreset["name"];
  /** First port of the devnet's block (4 per validator); 0 = any free block. */
  readonly basePort: number;
  /** Validators, each a CometBFT process plus our application (default 4). */
  readonly validators?: number;
  readonly log: (line: string) => void;
}

export interface Demo {
  readonly out: string;
  readonly material: NetworkMaterial;
  readonly nodes: readonly { readonly apiUrl: string }[];
  readonly report: ScenarioReport;
  /** The health-record walk-through (healthchain preset only). */
  readonly ehr: EhrScenarioReport | undefined;
  stop(): Promise<void>;
}

/**
 * `npm start`: a fresh consortium of validators on this machine (CometBFT + our application per
 * validator, `consortia devnet`), the walk-through scenario against their public APIs, and the
 * network left running.
 */
export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const out = opts.home ?? mkdtempSync(join(tmpdir(), "consortia-demo-"));
  opts.log(`network directory: ${out}`);
  const validators = opts.validators ?? 4;
  opts.log(`starting ${validators} validators (CometBFT + Consortia application each)...`);
  const devnet = await startDevnet({
    validators,
    preset: PRESETS[opts.preset],
    basePort: opts.basePort,
    nowMs: Date.now(),
    dir: out,
    log: opts.log,
  });
  try {
    const material = devnet.material;
    if (!material) {
      throw new ConsortiaError(
        CommonErrors.INVALID_ARGUMENT,
        `${out} already holds a network; the demo needs a fresh directory (its CA key is only in memory)`,
      );
    }
    opts.log(`consortium ${devnet.chainId} is up: ${devnet.nodes.map((n) => n.apiUrl).join(" ")}`);
    const report = await runScenario(
      material,
      devnet.nodes.map((n) => n.apiUrl),
      opts.log,
    );
    const ehr =
      opts.preset === "healthchain"
        ? await runEhrScenario(
            material,
            devnet.nodes.map((n) => n.apiUrl),
            opts.log,
          )
        : undefined;
    return { out, material, nodes: devnet.nodes, report, ehr, stop: () => devnet.stop() };
  } catch (err) {
    await devnet.stop().catch(() => undefined);
    throw err;
  }
}
