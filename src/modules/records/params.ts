import { z } from "zod";
import type { KvReader, KvStore } from "../../app/state.js";
import { decode, encode, struct, u64, uint } from "../../codec/schema.js";

/** The envelope of one record is fetched whole by the serving node (offchain `cat` default). */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_RECORDS_PER_PATIENT = 100_000;

/**
 * Genesis `app_state.records`. Absent or `{}` gives the defaults, so genesis files written before
 * this module existed keep working. Unknown keys are refused: a misspelt limit must not be ignored.
 */
export const recordsGenesisSchema = z.strictObject({
  /** Largest envelope a record may describe, in bytes. */
  maxRecordBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_RECORD_BYTES),
  /** Records one patient may accumulate (bounds the per-patient index). */
  maxRecordsPerPatient: z.number().int().min(1).max(10_000_000).default(DEFAULT_MAX_RECORDS_PER_PATIENT),
});

export type RecordsGenesis = z.output<typeof recordsGenesisSchema>;
export type RecordsGenesisInput = z.input<typeof recordsGenesisSchema>;

export interface RecordsParams {
  readonly maxRecordBytes: bigint;
  readonly maxRecordsPerPatient: number;
}

export const RECORDS_PARAMS_KEY = "records/params";

const paramsCodec = struct({ maxRecordBytes: u64, maxRecordsPerPatient: uint() });

export function recordsParamsFromGenesis(g: RecordsGenesis): RecordsParams {
  return { maxRecordBytes: BigInt(g.maxRecordBytes), maxRecordsPerPatient: g.maxRecordsPerPatient };
}

export const DEFAULT_RECORDS_PARAMS: RecordsParams = recordsParamsFromGenesis(recordsGenesisSchema.parse({}));

/** Stored params, or the defaults on a chain initialised before this module existed. */
export function getRecordsParams(state: KvReader): RecordsParams {
  const v = state.get(RECORDS_PARAMS_KEY);
  return v === undefined ? DEFAULT_RECORDS_PARAMS : decode(paramsCodec, v);
}

export function setRecordsParams(state: KvStore, p: RecordsParams): void {
  state.set(RECORDS_PARAMS_KEY, encode(paramsCodec, { ...p }));
}
