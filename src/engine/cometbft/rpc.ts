/**
 * The few CometBFT v0.38 RPC calls Consortia makes, as JSON-RPC 2.0 over HTTP POST with the
 * built-in fetch (docs/dependencies.md says why not @cosmjs/tendermint-rpc). Every answer is
 * validated with zod and turned into plain values: int64 strings → bigint, hex hashes → lowercase,
 * base64 bytes → Uint8Array. Shapes: rpc/core/types/responses.go and rpc/openapi/openapi.yaml.
 */
import { z } from "zod";
import { ConsortiaError } from "../../errors.js";
import { CometErrors } from "./errors.js";

/** int64/uint64 travel as decimal strings (amino JSON); a few int fields as numbers. */
const zInt = z.union([z.string().regex(/^-?[0-9]{1,20}$/), z.number().int()]).transform((v) => BigInt(v));
const zHex = z
  .string()
  .regex(/^(?:[0-9a-fA-F]{2})*$/)
  .transform((s) => s.toLowerCase());
const zB64 = z
  .string()
  .nullable()
  .transform((s) => new Uint8Array(Buffer.from(s ?? "", "base64")));
const zPubKey = z.object({ type: z.string(), value: z.string() });

const zEvent = z.object({
  type: z.string(),
  attributes: z
    .array(z.object({ key: z.string(), value: z.string().nullable(), index: z.boolean().optional() }))
    .nullable()
    .optional(),
});

const zExecResult = z.object({
  code: z.number().int().default(0),
  data: zB64.optional(),
  log: z.string().default(""),
  info: z.string().default(""),
  gas_wanted: zInt.default(0n),
  gas_used: zInt.default(0n),
  events: z.array(zEvent).nullable().default([]),
  codespace: z.string().default(""),
});

const zBlockId = z.object({
  hash: zHex,
  parts: z.object({ total: z.number().int(), hash: zHex }),
});

const zHeader = z.object({
  version: z.object({ block: zInt, app: zInt.default(0n) }),
  chain_id: z.string(),
  height: zInt,
  time: z.string(),
  last_block_id: zBlockId,
  last_commit_hash: zHex,
  data_hash: zHex,
  validators_hash: zHex,
  next_validators_hash: zHex,
  consensus_hash: zHex,
  app_hash: zHex,
  last_results_hash: zHex,
  evidence_hash: zHex,
  proposer_address: zHex,
});

const zCommit = z.object({
  height: zInt,
  round: z.number().int(),
  block_id: zBlockId,
  signatures: z.array(
    z.object({
      block_id_flag: z.number().int(),
      validator_address: z.string(),
      timestamp: z.string(),
      signature: zB64,
    }),
  ),
});

const schemas = {
  status: z.object({
    node_info: z.object({ id: z.string(), network: z.string(), version: z.string(), moniker: z.string() }),
    sync_info: z.object({
      latest_block_hash: zHex,
      latest_app_hash: zHex,
      latest_block_height: zInt,
      latest_block_time: z.string(),
      catching_up: z.boolean(),
    }),
    validator_info: z.object({ address: zHex, pub_key: zPubKey, voting_power: zInt }),
  }),
  broadcast_tx_sync: z.object({
    code: z.number().int(),
    data: zB64.optional(),
    log: z.string().default(""),
    codespace: z.string().default(""),
    hash: zHex,
  }),
  broadcast_tx_commit: z.object({
    check_tx: zExecResult,
    tx_result: zExecResult,
    hash: zHex,
    height: zInt,
  }),
  block: z.object({
    block_id: zBlockId,
    block: z.object({
      header: zHeader,
      data: z.object({ txs: z.array(z.string()).nullable().default([]) }),
      last_commit: zCommit.nullable(),
    }),
  }),
  commit: z.object({
    signed_header: z.object({ header: zHeader, commit: zCommit }),
    canonical: z.boolean(),
  }),
  validators: z.object({
    block_height: zInt,
    validators: z.array(
      z.object({ address: zHex, pub_key: zPubKey, voting_power: zInt, proposer_priority: zInt }),
    ),
    count: zInt,
    total: zInt,
  }),
  tx: z.object({
    hash: zHex,
    height: zInt,
    index: z.number().int(),
    tx_result: zExecResult,
    tx: zB64,
    proof: z
      .object({
        root_hash: zHex,
        data: zB64,
        proof: z.object({ total: zInt, index: zInt, leaf_hash: zB64, aunts: z.array(z.string()).nullable() }),
      })
      .optional(),
  }),
  num_unconfirmed_txs: z.object({ n_txs: zInt, total: zInt, total_bytes: zInt }),
} as const;

