import { z } from "zod";
import type { KvReader, KvStore } from "../../app/state.js";
import { decode, encode, struct, u64, uint } from "../../codec/schema.js";

/**
 * Genesis `app_state.access`. Absent or `{}` gives the defaults, so genesis files written before
 * this module existed keep working. Unknown keys are refused.
 */
export const accessGenesisSchema = z.strictObject({
  /** Live (unrevoked, unexpired) consents one patient may hold; bounds each evaluation's scan. */
  maxConsentsPerPatient: z.number().int().min(1).max(4096).default(256),
  /** A retrieval request is accepted while |block time − request time| ≤ this. */
  requestWindowMs: z.number().int().min(1000).max(86_400_000).default(300_000),
  /** Penalties after which a requester is suspended (edge-cloud Penalty(PK, action)). */
  maxPenalties: z.number().int().min(1).max(1_000_000).default(3),
});

export type AccessGenesis = z.output<typeof accessGenesisSchema>;
export type AccessGenesisInput = z.input<typeof accessGenesisSchema>;

export interface AccessParams {
  readonly maxConsentsPerPatient: number;
  readonly requestWindowMs: bigint;
  readonly maxPenalties: number;
}

export const ACCESS_PARAMS_KEY = "access/params";

const paramsCodec = struct({ maxConsentsPerPatient: uint(4096), requestWindowMs: u64, maxPenalties: uint() });

export function accessParamsFromGenesis(g: AccessGenesis): AccessParams {
  return { ...g, requestWindowMs: BigInt(g.requestWindowMs) };
}

export const DEFAULT_ACCESS_PARAMS: AccessParams = accessParamsFromGenesis(accessGenesisSchema.parse({}));

/** Stored params, or the defaults on a chain initialised before this module existed. */
export function getAccessParams(state: KvReader): AccessParams {
  const v = state.get(ACCESS_PARAMS_KEY);
  return v === undefined ? DEFAULT_ACCESS_PARAMS : decode(paramsCodec, v);
}

export function setAccessParams(state: KvStore, p: AccessParams): void {
  state.set(ACCESS_PARAMS_KEY, encode(paramsCodec, { ...p }));
}
