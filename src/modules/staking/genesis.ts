import { z } from "zod";
import type { KvStore } from "../../app/state.js";
import type { BlockInfo } from "../../app/types.js";
import { zAddress, zAmount, zHexBytes } from "../../app/zod.js";
import { addressFromPublicKey } from "../../crypto/address.js";
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { asConsortiaError, ConsortiaError } from "../../errors.js";
import { SUPPLY_KEY } from "../coin/state.js";
import { requireActiveIdentity } from "../identity/state.js";
import { createValidator } from "./bonds.js";
import { elect } from "./election.js";
import { loadCandidates, VALIDATOR_ROLES } from "./epoch.js";
import { StakingErrors } from "./errors.js";
import { paramsFromGenesis, stakingParamsSchema } from "./params.js";
import { MAX_MONIKER_BYTES, setActiveSet, setParams } from "./state.js";

const validatorSchema = z.strictObject({
  operator: zAddress,
  consensusPubKey: zHexBytes(32),
  selfBond: zAmount,
  moniker: z
    .string()
    .min(1)
    .refine(
      (s) => Buffer.byteLength(s, "utf8") <= MAX_MONIKER_BYTES,
      `must be at most ${MAX_MONIKER_BYTES} UTF-8 bytes`,
    ),
});

/**
 * Genesis `app_state.staking`. Absent or `{}` = default params and no bonded validators: staking
 * then leaves CometBFT's genesis validator set alone (see docs/staking.md).
 */
export const stakingGenesisSchema = z.strictObject({
  params: stakingParamsSchema.prefault({}),
  validators: z.array(validatorSchema).default([]),
});

export type StakingGenesis = z.output<typeof stakingGenesisSchema>;
export type StakingGenesisInput = z.input<typeof stakingGenesisSchema>;

export interface GenesisValidatorPower {
  readonly pubKey: Uint8Array;
  readonly address: Uint8Array;
  readonly power: bigint;
}

function invalid(message: string): never {
  throw new ConsortiaError(StakingErrors.STAKING_GENESIS_INVALID, message);
}

function parseSection(section: unknown): StakingGenesis {
  const r = stakingGenesisSchema.safeParse(section ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    invalid(`genesis staking.${(issue?.path ?? []).map(String).join(".")}: ${issue?.message ?? "invalid"}`);
  }
  return r.data;
}

/**
 * The CometBFT genesis validator set a staking section implies (top M by self-bond, power =
 * floor(selfBond / powerReduction)), sorted by address. Genesis writers put exactly these
 * (pubKey, power) pairs in genesis.json `validators`; InitChain keeps genesis.json's set, so the
 * two must agree or the first validator update would diff against a set CometBFT does not have.
 * Takes the section as JSON (what goes into app_state.staking).
 */
export function genesisValidatorPowers(section: unknown): GenesisValidatorPower[] {
  const g = parseSection(section);
  const p = paramsFromGenesis(g.params);
  const active = elect(
    g.validators.map((v) => ({
      address: addressFromPublicKey(v.consensusPubKey),
      pubKey: v.consensusPubKey,
      selfBond: v.selfBond,
      stake: v.selfBond,
      jailed: false,
      operatorActive: true,
    })),
    p,
  );
  return active.map((a) => ({ pubKey: a.pubKey, address: a.address, power: a.power }));
}

/**
 * Checks a genesis.json validator list against the staking section: same keys, same powers.
 * For genesis writers and node start-up; a section without validators accepts any list.
 */
export function assertGenesisValidatorsMatch(
  section: unknown,
  validators: readonly { readonly pubKey: Uint8Array; readonly power: bigint }[],
): void {
  const want = genesisValidatorPowers(section);
  if (want.length === 0) return;
  const fail = (why: string): never =>
    invalid(`genesis.json validators do not match staking genesis: ${why}`);
  if (want.length !== validators.length) fail(`${validators.length} listed, staking elects ${want.length}`);
  for (const w of want) {
    const got = validators.find((v) => bytesEqual(v.pubKey, w.pubKey));
    if (!got) fail(`validator ${toHex(w.address)} is missing`);
    else if (got.power !== w.power)
      fail(`validator ${toHex(w.address)} has power ${got.power}, expected ${w.power}`);
  }
}

/**
 * Genesis: params, then each validator's self-bond taken from its operator's coin balance.
 * Order requirement: identity and coin must run their initGenesis first (operators need an active
 * identity with a validator role and funds); src/node/modules.ts lists identity, coin, staking.
 */
export function initStakingGenesis(state: KvStore, g: StakingGenesis, block: BlockInfo): void {
  const p = paramsFromGenesis(g.params);
  setParams(state, p);
  if (g.validators.length === 0) return;
  if (state.get(SUPPLY_KEY) === undefined) {
    invalid("staking genesis bonds validators, so the coin module must initialise before staking");
  }
  g.validators.forEach((v, i) => {
    try {
      requireActiveIdentity(state, v.operator, block.timeMs, VALIDATOR_ROLES);
      createValidator(state, p, block.height, v);
    } catch (err) {
      const e = asConsortiaError(err);
      invalid(`genesis staking.validators.${i}: ${e.code}: ${e.message}`);
    }
  });
  const active = elect(loadCandidates(state, block.timeMs), p);
  if (active.length === 0) {
    invalid("genesis staking.validators: no validator reaches voting power 1 (selfBond < powerReduction?)");
  }
  setActiveSet(state, active);
}
