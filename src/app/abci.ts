import type { AppEvent, ValidatorUpdate } from "./types.js";

/**
 * The application's view of ABCI 2.0 (CometBFT v0.38): the same calls and the fields we use, in
 * plain TypeScript types. The socket server (src/abci) maps protobuf onto these; the solo engine
 * calls them directly.
 */

export interface InfoResponse {
  readonly lastBlockHeight: bigint;
  readonly lastBlockAppHash: Uint8Array;
  readonly appVersion: bigint;
  readonly version: string;
}

export interface GenesisValidator {
  readonly pubKey: Uint8Array;
  readonly power: bigint;
}

export interface InitChainRequest {
  readonly chainId: string;
  readonly timeMs: bigint;
  readonly initialHeight: bigint;
  /** Genesis `app_state` as JSON bytes. */
  readonly appStateBytes: Uint8Array;
  readonly validators: readonly GenesisValidator[];
}

export interface InitChainResponse {
  readonly appHash: Uint8Array;
  readonly validators: readonly ValidatorUpdate[];
}

export interface CheckTxResponse {
  readonly code: number;
  /** Stable string code ("" on success). */
  readonly errorCode: string;
  readonly log: string;
  readonly gasWanted: bigint;
  readonly sender?: string;
  readonly nonce?: bigint;
  readonly hash: Uint8Array;
}

export interface ProposalRequest {
  readonly txs: readonly Uint8Array[];
  readonly maxTxBytes: number;
  readonly height: bigint;
  readonly timeMs: bigint;
  readonly proposerAddress: Uint8Array;
}

export interface ProcessProposalRequest {
  readonly txs: readonly Uint8Array[];
  readonly height: bigint;
  readonly timeMs: bigint;
  readonly hash: Uint8Array;
  readonly proposerAddress: Uint8Array;
}

export interface Misbehavior {
  readonly type: "duplicate_vote" | "light_client_attack" | "unknown";
  readonly validatorAddress: Uint8Array;
  readonly power: bigint;
  readonly height: bigint;
  readonly timeMs: bigint;
}

export interface FinalizeBlockRequest {
  readonly txs: readonly Uint8Array[];
  readonly height: bigint;
  readonly timeMs: bigint;
  /** Block hash (CometBFT header hash). */
  readonly hash: Uint8Array;
  readonly proposerAddress: Uint8Array;
  readonly misbehavior: readonly Misbehavior[];
  /** Full encoded header, when the engine has it in-process (solo engine); stored for receipts. */
  readonly header?: Uint8Array;
}

export interface ExecTxResult {
  readonly code: number;
  /** Stable string code ("" on success). */
  readonly errorCode: string;
  readonly log: string;
  readonly data: Uint8Array;
  readonly gasWanted: bigint;
  readonly gasUsed: bigint;
  readonly events: readonly AppEvent[];
}

export interface FinalizeBlockResponse {
  readonly events: readonly AppEvent[];
  readonly txResults: readonly ExecTxResult[];
  readonly validatorUpdates: readonly ValidatorUpdate[];
  readonly appHash: Uint8Array;
}

export interface QueryRequest {
  /** "<module>/<path...>", e.g. "coin/balance/<address>". */
  readonly path: string;
  readonly params?: Readonly<Record<string, string>>;
}

export interface QueryResponse {
  readonly code: number;
  readonly errorCode: string;
  readonly log: string;
  /** JSON (bigints as decimal strings). */
  readonly value: unknown;
  readonly height: bigint;
}

/** Exactly the ABCI 2.0 calls. Engines (solo, CometBFT) drive the application only through this. */
export interface AbciApplication {
  info(): InfoResponse;
  initChain(req: InitChainRequest): InitChainResponse;
  /**
   * `nowMs` is the engine's wall clock (CheckTx has no block). It only moves admission-time
   * validity checks (certificate not-before/expiry) forward from the last block's time; execution
   * always uses the consensus block time.
   */
  checkTx(tx: Uint8Array, kind: "new" | "recheck", nowMs?: bigint): CheckTxResponse;
  prepareProposal(req: ProposalRequest): readonly Uint8Array[];
  processProposal(req: ProcessProposalRequest): "accept" | "reject";
  finalizeBlock(req: FinalizeBlockRequest): FinalizeBlockResponse;
  commit(): Promise<{ retainHeight: bigint }>;
  query(req: QueryRequest): QueryResponse;
}
