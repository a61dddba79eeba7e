/** Every experiment `consortia simulate` can run, in report order. */
import type { Experiment } from "../types.js";
import { healthchainExperiment } from "./healthchain.js";
import { loansExperiment } from "./loans.js";
import { offloadingExperiment } from "./offloading.js";
import { spdsExperiment } from "./spds.js";

export const EXPERIMENTS: readonly Experiment[] = [
  healthchainExperiment,
  loansExperiment,
  spdsExperiment,
  offloadingExperiment,
];
