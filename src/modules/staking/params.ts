import { z } from "zod";
import { zAmount } from "../../app/zod.js";
import { amount, bool, struct, u64, uint } from "../../codec/schema.js";

/**
 * CometBFT's `MaxTotalVotingPower` = MaxInt64 / 8 = 2^60 − 1 (types/validator_set.go). A validator
 * set whose total power exceeds it makes CometBFT refuse the update and halt; we never return one.
 */
export const MAX_TOTAL_VOTING_POWER = (1n << 63n) / 8n - 1n;

/** Largest active set we allow; far below CometBFT's MaxVotesCount (10 000). */
export const MAX_VALIDATORS_LIMIT = 200;

/** Basis-point denominator of slashing fractions. */
export const BP_DENOMINATOR = 10_000n;

/** Unbonding entries one delegator may have open towards one validator (as in Cosmos SDK). */
export const MAX_ENTRIES_PER_PAIR = 7;

const blocks = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Genesis `staking.params`. Unknown keys are refused: a misspelt parameter must not be ignored. */
export const stakingParamsSchema = z.strictObject({
  /** Blocks per epoch; the validator set is re-elected at heights divisible by this. */
  epochLength: blocks.min(1).default(100),
  /** M: size of the elected committee (the papers' consensus committee; 51 EAGs in the energy paper). */
  maxValidators: z.number().int().min(1).max(MAX_VALIDATORS_LIMIT).default(100),
  /** Base units an operator must keep bonded itself to stand for election. */
  minSelfBond: zAmount.default(1n),
  /** Base units of stake per unit of CometBFT voting power. */
  powerReduction: zAmount.refine((v) => v >= 1n, "must be >= 1").default(1_000_000n),
  /** Share of every bond to the validator burned on duplicate-vote evidence, in basis points. */
  slashFractionDoubleSignBp: z.number().int().min(0).max(10_000).default(500),
  /**
   * Blocks between an undelegation and the return of its funds. Keep it ≥ the consensus param
   * evidence.max_age_num_blocks (100 000 in our genesis), or stake can leave before its evidence lands.
   */
  unbondingBlocks: blocks.default(100_000),
  jailOnDoubleSign: z.boolean().default(true),
  /** Blocks a jailed validator must wait before `staking/unjail` is accepted. */
  jailBlocks: blocks.default(1000),
  /** Bounds on per-epoch and per-slash work (state has no range scans, so indexes are lists). */
  maxCandidates: z.number().int().min(1).max(10_000).default(1000),
  maxDelegatorsPerValidator: z.number().int().min(1).max(100_000).default(1000),
  maxUnbondingEntries: z.number().int().min(1).max(100_000).default(1000),
});

export type StakingParamsInput = z.input<typeof stakingParamsSchema>;

export interface StakingParams {
  readonly epochLength: bigint;
  readonly maxValidators: number;
  readonly minSelfBond: bigint;
  readonly powerReduction: bigint;
  readonly slashFractionDoubleSignBp: number;
  readonly unbondingBlocks: bigint;
  readonly jailOnDoubleSign: boolean;
  readonly jailBlocks: bigint;
  readonly maxCandidates: number;
  readonly maxDelegatorsPerValidator: number;
  readonly maxUnbondingEntries: number;
}

export function paramsFromGenesis(p: z.output<typeof stakingParamsSchema>): StakingParams {
  return {
    ...p,
    epochLength: BigInt(p.epochLength),
    unbondingBlocks: BigInt(p.unbondingBlocks),
    jailBlocks: BigInt(p.jailBlocks),
  };
}

export const paramsCodec = struct({
  epochLength: u64,
  maxValidators: uint(MAX_VALIDATORS_LIMIT),
  minSelfBond: amount,
  powerReduction: amount,
  slashFractionDoubleSignBp: uint(10_000),
  unbondingBlocks: u64,
  jailOnDoubleSign: bool,
  jailBlocks: u64,
  maxCandidates: uint(),
  maxDelegatorsPerValidator: uint(),
  maxUnbondingEntries: uint(),
});

/**
 * Voting power of a stake: floor(stake / powerReduction), capped at floor(MAX_TOTAL / M) so that
 * any M validators together stay within CometBFT's total limit whatever the stakes are.
 */
export function powerOf(stake: bigint, p: Pick<StakingParams, "powerReduction" | "maxValidators">): bigint {
  const raw = stake / p.powerReduction;
  const cap = MAX_TOTAL_VOTING_POWER / BigInt(p.maxValidators);
  return raw < cap ? raw : cap;
}
