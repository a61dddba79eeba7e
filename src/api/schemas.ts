/**
 * Every shape that crosses the HTTP boundary, as zod schemas. Request schemas validate input;
 * response schemas document the answers (OpenAPI) and give the SDK its types. Request schemas do
 * not transform, so the OpenAPI input and output views of them are the same.
 */
import { z } from "zod";

const U64_MAX = (1n << 64n) - 1n;

/** Largest batch POST /txs/batch takes. */
export const MAX_BATCH_TXS = 10_000;

// ---- atoms ---------------------------------------------------------------------------------------

export const zHash = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, "must be 32 bytes of hex (64 characters)")
  .describe("32-byte hash, hex (either case; answers use lowercase)");

export const zAddressText = z
  .string()
  .regex(/^[0-9a-f]{40}$/, "must be an address: exactly 40 lowercase hex characters")
  .describe("account address: 40 lowercase hex characters");

export const zHeightText = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, "must be a decimal integer string without sign or leading zeros")
  // zod runs refinements after a failed regex too; only judge strings the regex let through.
  .refine((s) => !/^[0-9]+$/.test(s) || BigInt(s) <= U64_MAX, "must fit in uint64")
  .describe("block height, decimal string");

export const zTxHex = z
  .string()
  .min(2, "must not be empty")
  .regex(/^(?:[0-9a-fA-F]{2})+$/, "must be an even-length hex string")
  .describe("raw signed transaction, hex");

/** bigint on the wire. */
const zDecimal = z
  .string()
  .regex(/^-?(0|[1-9][0-9]*)$/)
  .describe("integer as a decimal string");
const zHexOut = z
  .string()
  .regex(/^(?:[0-9a-f]{2})*$/)
  .describe("bytes, lowercase hex");

// ---- requests ------------------------------------------------------------------------------------

export const waitSchema = z.enum(["none", "commit"]);

export const submitQuerySchema = z.strictObject({ wait: waitSchema.optional() });
export const submitBodySchema = z.strictObject({ tx: zTxHex });
export const batchBodySchema = z.strictObject({
  txs: z
    .array(zTxHex)
    .min(1, "must hold at least one transaction")
    .max(MAX_BATCH_TXS, `must hold at most ${MAX_BATCH_TXS} transactions`),
});
export const hashParamsSchema = z.strictObject({ hash: zHash });
export const heightParamsSchema = z.strictObject({ height: zHeightText });
export const addressParamsSchema = z.strictObject({ address: zAddressText });
export const emptySchema = z.strictObject({});

const QUERY_SEGMENT = /^[A-Za-z0-9._:-]{1,128}$/;
export const queryPathParamsSchema = z.strictObject({
  "*": z
    .string()
    .max(1024, "must be at most 1024 characters")
    .refine((p) => {
      const segs = p.split("/");
      return segs.length >= 1 && segs.length <= 16 && segs.every((s) => QUERY_SEGMENT.test(s));
    }, "must be 1–16 '/'-separated segments of [A-Za-z0-9._:-]{1,128}"),
});
export const queryParamsSchema = z
  .record(z.string().max(64), z.string().max(1024, "must be at most 1024 characters"))
  .refine((r) => Object.keys(r).length <= 32, "at most 32 query parameters");

export const eventsQuerySchema = z.strictObject({
  types: z
    .string()
    .regex(/^(block|tx)(,(block|tx))*$/, "must be a comma-separated list of: block, tx")
    .optional(),
});

// ---- responses -----------------------------------------------------------------------------------