type Method = keyof typeof schemas;
export type RpcResult<M extends Method> = z.output<(typeof schemas)[M]>;
export type RpcStatus = RpcResult<"status">;
export type RpcBroadcastSync = RpcResult<"broadcast_tx_sync">;
export type RpcBroadcastCommit = RpcResult<"broadcast_tx_commit">;
export type RpcBlock = RpcResult<"block">;
export type RpcCommit = RpcResult<"commit">;
export type RpcValidator = RpcResult<"validators">["validators"][number];
export type RpcTx = RpcResult<"tx">;
export type RpcExecResult = z.output<typeof zExecResult>;

const envelope = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.number(), z.string()]),
  result: z.unknown().optional(),
  error: z.object({ code: z.number(), message: z.string(), data: z.string().optional() }).optional(),
});

export interface CometRpcOptions {
  /** e.g. http://127.0.0.1:26657 */
  readonly url: string;
  /** Per-request timeout; broadcast_tx_commit gets its own, longer one. Default 10 s. */
  readonly timeoutMs?: number;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

export class CometRpc {
  readonly url: string;
  private readonly timeoutMs: number;
  private nextId = 1;

  constructor(opts: CometRpcOptions) {
    this.url = opts.url.replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  status(): Promise<RpcStatus> {
    return this.call("status", {});
  }

  /** CheckTx result; a mempool refusal (full, duplicate, too large) is a COMET_RPC_ERROR. */
  broadcastTxSync(tx: Uint8Array): Promise<RpcBroadcastSync> {
    return this.call("broadcast_tx_sync", { tx: b64(tx) });
  }

  /** For tests and tools only: holds an RPC subscription until the tx commits. */
  broadcastTxCommit(tx: Uint8Array, timeoutMs = 30_000): Promise<RpcBroadcastCommit> {
    return this.call("broadcast_tx_commit", { tx: b64(tx) }, timeoutMs);
  }

  /** The block at `height`, or the latest. */
  block(height?: bigint): Promise<RpcBlock> {
    return this.call("block", height === undefined ? {} : { height: height.toString() });
  }

  commit(height?: bigint): Promise<RpcCommit> {
    return this.call("commit", height === undefined ? {} : { height: height.toString() });
  }

  /** The whole validator set at `height` (or the latest), every page. */
  async validators(height?: bigint): Promise<{ blockHeight: bigint; validators: RpcValidator[] }> {
    const perPage = 100;
    const out: RpcValidator[] = [];
    let blockHeight = height;
    for (let page = 1; ; page++) {
      const r = await this.call("validators", {
        ...(blockHeight !== undefined ? { height: blockHeight.toString() } : {}),
        page: String(page),
        per_page: String(perPage),
      });
      // Pin the height after the first page so later pages describe the same set.
      blockHeight = r.block_height;
      out.push(...r.validators);
      if (out.length >= Number(r.total) || r.validators.length === 0) break;
    }
    return { blockHeight: blockHeight ?? 0n, validators: out };
  }

  /** A committed transaction by hash (hex), with its Merkle proof against the block's data hash. */
  tx(hashHex: string, prove = true): Promise<RpcTx> {
    return this.call("tx", { hash: Buffer.from(hashHex, "hex").toString("base64"), prove });
  }

  async numUnconfirmedTxs(): Promise<{ count: number; bytes: bigint }> {
    const r = await this.call("num_unconfirmed_txs", {});
    return { count: Number(r.total), bytes: r.total_bytes };
  }

  /**
   * broadcast_tx_async for many transactions in ONE HTTP request (a JSON-RPC batch, which CometBFT
   * runs sequentially in array order, so each sender's nonce order survives). Each element answers
   * as soon as the transaction is queued for CheckTx; the verdict itself arrives over ABCI. Per
   * element: undefined = queued, else CometBFT's refusal (full, duplicate, too large) as COMET_RPC_ERROR.
   */
  async broadcastTxAsyncBatch(txs: readonly Uint8Array[]): Promise<(ConsortiaError | undefined)[]> {
    if (txs.length === 0) return [];
    const first = this.nextId;
    this.nextId += txs.length;
    const body = txs.map((tx, i) => ({
      jsonrpc: "2.0",
      id: first + i,
      method: "broadcast_tx_async",
      params: { tx: b64(tx) },
    }));
    const json = await this.post(JSON.stringify(body), "broadcast_tx_async", this.timeoutMs);
    // CometBFT answers a one-element batch with the bare response object, not an array.
    const parsed = z.array(envelope).safeParse(Array.isArray(json) ? json : [json]);
    if (!parsed.success) throw badResponse("broadcast_tx_async", parsed.error);
    const out: (ConsortiaError | undefined)[] = new Array(txs.length);
    let answered = 0;
    for (const env of parsed.data) {
      const i = Number(env.id) - first;
      if (!Number.isInteger(i) || i < 0 || i >= txs.length || out[i] !== undefined) continue;
      answered++;
      out[i] = env.error ? rpcError("broadcast_tx_async", env.error) : undefined;
    }
    if (answered !== txs.length) {
      throw new ConsortiaError(
        CometErrors.COMET_RPC_BAD_RESPONSE,
        `CometBFT RPC broadcast_tx_async answered ${answered} of ${txs.length} batched requests`,
        { method: "broadcast_tx_async", answered, sent: txs.length },
      );
    }
    return out;
  }

  private async call<M extends Method>(
    method: M,
    params: Record<string, unknown>,
    timeoutMs = this.timeoutMs,
  ): Promise<RpcResult<M>> {
    const id = this.nextId++;
    const json = await this.post(JSON.stringify({ jsonrpc: "2.0", id, method, params }), method, timeoutMs);
    const env = envelope.safeParse(json);
    if (!env.success) throw badResponse(method, env.error);
    if (env.data.error) throw rpcError(method, env.data.error);
    const r = schemas[method].safeParse(env.data.result);
    if (!r.success) throw badResponse(method, r.error);
    return r.data as RpcResult<M>;
  }

  private async post(body: string, method: string, timeoutMs: number): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      if (name === "TimeoutError" || name === "AbortError") {
        throw new ConsortiaError(
          CometErrors.COMET_RPC_TIMEOUT,
          `CometBFT RPC ${method} at ${this.url} did not answer in ${timeoutMs} ms`,
          { method, url: this.url, timeoutMs },
        );
      }
      throw new ConsortiaError(
        CometErrors.COMET_RPC_UNAVAILABLE,
        `CometBFT RPC at ${this.url} is unreachable (${method}): ${causeText(err)}`,
        { method, url: this.url },
        { cause: err },
      );
    }
    try {
      return await res.json();
    } catch (err) {
      throw new ConsortiaError(
        CometErrors.COMET_RPC_BAD_RESPONSE,
        `CometBFT RPC ${method} answered HTTP ${res.status} without JSON`,
        { method, status: res.status },
        { cause: err },
      );
    }
  }
}

function rpcError(
  method: string,
  e: { code: number; message: string; data?: string | undefined },
): ConsortiaError {
  return new ConsortiaError(
    CometErrors.COMET_RPC_ERROR,
    `CometBFT RPC ${method}: ${e.message}${e.data ? `: ${e.data}` : ""}`,
    { method, rpcCode: e.code, data: e.data ?? "" },
  );
}

function badResponse(method: string, error: z.ZodError): ConsortiaError {
  const i = error.issues[0];
  const issue = `${i?.path.join(".") ?? ""}: ${i?.message ?? "invalid"}`;
  return new ConsortiaError(
    CometErrors.COMET_RPC_BAD_RESPONSE,
    `CometBFT RPC ${method} answered an unexpected shape at ${issue}`,
    { method, issue },
  );
}

/** fetch hides the socket error (ECONNREFUSED, ...) in `cause`. */
function causeText(err: unknown): string {
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
