/**
 * Transaction receipts: a self-contained JSON document showing that a transaction was included
 * in a block, checkable offline and identically for blocks made by CometBFT or by the solo engine.
 *
 *   tx --sha256--> txHash --Merkle proof--> header.data_hash --Header.Hash--> block hash
 *                                                        commit signatures (> 2/3 power) --^
 *
 * What a receipt proves depends on the trust anchor the verifier brings (docs/ledger.md): with a
 * trusted block hash or a trusted validator set it proves inclusion; without one it only proves
 * the document is internally consistent. `result` is informational: it is not covered by any hash
 * checked here (CometBFT commits to results one block later, in last_results_hash).
 */
import { Buffer } from "node:buffer";
import { z } from "zod";
import { ConsortiaError, registerErrorCodes } from "../errors.js";
import { toHexUpper, zHash32Hex, zHex, zInt64String, zodIssues } from "./cometbft-json.js";
import {
  type Commit,
  type CommitJson,
  commitJsonSchema,
  commitToJson,
  type Validator,
  type ValidatorJson,
  validatorJsonSchema,
  validatorsToJson,
  verifyCommit,
} from "./commit.js";
import {
  type BlockHeader,
  bytesEqual,
  dataHash,
  type HeaderJson,
  headerHash,
  headerJsonSchema,
  headerToJson,
  txHash,
} from "./header.js";
import { type MerkleProof, merkleProof, verifyMerkleProof } from "./merkle.js";

export const ReceiptErrors = registerErrorCodes({
  RECEIPT_MALFORMED: { num: 330, http: 400 },
  RECEIPT_TX_HASH_MISMATCH: { num: 331, http: 422 },
  RECEIPT_PROOF_INVALID: { num: 332, http: 422 },
  RECEIPT_HEADER_MISMATCH: { num: 333, http: 422 },
  RECEIPT_CHAIN_MISMATCH: { num: 334, http: 422 },
  RECEIPT_COMMIT_MISSING: { num: 335, http: 422 },
});

export const RECEIPT_FORMAT = "consortia-receipt/1";

export interface ReceiptEventJson {
  type: string;
  attributes: { key: string; value: string; index?: boolean }[];
}

export interface ReceiptResultJson {
  code: number;
  codespace?: string;
  log?: string;
  events?: ReceiptEventJson[];
}

export interface ReceiptProofJson {
  total: number;
  index: number;
  leafHash: string;
  aunts: string[];
}

/** The receipt document (JSON). Hex is uppercase on output; either case is accepted. */
export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  chainId: string;
  /** Decimal string. */
  height: string;
  txIndex: number;
  /** Hex of the raw transaction bytes. */
  tx: string;
  /** sha256(tx), hex: the id CometBFT's RPC uses. */
  txHash: string;
  result: ReceiptResultJson;
  proof: ReceiptProofJson;
  header: HeaderJson;
  commit?: CommitJson;
  validators?: ValidatorJson[];
}

const MAX_TX_INDEX = 2 ** 31 - 1;

const eventSchema = z.object({
  type: z.string(),
  attributes: z.array(z.object({ key: z.string(), value: z.string(), index: z.boolean().optional() })),
});

const receiptSchema = z.strictObject({
  format: z.literal(RECEIPT_FORMAT),
  chainId: z.string().min(1),
  height: zInt64String.refine((h) => h > 0n, "must be positive"),
  txIndex: z.number().int().min(0).max(MAX_TX_INDEX),
  tx: zHex(),
  txHash: zHash32Hex,
  result: z.object({
    code: z.number().int().min(0).max(0xffff_ffff),
    codespace: z.string().optional(),
    log: z.string().optional(),
    events: z.array(eventSchema).optional(),
  }),
  proof: z.strictObject({
    total: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    index: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    leafHash: zHash32Hex,
    aunts: z.array(zHash32Hex).max(100),
  }),
  header: headerJsonSchema,
  commit: commitJsonSchema.optional(),
  validators: z.array(validatorJsonSchema).optional(),
});

export interface ParsedReceipt {
  readonly chainId: string;
  readonly height: bigint;
  readonly txIndex: number;
  readonly tx: Uint8Array;
  readonly txHash: Uint8Array;
  readonly result: ReceiptResultJson;
  readonly proof: MerkleProof;
  readonly header: BlockHeader;
  readonly commit?: Commit;
  readonly validators?: readonly Validator[];
}

