import type { Misbehavior } from "../../../src/app/abci.js";
import { MemoryKv, StateOverlay } from "../../../src/app/state.js";
import type { BlockInfo, TxContext, ValidatorUpdate } from "../../../src/app/types.js";
import { addressFromPublicKey } from "../../../src/crypto/address.js";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import { asConsortiaError } from "../../../src/errors.js";
import { createCoinModule } from "../../../src/modules/coin/module.js";
import { BALANCE_PREFIX, circulatingSupply, getBalance, getSupply } from "../../../src/modules/coin/state.js";
import type { Role } from "../../../src/modules/identity/certificate.js";
import { encodeIdentity, identityKey, requireActiveIdentity } from "../../../src/modules/identity/state.js";
import { type StakingGenesisInput, stakingGenesisSchema } from "../../../src/modules/staking/genesis.js";
import { stakingModule } from "../../../src/modules/staking/module.js";
import { MAX_TOTAL_VOTING_POWER } from "../../../src/modules/staking/params.js";
import {
  getActiveSet,
  getAddressList,
  getDelegation,
  getUnbonding,
  getValidator,
  operatorOf,
  STAKING_POOL_ADDRESS,
  VALIDATOR_LIST_KEY,
} from "../../../src/modules/staking/state.js";

export const T0 = 1_790_000_000_000n;
export const CHAIN = "staking-test-1";

/** A deterministic 20-byte account address and 32-byte consensus key per label. */
export function addr(label: string): Uint8Array {
  return sha256(Buffer.from(`addr/${label}`)).slice(0, 20);
}
export function consKey(label: string): Uint8Array {
  return sha256(Buffer.from(`cons/${label}`));
}
export function consAddr(label: string): Uint8Array {
  return addressFromPublicKey(consKey(label));
}

/** A validator set as CometBFT holds it: hex address → power. */
export type CometSet = Map<string, { pubKey: Uint8Array; power: bigint }>;

/**
 * Applies ValidatorUpdates the way CometBFT's ValidatorSet.UpdateWithChangeSet does, throwing
 * where CometBFT would refuse (and halt): duplicates, negative power, removing a non-member,
 * an empty result, total power above MaxTotalVotingPower.
 */
export function applyToComet(set: CometSet, updates: readonly ValidatorUpdate[]): CometSet {
  const next: CometSet = new Map(set);
  const seen = new Set<string>();
  for (const u of updates) {
    const a = toHex(addressFromPublicKey(u.pubKey));
    if (seen.has(a)) throw new Error(`duplicate update for ${a}`);
    seen.add(a);
    if (u.power < 0n) throw new Error("negative power");
    if (u.power === 0n) {
      if (!next.has(a)) throw new Error(`removing non-member ${a}`);
      next.delete(a);
    } else next.set(a, { pubKey: u.pubKey, power: u.power });
  }
  if (next.size === 0 && updates.length > 0) throw new Error("empty validator set");
  let total = 0n;
  for (const v of next.values()) total += v.power;
  if (total > MAX_TOTAL_VOTING_POWER) throw new Error(`total power ${total} too large`);
  return next;
}

export interface Account {
  readonly label: string;
  readonly address: Uint8Array;
  readonly role: Role;
  readonly balance: bigint;
}

export interface HarnessOptions {
  readonly accounts: readonly Account[];
  readonly staking: StakingGenesisInput;
}

export interface TxResult {
  readonly code: string;
  readonly events: { type: string; attrs: Readonly<Record<string, string>> }[];
}

/**
 * The staking module with identity records and coin balances on an in-memory store, driven
 * block by block the way Application does (BeginBlock → transactions → EndBlock), with each
 * transaction atomic. Tracks the validator set CometBFT would hold from the genesis set and the
 * returned updates.
 */
export class Harness {
  readonly mem = new MemoryKv();
  height = 0n;
  comet: CometSet = new Map();
  readonly accounts: Account[];
  private blockState: StateOverlay | undefined;
  private blockEvents: { type: string; attrs: Readonly<Record<string, string>> }[] = [];

  constructor(opts: HarnessOptions) {
    this.accounts = [...opts.accounts];
    for (const a of opts.accounts) this.register(a.address, a.role);
    const coin = createCoinModule({ rewardRecipient: operatorOf });
    coin.initGenesis(
      this.mem,
      {
        denom: "MED",
        decimals: 6,
        blockReward: 0n,
        allocations: opts.accounts.map((a) => ({ address: Uint8Array.from(a.address), amount: a.balance })),
      },
      this.block(),
    );
    const g = stakingGenesisSchema.parse(opts.staking);
    stakingModule.initGenesis(this.mem, g, this.block());
    for (const v of getActiveSet(this.mem))
      this.comet.set(toHex(v.address), { pubKey: v.pubKey, power: v.power });
  }

  register(address: Uint8Array, role: Role, notAfterMs = T0 + 10n ** 12n): void {
    this.mem.set(
      identityKey(address),
      encodeIdentity({
        role,
        subject: sha256(address),
        caPublicKey: new Uint8Array(32),
        publicKey: new Uint8Array(32),
        serial: 1n,
        notAfterMs,
        registeredHeight: 0n,
        revoked: false,
        revokedHeight: 0n,
      }),
    );
  }

  block(): BlockInfo {
    return {
      chainId: CHAIN,
      height: this.height,
      timeMs: T0 + this.height * 1000n,
      proposer: new Uint8Array(20),
    };
  }

