import { EngineErrors } from "../../engine/errors.js";
import type { CommittedTx, TxEngine } from "../../engine/types.js";
import { CommonErrors, ConsortiaError, isConsortiaError } from "../../errors.js";
import { buildReceipt } from "../../node/receipts.js";
import type { ApiContext } from "../context.js";
import { ApiErrors } from "../errors.js";
import { txResultToJson } from "../json.js";
import { defineRoute, errorReply, jsonReply, type Route } from "../route.js";
import {
  type BatchResult,
  batchBodySchema,
  batchResultSchema,
  hashParamsSchema,
  receiptSchema,
  type SubmitAccepted,
  type SubmitCommitted,
  submitAcceptedSchema,
  submitBodySchema,
  submitCommittedSchema,
  submitQuerySchema,
  type TxStatus,
  txStatusSchema,
} from "../schemas.js";
import { hexToBytes } from "./common.js";

const ADMISSION_ERRORS = [
  "TX_MALFORMED",
  "TX_TOO_LARGE",
  "TX_BAD_SIGNATURE",
  "TX_WRONG_CHAIN",
  "TX_UNKNOWN_TYPE",
  "TX_FEE_TOO_LOW",
  "TX_BAD_NONCE",
  "TX_INVALID_MESSAGE",
  "MEMPOOL_FULL",
  "MEMPOOL_DUPLICATE",
  "ENGINE_STOPPED",
];

export const submitTxRoute: Route = defineRoute({
  method: "POST",
  url: "/txs",
  summary: "Submit a signed transaction; ?wait=commit answers once it is in a committed block",
  query: submitQuerySchema,
  body: submitBodySchema,
  responses: [
    { status: 202, description: "admitted to the mempool (wait=none)", schema: submitAcceptedSchema },
    {
      status: 200,
      description: "committed (wait=commit); result.code may still be non-zero",
      schema: submitCommittedSchema,
    },
  ],
  errors: [...ADMISSION_ERRORS, "ENGINE_TIMEOUT"],
  async handler({ query, body }, ctx) {
    const r = await ctx.node.engine.submit(hexToBytes(body.tx));
    if (r.code !== 0) {
      const code = r.errorCode || CommonErrors.INTERNAL;
      ctx.metrics.txRejected(code, "checktx");
      return errorReply(new ConsortiaError(code, r.log, { hash: r.hash, abciCode: r.code }));
    }
    if (query.wait !== "commit") return jsonReply({ hash: r.hash, code: 0 } satisfies SubmitAccepted, 202);
    const c = await waitCommitted(ctx, r.hash);
    const out: SubmitCommitted = {
      hash: c.hash,
      height: c.height.toString(),
      index: c.index,
      result: txResultToJson(c.result),
    };
    return jsonReply(out);
  },
});

export const submitBatchRoute: Route = defineRoute({
  method: "POST",
  url: "/txs/batch",
  summary: "Submit up to 10,000 signed transactions; each gets its own admission result",
  body: batchBodySchema,
  responses: [
    { status: 200, description: "one result per transaction, in order", schema: batchResultSchema },
  ],
  async handler({ body }, ctx) {
    const results = await ctx.node.engine.submitBatch(body.txs.map(hexToBytes));
    for (const r of results)
      if (r.code !== 0) ctx.metrics.txRejected(r.errorCode || CommonErrors.INTERNAL, "checktx");
    const out: BatchResult = {
      results: results.map((r) => ({ hash: r.hash, code: r.code, errorCode: r.errorCode, log: r.log })),
    };
    return jsonReply(out);
  },
});

export const getTxRoute: Route = defineRoute({
  method: "GET",
  url: "/txs/:hash",
  summary: "Status of a transaction: committed (with its result) or pending",
  params: hashParamsSchema,
  responses: [{ status: 200, description: "committed or pending", schema: txStatusSchema }],
  errors: [ApiErrors.TX_NOT_FOUND],
  async handler({ params }, ctx) {
    const hash = params.hash.toLowerCase();
    const loc = await ctx.node.store.getTxLocation(hash);
    if (loc) {
      const block = await ctx.node.store.getBlock(loc.height);
      const result = block?.results[loc.index];
      if (result) {
        const out: TxStatus = {
          hash,
          status: "committed",
          height: loc.height.toString(),
          index: loc.index,
          result: txResultToJson(result),
        };
        return jsonReply(out);
      }
    }
    if (isPending(ctx.node.engine, hash)) return jsonReply({ hash, status: "pending" } satisfies TxStatus);
    throw new ConsortiaError(ApiErrors.TX_NOT_FOUND, `transaction ${hash} is neither committed nor pending`, {
      hash,
    });
  },
});

export const getReceiptRoute: Route = defineRoute({
  method: "GET",
  url: "/txs/:hash/receipt",
  summary: "Inclusion receipt of a committed transaction, verifiable offline",
  params: hashParamsSchema,
  responses: [{ status: 200, description: "receipt (src/ledger/receipt.ts)", schema: receiptSchema }],
  errors: [ApiErrors.TX_NOT_FOUND, ApiErrors.RECEIPT_UNAVAILABLE],
  async handler({ params }, ctx) {
    const o = ctx.node.options;
    const comet = o.engine === "cometbft" ? { cometRpcUrl: `http://127.0.0.1:${o.cometbft.rpcPort}` } : {};
    return jsonReply(await buildReceipt(ctx.node.store, ctx.node.app.chainId, params.hash, comet));
  },
});

/**
 * Waits for the commit; on timeout looks in the block index once more, so a commit that raced
 * the waiter's registration (possible with an out-of-process engine) is still reported.
 */
async function waitCommitted(ctx: ApiContext, hash: string): Promise<CommittedTx> {
  try {
    return await ctx.node.engine.waitForCommit(hash, ctx.opts.commitTimeoutMs);
  } catch (err) {
    if (!isConsortiaError(err, EngineErrors.ENGINE_TIMEOUT)) throw err;
    const loc = await ctx.node.store.getTxLocation(hash);
    const result = loc ? (await ctx.node.store.getBlock(loc.height))?.results[loc.index] : undefined;
    if (loc && result) return { hash, height: loc.height, index: loc.index, result };
    throw new ConsortiaError(EngineErrors.ENGINE_TIMEOUT, err.message, {
      hash,
      timeoutMs: ctx.opts.commitTimeoutMs,
    });
  }
}

function isPending(engine: TxEngine, hash: string): boolean {
  return engine.isPending(hash);
}