/** Parses a receipt from untrusted JSON; RECEIPT_MALFORMED names the first offending field. */
export function parseReceipt(input: unknown): ParsedReceipt {
  const res = receiptSchema.safeParse(input);
  if (!res.success) {
    const issues = zodIssues(res.error);
    const first = issues[0];
    throw new ConsortiaError(
      ReceiptErrors.RECEIPT_MALFORMED,
      `receipt invalid at ${first?.path || "(root)"}: ${first?.message ?? "unknown"}`,
      { issues },
    );
  }
  const r = res.data;
  const base = {
    chainId: r.chainId,
    height: r.height,
    txIndex: r.txIndex,
    tx: r.tx,
    txHash: r.txHash,
    result: r.result as ReceiptResultJson,
    proof: r.proof,
    header: r.header,
  };
  return {
    ...base,
    ...(r.commit === undefined ? {} : { commit: r.commit }),
    ...(r.validators === undefined ? {} : { validators: r.validators }),
  };
}

export interface VerifyReceiptOptions {
  /** The block hash of `height` learned from a source the verifier trusts. */
  readonly trustedHeaderHash?: Uint8Array;
  /** The validator set of `height` learned from a source the verifier trusts. */
  readonly trustedValidators?: readonly Validator[];
  /** Reject receipts from any other chain. */
  readonly chainId?: string;
}

/** What the verification rested on; "none" means only internal consistency was shown. */
export type ReceiptAnchor = "trusted-header-hash" | "trusted-validators" | "none";

export interface ReceiptVerification {
  readonly ok: true;
  readonly height: bigint;
  /** Uppercase hex. */
  readonly txHash: string;
  /** Uppercase hex of headerHash(header). */
  readonly blockHash: string;
  readonly commitVerified: boolean;
  readonly anchor: ReceiptAnchor;
}

function receiptError(
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): ConsortiaError {
  return new ConsortiaError(code, message, details, cause === undefined ? undefined : { cause });
}

function hashHeader(header: BlockHeader): Uint8Array {
  try {
    return headerHash(header);
  } catch (err) {
    throw receiptError(
      ReceiptErrors.RECEIPT_MALFORMED,
      "receipt header cannot be hashed: header.validators_hash is empty",
      {},
      err,
    );
  }
}

/**
 * Verifies a receipt document (a parsed JSON value, e.g. from a file) and returns what it established; throws
 * RECEIPT_* for receipt-level failures and COMMIT_* (from verifyCommit) for commit failures.
 */
