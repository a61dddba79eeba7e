import { z } from "zod";
import { zAmount } from "./zod.js";

/** Application-wide limits and fee rules, from genesis `appState.app`. */
export const appParamsSchema = z.object({
  /** Largest transaction accepted by CheckTx (bytes). */
  maxTxBytes: z
    .number()
    .int()
    .min(256)
    .max(4 * 1024 * 1024)
    .default(64 * 1024),
  /** Largest sum of transaction bytes in one block. */
  maxBlockBytes: z
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(64 * 1024 * 1024),
  maxBlockTxs: z.number().int().min(1).max(1_000_000).default(100_000),
  /** Work units one transaction may use (each message type declares its base work). */
  maxWorkPerTx: z.number().int().min(1).max(1_000_000_000).default(1_000_000),
  /** Minimum fee = minFeeBase + minFeePerByte × tx size, in base units. Fees are burned. */
  minFeeBase: zAmount.default(0n),
  minFeePerByte: zAmount.default(0n),
});

export type AppParams = z.output<typeof appParamsSchema>;
