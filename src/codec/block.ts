import type { AppEvent } from "../app/types.js";
import { array, bytes, type Codec, fixedBytes, string, struct, u64, uint, versioned } from "./schema.js";

/**
 * What a node stores per committed block (beside CometBFT's own block store): the raw
 * transactions, their execution results and the app hash after execution, plus the full
 * header when the engine handed it over in-process (solo engine).
 */
export interface StoredTxResult {
  code: number;
  errorCode: string;
  log: string;
  data: Uint8Array;
  gasWanted: bigint;
  gasUsed: bigint;
  events: AppEvent[];
}

export interface StoredBlock {
  height: bigint;
  hash: Uint8Array;
  timeMs: bigint;
  proposer: Uint8Array;
  /** App hash after executing this block (CometBFT puts it in the next header). */
  appHash: Uint8Array;
  txs: Uint8Array[];
  results: StoredTxResult[];
  /** Encoded BlockHeader (src/ledger/header.ts) or empty when the engine did not provide it. */
  header: Uint8Array;
}

const MAX_TXS_PER_BLOCK = 1_000_000;
const MAX_EVENTS = 4096;

export const eventCodec: Codec<AppEvent> = struct({
  type: string(256),
  attributes: array(struct({ key: string(256), value: string(64 * 1024) }), 256),
}) as Codec<AppEvent>;

export const txResultCodec: Codec<StoredTxResult> = struct({
  code: uint(0xffff_ffff),
  errorCode: string(128),
  log: string(4096),
  data: bytes(1024 * 1024),
  gasWanted: u64,
  gasUsed: u64,
  events: array(eventCodec, MAX_EVENTS),
});

export const storedBlockCodec: Codec<StoredBlock> = versioned(
  1,
  struct({
    height: u64,
    hash: bytes(64),
    timeMs: u64,
    proposer: bytes(64),
    appHash: fixedBytes(32),
    txs: array(bytes(16 * 1024 * 1024), MAX_TXS_PER_BLOCK),
    results: array(txResultCodec, MAX_TXS_PER_BLOCK),
    header: bytes(64 * 1024),
  }),
);