export function verifyReceipt(input: unknown, opts: VerifyReceiptOptions = {}): ReceiptVerification {
  const r = parseReceipt(input);
  const { header } = r;
  if (opts.chainId !== undefined && r.chainId !== opts.chainId) {
    throw receiptError(
      ReceiptErrors.RECEIPT_CHAIN_MISMATCH,
      `receipt.chainId "${r.chainId}" is not the expected "${opts.chainId}"`,
    );
  }
  if (header.chainId !== r.chainId) {
    throw receiptError(
      ReceiptErrors.RECEIPT_CHAIN_MISMATCH,
      `header.chain_id "${header.chainId}" is not receipt.chainId "${r.chainId}"`,
    );
  }
  if (header.height !== r.height) {
    throw receiptError(
      ReceiptErrors.RECEIPT_HEADER_MISMATCH,
      `header.height ${header.height} is not receipt.height ${r.height}`,
      {
        field: "height",
      },
    );
  }
  const computedTxHash = txHash(r.tx);
  if (!bytesEqual(computedTxHash, r.txHash)) {
    throw receiptError(
      ReceiptErrors.RECEIPT_TX_HASH_MISMATCH,
      `receipt.txHash ${toHexUpper(r.txHash)} is not sha256(tx) ${toHexUpper(computedTxHash)}`,
    );
  }
  if (r.proof.index !== r.txIndex) {
    throw receiptError(
      ReceiptErrors.RECEIPT_PROOF_INVALID,
      `proof.index ${r.proof.index} is not receipt.txIndex ${r.txIndex}`,
      {
        reason: "index",
      },
    );
  }
  try {
    verifyMerkleProof(r.proof, header.dataHash, r.txHash);
  } catch (err) {
    const reason = err instanceof ConsortiaError ? err.details.reason : undefined;
    throw receiptError(
      ReceiptErrors.RECEIPT_PROOF_INVALID,
      `proof does not show txHash under header.data_hash: ${err instanceof Error ? err.message : String(err)}`,
      { reason },
      err,
    );
  }
  const blockHash = hashHeader(header);
  let anchor: ReceiptAnchor = "none";
  if (opts.trustedHeaderHash !== undefined) {
    if (!bytesEqual(blockHash, opts.trustedHeaderHash)) {
      throw receiptError(
        ReceiptErrors.RECEIPT_HEADER_MISMATCH,
        `header hashes to ${toHexUpper(blockHash)}, not the trusted block hash ${toHexUpper(opts.trustedHeaderHash)}`,
        { field: "header" },
      );
    }
    anchor = "trusted-header-hash";
  }
  // A trusted set may come in any order; CometBFT hashes it in set order (power desc, address asc).
  const validators = opts.trustedValidators ? canonicalValidatorOrder(opts.trustedValidators) : r.validators;
  let commitVerified = false;
  if (r.commit !== undefined) {
    if (validators === undefined) {
      throw receiptError(
        ReceiptErrors.RECEIPT_MALFORMED,
        "receipt.validators is required when receipt.commit is present",
        {
          issues: [{ path: "validators", message: "required with commit" }],
        },
      );
    }
    verifyCommit({ chainId: r.chainId, header, commit: r.commit, validators });
    commitVerified = true;
    if (opts.trustedValidators !== undefined && anchor === "none") anchor = "trusted-validators";
  } else if (opts.trustedValidators !== undefined) {
    throw receiptError(
      ReceiptErrors.RECEIPT_COMMIT_MISSING,
      "trustedValidators were given but the receipt has no commit to check them against",
    );
  }
  return {
    ok: true,
    height: r.height,
    txHash: toHexUpper(r.txHash),
    blockHash: toHexUpper(blockHash),
    commitVerified,
    anchor,
  };
}

export interface BuildReceiptArgs {
  readonly header: BlockHeader;
  /** Every transaction of the block, in block order. */
  readonly txs: readonly Uint8Array[];
  readonly txIndex: number;
  readonly result: ReceiptResultJson;
  readonly commit?: Commit;
  readonly validators?: readonly Validator[];
}

/** Builds the receipt for txs[txIndex]; refuses when `txs` is not the block's transaction list. */
export function buildReceipt(args: BuildReceiptArgs): Receipt {
  const { header, txs, txIndex } = args;
  const tx = txs[txIndex];
  if (tx === undefined || !Number.isInteger(txIndex)) {
    throw receiptError(
      ReceiptErrors.RECEIPT_MALFORMED,
      `txIndex must be in [0, ${txs.length}), got ${txIndex}`,
      { field: "txIndex" },
    );
  }
  const root = dataHash(txs);
  if (!bytesEqual(root, header.dataHash)) {
    throw receiptError(
      ReceiptErrors.RECEIPT_HEADER_MISMATCH,
      `txs hash to ${toHexUpper(root)}, not header.dataHash ${toHexUpper(header.dataHash)}`,
      { field: "txs" },
    );
  }
  const proof = merkleProof(txs.map(txHash), txIndex);
  const receipt: Receipt = {
    format: RECEIPT_FORMAT,
    chainId: header.chainId,
    height: header.height.toString(),
    txIndex,
    tx: Buffer.from(tx.buffer, tx.byteOffset, tx.byteLength).toString("hex").toUpperCase(),
    txHash: toHexUpper(txHash(tx)),
    result: args.result,
    proof: {
      total: proof.total,
      index: proof.index,
      leafHash: toHexUpper(proof.leafHash),
      aunts: proof.aunts.map(toHexUpper),
    },
    header: headerToJson(header),
  };
  if (args.commit !== undefined) receipt.commit = commitToJson(args.commit);
  if (args.validators !== undefined) receipt.validators = validatorsToJson(args.validators);
  return receipt;
}

/** CometBFT's validator-set order: voting power descending, then address ascending. */
export function canonicalValidatorOrder(vals: readonly Validator[]): Validator[] {
  return [...vals].sort((a, b) =>
    a.power !== b.power
      ? a.power > b.power
        ? -1
        : 1
      : Buffer.compare(Buffer.from(a.address), Buffer.from(b.address)),
  );
}
