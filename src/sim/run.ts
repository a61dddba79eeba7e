/**
 * Runs experiments by id and writes, per figure, <out>/<id>.csv, .json, .svg, .png, plus
 * <out>/report.md. Returns a JSON-able summary (the only place with timings, so files stay
 * byte-identical for a given seed).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConsortiaError } from "../errors.js";
import { EXPERIMENTS } from "./experiments/index.js";
import { createOffloadingExperiment } from "./experiments/offloading.js";
import { round12 } from "./format.js";
import { invalidParam, SimErrors } from "./params.js";
import { renderPng, renderSvg } from "./plot.js";
import { renderReport } from "./report.js";
import type { Experiment, ExperimentResult, Figure } from "./types.js";

export interface RunOptions {
  /** Experiment ids, or ["all"]. */
  readonly ids: readonly string[];
  readonly outDir: string;
  readonly seed: number;
  /** Skip PNG rendering (SVG only); default false. */
  readonly noPng?: boolean;
  /** Command line recorded in the report. */
  readonly command?: string;
  readonly progress?: (experimentId: string, done: number, total: number) => void;
  /**
   * AES-256-GCM rate (bytes/s) for the offloading encryption term. Absent: measured on this
   * machine once per run (so outputs vary with the machine); the rate used is in the summary, and
   * passing it back here reproduces a run byte for byte.
   */
  readonly aesBytesPerSecond?: number;
}

export interface RunSummary {
  readonly seed: number;
  readonly outDir: string;
  readonly report: string;
  readonly experiments: ReadonlyArray<{
    readonly id: string;
    readonly seconds: number;
    readonly figures: ReadonlyArray<{
      readonly id: string;
      readonly paperRef: string;
      readonly reproduced: boolean;
      readonly files: readonly string[];
    }>;
    readonly summary: ExperimentResult["summary"];
  }>;
  readonly seconds: number;
}

export function experimentIds(): string[] {
  return EXPERIMENTS.map((e) => e.id);
}

export function selectExperiments(ids: readonly string[], aesBytesPerSecond?: number): Experiment[] {
  const pinned =
    aesBytesPerSecond === undefined
      ? EXPERIMENTS
      : EXPERIMENTS.map((e) => (e.id === "offloading" ? createOffloadingExperiment(aesBytesPerSecond) : e));
  if (ids.length === 0 || ids.includes("all")) return [...pinned];
  const known = experimentIds();
  return ids.map((id) => {
    const e = pinned.find((x) => x.id === id);
    return e ?? invalidParam("experiment", `experiment is one of ${[...known, "all"].join(", ")}`, id);
  });
}

export function figureCsv(f: Figure): string {
  const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = ["series,x,y"];
  for (const s of f.series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) rows.push(`${q(s.name)},${num(s.x[i])},${num(s.y[i])}`);
  }
  return `${rows.join("\n")}\n`;
}

function num(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? "" : String(round12(v));
}

export function figureJson(f: Figure): string {
  const clean = {
    ...f,
    series: f.series.map((s) => ({
      name: s.name,
      x: s.x.map((v) => (Number.isFinite(v) ? round12(v) : null)),
      y: s.y.map((v) => (Number.isFinite(v) ? round12(v) : null)),
    })),
  };
  return `${JSON.stringify(clean, null, 2)}\n`;
}

async function write(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (err) {
    throw new ConsortiaError(SimErrors.SIM_WRITE_FAILED, `cannot write ${path}`, { path }, { cause: err });
  }
}

export async function runExperiments(opts: RunOptions): Promise<RunSummary> {
  if (!Number.isSafeInteger(opts.seed)) invalidParam("seed", "seed is a safe integer", opts.seed);
  const selected = selectExperiments(opts.ids, opts.aesBytesPerSecond);
  try {
    await mkdir(opts.outDir, { recursive: true });
  } catch (err) {
    throw new ConsortiaError(
      SimErrors.SIM_WRITE_FAILED,
      `cannot create ${opts.outDir}`,
      { path: opts.outDir },
      { cause: err },
    );
  }
  const t0 = performance.now();
  const runs: Array<{ experiment: Experiment; result: ExperimentResult }> = [];
  const perExp: Array<RunSummary["experiments"][number]> = [];
  for (const e of selected) {
    const t1 = performance.now();
    const progress = opts.progress;
    const result = e.run({
      seed: opts.seed,
      ...(progress ? { progress: (d: number, t: number) => progress(e.id, d, t) } : {}),
    });
    const figures: Array<RunSummary["experiments"][number]["figures"][number]> = [];
    for (const f of result.figures) {
      const base = join(opts.outDir, f.id);
      const svg = renderSvg(f);
      const files = [`${base}.csv`, `${base}.json`, `${base}.svg`];
      await write(`${base}.csv`, figureCsv(f));
      await write(`${base}.json`, figureJson(f));
      await write(`${base}.svg`, svg);
      if (opts.noPng !== true) {
        await write(`${base}.png`, renderPng(svg));
        files.push(`${base}.png`);
      }
      figures.push({ id: f.id, paperRef: f.paperRef, reproduced: f.difference === "", files });
    }
    runs.push({ experiment: e, result });
    perExp.push({ id: e.id, seconds: (performance.now() - t1) / 1000, figures, summary: result.summary });
  }
  const report = join(opts.outDir, "report.md");
  await write(
    report,
    renderReport({
      seed: opts.seed,
      command: opts.command ?? `consortia simulate ${opts.ids.join(" ")} --seed ${opts.seed}`,
      runs,
    }),
  );
  return {
    seed: opts.seed,
    outDir: opts.outDir,
    report,
    experiments: perExp,
    seconds: (performance.now() - t0) / 1000,
  };
}