  /** Starts block height+1 and runs BeginBlock with `misbehavior`. */
  begin(misbehavior: readonly Misbehavior[] = []): void {
    this.height += 1n;
    this.blockState = new StateOverlay(this.mem);
    this.blockEvents = [];
    this.misbehavior = misbehavior;
    stakingModule.beginBlock?.({
      state: this.blockState,
      block: this.block(),
      misbehavior,
      txCount: 0,
      emit: (type, attrs) => this.blockEvents.push({ type, attrs }),
    });
  }

  private misbehavior: readonly Misbehavior[] = [];

  /** One staking transaction inside the open block (or a fresh one-transaction block). */
  tx(sender: Uint8Array, type: string, msg: unknown): TxResult {
    const own = this.blockState === undefined;
    if (own) this.begin();
    const state = this.blockState!;
    const events: TxResult["events"] = [];
    const cp = state.checkpoint();
    try {
      const h = stakingModule.messages.find((m) => m.type === type);
      if (!h) throw new Error(`no handler ${type}`);
      h.validate(msg);
      if (h.requiresIdentity) requireActiveIdentity(state, sender, this.block().timeMs);
      const ctx: TxContext = {
        state,
        block: this.block(),
        sender,
        senderHex: toHex(sender),
        publicKey: new Uint8Array(32),
        txHash: new Uint8Array(32),
        fee: 0n,
        emit: (t, attrs) => events.push({ type: t, attrs }),
        work: () => {},
      };
      h.execute(ctx, msg);
      state.accept(cp);
    } catch (err) {
      state.revert(cp);
      if (own) this.end();
      return { code: asConsortiaError(err).code, events: [] };
    }
    if (own) this.end();
    return { code: "", events };
  }

  /** Runs EndBlock, commits, applies the updates to the CometBFT model; returns the updates. */
  end(): readonly ValidatorUpdate[] {
    const state = this.blockState!;
    const updates =
      stakingModule.endBlock?.({
        state,
        block: this.block(),
        misbehavior: this.misbehavior,
        txCount: 0,
        emit: (type, attrs) => this.blockEvents.push({ type, attrs }),
      }) ?? [];
    this.mem.apply(state.pending());
    this.blockState = undefined;
    this.misbehavior = [];
    this.comet = applyToComet(this.comet, updates);
    return updates;
  }

  /** An empty block (optionally carrying evidence). */
  step(misbehavior: readonly Misbehavior[] = []): readonly ValidatorUpdate[] {
    this.begin(misbehavior);
    return this.end();
  }

  /** Empty blocks until `height` has been executed. */
  stepTo(height: bigint): void {
    while (this.height < height) this.step();
  }

  get events(): readonly { type: string; attrs: Readonly<Record<string, string>> }[] {
    return this.blockEvents;
  }

  balance(a: Uint8Array): bigint {
    return getBalance(this.mem, a);
  }

  query(path: string): unknown {
    const parts = path.split("/").filter((s) => s.length > 0);
    return stakingModule.query?.(parts.slice(1), {}, { state: this.mem, height: this.height });
  }

  create(label: string, selfBond: bigint, operator = addr(label)): TxResult {
    return this.tx(operator, "staking/create-validator", {
      consensusPubKey: consKey(label),
      selfBond,
      moniker: label,
    });
  }

  delegate(from: Uint8Array, cons: Uint8Array, amount: bigint): TxResult {
    return this.tx(from, "staking/delegate", { validator: cons, amount });
  }

  undelegate(from: Uint8Array, cons: Uint8Array, amount: bigint): TxResult {
    return this.tx(from, "staking/undelegate", { validator: cons, amount });
  }

  /** Σ of every bond the module records: self-bonds, delegations, unbonding entries. */
  bondedTotal(): bigint {
    let total = 0n;
    for (const cons of getAddressList(this.mem, VALIDATOR_LIST_KEY)) {
      const v = getValidator(this.mem, cons)!;
      total += v.selfBond;
      let delegated = 0n;
      for (const a of this.accounts) delegated += getDelegation(this.mem, cons, a.address);
      if (delegated !== v.delegated)
        throw new Error(`cached delegated ${v.delegated} != Σ delegations ${delegated}`);
      total += delegated;
      for (const e of getUnbonding(this.mem, cons)) total += e.amount;
    }
    return total;
  }

  /** Σ of all balances (scanning the store) and the coin module's circulating supply. */
  supply(): { sum: bigint; circulating: bigint } {
    let sum = 0n;
    for (const k of this.mem.map.keys()) {
      if (k.startsWith(BALANCE_PREFIX))
        sum += getBalance(this.mem, Buffer.from(k.slice(BALANCE_PREFIX.length), "hex"));
    }
    return { sum, circulating: circulatingSupply(getSupply(this.mem)) };
  }

  pool(): bigint {
    return this.balance(STAKING_POOL_ADDRESS);
  }
}

export function dupVote(cons: Uint8Array, height: bigint): Misbehavior {
  return { type: "duplicate_vote", validatorAddress: cons, power: 1n, height, timeMs: T0 };
}

/** Genesis validator entry for `label` (its operator is addr(label)). */
export function genesisValidator(label: string, selfBond: bigint) {
  return {
    operator: toHex(addr(label)),
    consensusPubKey: toHex(consKey(label)),
    selfBond: selfBond.toString(),
    moniker: label,
  };
}

export function institution(label: string, balance: bigint, role: Role = "institution"): Account {
  return { label, address: addr(label), role, balance };
}
