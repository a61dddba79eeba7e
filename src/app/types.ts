import type { z } from "zod";
import type { Codec } from "../codec/schema.js";
import type { Misbehavior } from "./abci.js";
import type { KvReader, KvStore } from "./state.js";

/** ABCI-style event: a type and string attributes (indexed by CometBFT, streamed by our API). */
export interface AppEvent {
  readonly type: string;
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: string }>;
}

/** Deterministic facts about the block being executed; the only "clock" a module ever sees. */
export interface BlockInfo {
  readonly chainId: string;
  readonly height: bigint;
  /** Block time in milliseconds since the Unix epoch, chosen by consensus. */
  readonly timeMs: bigint;
  /** Address of the proposer (CometBFT validator address = first 20 bytes of sha256(pubkey)). */
  readonly proposer: Uint8Array;
}

export interface TxContext {
  readonly state: KvStore;
  readonly block: BlockInfo;
  /** 20-byte address of the signer. */
  readonly sender: Uint8Array;
  readonly senderHex: string;
  readonly publicKey: Uint8Array;
  readonly txHash: Uint8Array;
  readonly fee: bigint;
  emit(type: string, attributes: Readonly<Record<string, string>>): void;
  /** Charges work units beyond the message's base work; throws TX_WORK_EXCEEDED past the limit. */
  work(units: number): void;
}

export interface BlockContext {
  readonly state: KvStore;
  readonly block: BlockInfo;
  /** Evidence of validator misbehavior CometBFT reports in this block (e.g. duplicate votes). */
  readonly misbehavior: readonly Misbehavior[];
  /** Transactions in the block (valid or not). */
  readonly txCount: number;
  emit(type: string, attributes: Readonly<Record<string, string>>): void;
}

export interface ValidatorUpdate {
  readonly pubKey: Uint8Array;
  /** 0 removes the validator. */
  readonly power: bigint;
}

export interface MessageHandler<M> {
  /** "<module>/<message>". */
  readonly type: string;
  readonly codec: Codec<M>;
  /** Work units charged before execution; bounds what one transaction may cost. */
  readonly baseWork: number;
  /** Stateless checks done before the mempool (no state access). */
  validate?(msg: M): void;
  /** Senders need an active, registered identity unless this is false (e.g. registration). */
  readonly requiresIdentity?: boolean;
  /** A zero fee is accepted (registration: the CA's certificate is the admission control). */
  readonly feeExempt?: boolean;
  execute(ctx: TxContext, msg: M): void;
}

/** A handler with its message type erased, as the router stores it. */
export interface AnyMessageHandler {
  readonly type: string;
  readonly codec: Codec<unknown>;
  readonly baseWork: number;
  readonly requiresIdentity: boolean;
  readonly feeExempt: boolean;
  validate(msg: unknown): void;
  execute(ctx: TxContext, msg: unknown): void;
}

export function defineMessage<M>(h: MessageHandler<M>): AnyMessageHandler {
  return {
    type: h.type,
    codec: h.codec as Codec<unknown>,
    baseWork: h.baseWork,
    requiresIdentity: h.requiresIdentity ?? true,
    feeExempt: h.feeExempt ?? false,
    validate: (m) => h.validate?.(m as M),
    execute: (ctx, m) => h.execute(ctx, m as M),
  };
}

export interface QueryContext {
  readonly state: KvReader;
  readonly height: bigint;
  /** Block time of `height` (ms); absent where the caller has no block (queries that need it refuse). */
  readonly timeMs?: bigint;
}

export interface Module<G = unknown> {
  readonly name: string;
  readonly messages: readonly AnyMessageHandler[];
  /** Validates this module's section of the genesis `appState`. */
  readonly genesisSchema: z.ZodType<G>;
  initGenesis(state: KvStore, genesis: G, block: BlockInfo): void;
  beginBlock?(ctx: BlockContext): void;
  endBlock?(ctx: BlockContext): readonly ValidatorUpdate[] | undefined;
  /**
   * Answers `<module>/<path...>` queries with JSON-serialisable data (bigints allowed; the API
   * prints them as decimal strings). Throws QUERY_UNKNOWN_PATH / QUERY_BAD_PARAMS.
   */
  query?(path: readonly string[], params: Readonly<Record<string, string>>, ctx: QueryContext): unknown;
}

/**
 * Checks that run for every transaction before its fee is charged (e.g. the identity module
 * requires a registered, unrevoked, unexpired sender). A failure here means the transaction has
 * no effect at all — no fee, no nonce increment — exactly like a bad signature.
 */
export interface AnteCheck {
  check(state: KvReader, block: BlockInfo, sender: Uint8Array, handler: AnyMessageHandler): void;
}

/** Whoever owns balances charges fees (the coin module). Fees are burned. */
export interface FeeCharger {
  chargeFee(state: KvStore, payer: Uint8Array, fee: bigint): void;
}