export const errorBodySchema = z.object({
  code: z.string().describe("stable error code, e.g. TX_BAD_NONCE"),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const healthSchema = z.object({
  status: z.literal("ok"),
  chainId: z.string(),
  height: zDecimal,
  engine: z.enum(["solo", "cometbft"]),
  mempool: z.number().int(),
  moniker: z.string(),
  uptimeMs: z.number().int(),
});

export const chainSchema = z.object({
  chainId: z.string(),
  denom: z.string(),
  decimals: z.number().int(),
  params: z.record(z.string(), z.unknown()),
  messageTypes: z.array(z.string()),
  genesisTime: z.string().describe("RFC 3339"),
});

export const eventSchema = z.object({
  type: z.string(),
  attributes: z.array(z.object({ key: z.string(), value: z.string() })),
});

export const txResultSchema = z.object({
  code: z.number().int().describe("0 = success, else the numeric ABCI code"),
  errorCode: z.string().describe("stable error code, empty on success"),
  log: z.string(),
  data: zHexOut,
  gasWanted: zDecimal,
  gasUsed: zDecimal,
  events: z.array(eventSchema),
});

export const submitAcceptedSchema = z.object({ hash: zHexOut, code: z.literal(0) });
export const submitCommittedSchema = z.object({
  hash: zHexOut,
  height: zDecimal,
  index: z.number().int(),
  result: txResultSchema,
});

export const batchResultSchema = z.object({
  results: z.array(
    z.object({ hash: zHexOut, code: z.number().int(), errorCode: z.string(), log: z.string() }),
  ),
});

export const txStatusSchema = z.object({
  hash: zHexOut,
  status: z.enum(["committed", "pending"]),
  height: zDecimal.optional(),
  index: z.number().int().optional(),
  result: txResultSchema.optional(),
});

const zHexUpper = z.string().regex(/^(?:[0-9A-F]{2})*$/);
export const headerJsonSchema = z.object({
  version: z.object({ block: z.string(), app: z.string() }),
  chain_id: z.string(),
  height: z.string(),
  time: z.string(),
  last_block_id: z.object({ hash: zHexUpper, parts: z.object({ total: z.number().int(), hash: zHexUpper }) }),
  last_commit_hash: zHexUpper,
  data_hash: zHexUpper,
  validators_hash: zHexUpper,
  next_validators_hash: zHexUpper,
  consensus_hash: zHexUpper,
  app_hash: zHexUpper,
  last_results_hash: zHexUpper,
  evidence_hash: zHexUpper,
  proposer_address: zHexUpper,
});

export const receiptSchema = z
  .looseObject({
    format: z.literal("consortia-receipt/1"),
    chainId: z.string(),
    height: z.string(),
    txIndex: z.number().int(),
    tx: zHexUpper,
    txHash: zHexUpper,
    result: z.looseObject({
      code: z.number().int(),
      codespace: z.string().optional(),
      log: z.string().optional(),
    }),
    proof: z.object({
      total: z.number().int(),
      index: z.number().int(),
      leafHash: zHexUpper,
      aunts: z.array(zHexUpper),
    }),
    header: headerJsonSchema,
  })
  .describe("src/ledger/receipt.ts format; verify offline with `consortia verify-receipt`");

export const blockSchema = z.object({
  height: zDecimal,
  hash: zHexOut,
  timeMs: zDecimal,
  time: z.string().describe("RFC 3339"),
  appHash: zHexOut.describe("app hash after executing this block"),
  proposer: zHexOut,
  header: headerJsonSchema
    .nullable()
    .describe("CometBFT JSON form; null when the engine did not hand it over"),
  txs: z.array(z.object({ hash: zHexOut, code: z.number().int(), errorCode: z.string() })),
});

export const identitySchema = z.looseObject({
  address: z.string(),
  role: z.string(),
  subject: zHexOut,
  publicKey: zHexOut,
  ca: zHexOut,
  serial: zDecimal,
  notAfterMs: zDecimal,
  registeredHeight: zDecimal,
  revoked: z.boolean(),
  revokedHeight: zDecimal,
});

export const accountSchema = z.object({
  address: z.string(),
  balance: zDecimal,
  nonce: zDecimal.describe("the next nonce this account must use, by the committed state"),
  pendingNonce: zDecimal
    .optional()
    .describe("the next nonce counting transactions this node admitted but has not committed yet"),
  identity: identitySchema.nullable(),
});

export const queryResultSchema = z.object({ height: zDecimal, value: z.unknown() });

export const blockEventSchema = z.object({
  height: zDecimal,
  hash: zHexOut,
  timeMs: zDecimal,
  txs: z.number().int().describe("number of transactions in the block"),
  appHash: zHexOut,
});

export const txEventSchema = z.object({
  hash: zHexOut,
  height: zDecimal,
  index: z.number().int(),
  code: z.number().int(),
  errorCode: z.string(),
  events: z.array(eventSchema),
});

export type ErrorBody = z.infer<typeof errorBodySchema>;
export type Health = z.infer<typeof healthSchema>;
export type ChainInfo = z.infer<typeof chainSchema>;
export type TxResultJson = z.infer<typeof txResultSchema>;
export type SubmitAccepted = z.infer<typeof submitAcceptedSchema>;
export type SubmitCommitted = z.infer<typeof submitCommittedSchema>;
export type BatchResult = z.infer<typeof batchResultSchema>;
export type TxStatus = z.infer<typeof txStatusSchema>;
export type ReceiptJson = z.infer<typeof receiptSchema>;
export type BlockJson = z.infer<typeof blockSchema>;
export type IdentityJson = z.infer<typeof identitySchema>;
export type AccountJson = z.infer<typeof accountSchema>;
export type QueryResultJson = z.infer<typeof queryResultSchema>;
export type BlockEventJson = z.infer<typeof blockEventSchema>;
export type TxEventJson = z.infer<typeof txEventSchema>;
export type WaitMode = z.infer<typeof waitSchema>;
