/**
 * Contract between `consortia simulate` and the experiments that reproduce the papers' figures.
 * An experiment is deterministic for a given seed and does no I/O: it returns data, and the
 * runner (src/sim/run.ts) writes CSV, JSON, SVG, PNG and the report.
 */

export interface Series {
  /** Legend label, e.g. "proposed", "AAS", "RAS". */
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
}

export interface Figure {
  /** File stem, unique across all experiments, e.g. "healthchain-fig5-price-vs-alpha". */
  readonly id: string;
  /** Which paper figure or table this reproduces, e.g. "Healthchain Fig. 5". */
  readonly paperRef: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly kind: "line" | "bar" | "scatter";
  readonly series: readonly Series[];
  /** What the paper states for this figure (quoted or paraphrased, with the numbers it gives). */
  readonly paperFinding: string;
  /** What our run shows, with the measured numbers; computed from the data, never hard-coded. */
  readonly ourFinding: string;
  /** Where and why ours differs from the paper; empty string when it does not. */
  readonly difference: string;
}

export interface ExperimentContext {
  readonly seed: number;
  /** Called with (done, total) during long work. */
  readonly progress?: (done: number, total: number) => void;
}

export interface ExperimentResult {
  readonly figures: readonly Figure[];
  /** Headline numbers for the report and `--json` output. */
  readonly summary: Readonly<Record<string, number | string>>;
  /** Assumptions the run made that the paper did not fix (e.g. the credit-grade distribution). */
  readonly assumptions: readonly string[];
}

export interface Experiment {
  /** "healthchain" | "loans" | "spds" | "offloading" */
  readonly id: string;
  readonly title: string;
  readonly paper: string;
  run(ctx: ExperimentContext): ExperimentResult;
}
