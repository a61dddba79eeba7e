/**
 * Pure mapping between CometBFT's protobuf ABCI messages (cosmjs-types) and the application's
 * plain types (src/app/abci.ts). No I/O, no application calls.
 */
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import {
  type Event,
  MisbehaviorType,
  type ExecTxResult as PbExecTxResult,
  type Misbehavior as PbMisbehavior,
  type ValidatorUpdate as PbValidatorUpdate,
  type RequestFinalizeBlock,
  type RequestInitChain,
  type RequestPrepareProposal,
  type RequestProcessProposal,
  type ResponseCheckTx,
  type ResponseFinalizeBlock,
  type ResponseInfo,
  type ResponseInitChain,
  type ResponseQuery,
} from "cosmjs-types/tendermint/abci/types";
import type {
  CheckTxResponse,
  ExecTxResult,
  FinalizeBlockRequest,
  FinalizeBlockResponse,
  InfoResponse,
  InitChainRequest,
  InitChainResponse,
  Misbehavior,
  ProcessProposalRequest,
  ProposalRequest,
  QueryResponse,
} from "../app/abci.js";
import type { AppEvent, ValidatorUpdate } from "../app/types.js";
import { toHex } from "../crypto/hash.js";
import { ConsortiaError } from "../errors.js";
import { AbciErrors } from "./errors.js";

/** Codespace of every non-zero code we return; codes are our registered error numbers. */
export const CODESPACE = "consortia";

const EMPTY = new Uint8Array(0);

/**
 * Block time in milliseconds, truncating sub-millisecond nanos. Every validator receives the same
 * timestamp, so truncation is deterministic.
 */
export function timestampToMs(t: Timestamp | undefined): bigint {
  if (!t) return 0n;
  return t.seconds * 1000n + BigInt(Math.floor(t.nanos / 1_000_000));
}

export function toInfoResponse(info: InfoResponse, data: string): ResponseInfo {
  return {
    data,
    version: info.version,
    appVersion: info.appVersion,
    lastBlockHeight: info.lastBlockHeight,
    lastBlockAppHash: info.lastBlockAppHash,
  };
}

export function fromInitChain(req: RequestInitChain): InitChainRequest {
  return {
    chainId: req.chainId,
    timeMs: timestampToMs(req.time),
    initialHeight: req.initialHeight,
    appStateBytes: req.appStateBytes,
    validators: req.validators.map((v, i) => {
      const pk = v.pubKey?.ed25519;
      if (pk?.length !== 32) {
        throw new ConsortiaError(
          AbciErrors.ABCI_BAD_REQUEST,
          `init_chain.validators[${i}].pub_key must be a 32-byte ed25519 key`,
          { index: i },
        );
      }
      return { pubKey: pk, power: v.power };
    }),
  };
}

export function toValidatorUpdates(updates: readonly ValidatorUpdate[]): PbValidatorUpdate[] {
  return updates.map((u) => ({ pubKey: { ed25519: u.pubKey }, power: u.power }));
}

export function toInitChainResponse(res: InitChainResponse): ResponseInitChain {
  return { validators: toValidatorUpdates(res.validators), appHash: res.appHash };
}

export function toCheckTxResponse(res: CheckTxResponse): ResponseCheckTx {
  return {
    code: res.code,
    data: EMPTY,
    log: res.log,
    info: res.errorCode,
    gasWanted: res.gasWanted,
    gasUsed: 0n,
    events: [],
    codespace: res.code === 0 ? "" : CODESPACE,
  };
}

/** CometBFT's int64 max_tx_bytes as a JS number the application can compare with. */
function byteLimit(v: bigint): number {
  if (v <= 0n) return 0;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

export function fromPrepareProposal(req: RequestPrepareProposal): ProposalRequest {
  return {
    txs: req.txs,
    maxTxBytes: byteLimit(req.maxTxBytes),
    height: req.height,
    timeMs: timestampToMs(req.time),
    proposerAddress: req.proposerAddress,
  };
}

export function fromProcessProposal(req: RequestProcessProposal): ProcessProposalRequest {
  return {
    txs: req.txs,
    height: req.height,
    timeMs: timestampToMs(req.time),
    hash: req.hash,
    proposerAddress: req.proposerAddress,
  };
}

export function fromMisbehavior(m: PbMisbehavior): Misbehavior {
  const type =
    m.type === MisbehaviorType.DUPLICATE_VOTE
      ? "duplicate_vote"
      : m.type === MisbehaviorType.LIGHT_CLIENT_ATTACK
        ? "light_client_attack"
        : "unknown";
  return {
    type,
    validatorAddress: m.validator?.address ?? EMPTY,
    power: m.validator?.power ?? 0n,
    height: m.height,
    timeMs: timestampToMs(m.time),
  };
}

export function fromFinalizeBlock(req: RequestFinalizeBlock): FinalizeBlockRequest {
  return {
    txs: req.txs,
    height: req.height,
    timeMs: timestampToMs(req.time),
    hash: req.hash,
    proposerAddress: req.proposerAddress,
    misbehavior: req.misbehavior.map(fromMisbehavior),
  };
}

/** All attributes are indexed: CometBFT's tx_search and our event stream both query them. */
export function toEvents(events: readonly AppEvent[]): Event[] {
  return events.map((e) => ({
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })),
  }));
}

export function toExecTxResult(r: ExecTxResult): PbExecTxResult {
  return {
    code: r.code,
    data: r.data,
    log: r.log,
    info: r.errorCode,
    gasWanted: r.gasWanted,
    gasUsed: r.gasUsed,
    events: toEvents(r.events),
    codespace: r.code === 0 ? "" : CODESPACE,
  };
}

export function toFinalizeBlockResponse(res: FinalizeBlockResponse): ResponseFinalizeBlock {
  return {
    events: toEvents(res.events),
    txResults: res.txResults.map(toExecTxResult),
    validatorUpdates: toValidatorUpdates(res.validatorUpdates),
    appHash: res.appHash,
  };
}

/**
 * Query parameters travel in RequestQuery.data as a JSON object of scalars (CometBFT passes the
 * bytes through untouched). Empty data means no parameters.
 */
export function parseQueryParams(data: Uint8Array): Record<string, string> | undefined {
  if (data.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.length).toString("utf8"));
  } catch (err) {
    throw new ConsortiaError(
      AbciErrors.ABCI_QUERY_BAD_DATA,
      `query data must be a JSON object: ${String(err)}`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConsortiaError(AbciErrors.ABCI_QUERY_BAD_DATA, "query data must be a JSON object of scalars");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else {
      throw new ConsortiaError(
        AbciErrors.ABCI_QUERY_BAD_DATA,
        `query data field ${k} must be a string, number or boolean`,
        {
          field: k,
        },
      );
    }
  }
  return out;
}

/** JSON text with bigints as decimal strings and bytes as lowercase hex (the API's wire rule). */
export function toJsonBytes(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value ?? null, jsonReplacer), "utf8");
}

function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  // Buffer.toJSON runs before the replacer sees the value, so look at the holder's raw field.
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return toHex(raw);
  return value;
}

export function toQueryResponse(res: QueryResponse): ResponseQuery {
  return {
    code: res.code,
    log: res.log,
    info: res.errorCode,
    index: 0n,
    key: EMPTY,
    value: res.code === 0 ? toJsonBytes(res.value) : EMPTY,
    height: res.height,
    codespace: res.code === 0 ? "" : CODESPACE,
  };
}
