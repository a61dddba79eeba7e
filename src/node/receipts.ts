/**
 * Receipts from the node's own block store: locate the transaction, load its block, decode the
 * stored header and prove the transaction's hash under the header's data_hash (CometBFT Data.Hash,
 * whose leaves are the tx hashes). Shared by the API and the CLI.
 */
import { ApiErrors } from "../api/errors.js";
import type { StoredTxResult } from "../codec/block.js";
import { ConsortiaError } from "../errors.js";
import { decodeHeader } from "../ledger/header.js";
import {
  buildReceipt as buildReceiptDocument,
  type Receipt,
  type ReceiptResultJson,
} from "../ledger/receipt.js";
import type { ChainStore } from "../storage/chainStore.js";

/** The parts of ChainStore a receipt needs (tests may pass a fake). */
export type ReceiptSource = Pick<ChainStore, "getTxLocation" | "getBlock">;

export function receiptResult(r: StoredTxResult): ReceiptResultJson {
  return {
    code: r.code,
    // CometBFT's codespace names where a failure came from; our stable error code says exactly that.
    ...(r.errorCode !== "" ? { codespace: r.errorCode } : {}),
    log: r.log,
    events: r.events.map((e) => ({
      type: e.type,
      attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })),
    })),
  };
}

/**
 * Builds the receipt of a committed transaction. TX_NOT_FOUND when it is not committed;
 * RECEIPT_UNAVAILABLE when its block was stored without a header (an engine that keeps headers
 * elsewhere) or belongs to another chain.
 */
export async function buildReceipt(
  store: ReceiptSource,
  chainId: string,
  txHashHex: string,
): Promise<Receipt> {
  const hash = txHashHex.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    throw new ConsortiaError(ApiErrors.API_BAD_REQUEST, "txHash must be 32 bytes of hex (64 characters)", {
      field: "txHash",
    });
  }
  const loc = await store.getTxLocation(hash);
  if (!loc)
    throw new ConsortiaError(ApiErrors.TX_NOT_FOUND, `transaction ${hash} is not committed`, { hash });
  const block = await store.getBlock(loc.height);
  const result = block?.results[loc.index];
  if (!block || result === undefined) {
    throw new ConsortiaError(
      ApiErrors.TX_NOT_FOUND,
      `block ${loc.height} holding transaction ${hash} is missing`,
      {
        hash,
        height: loc.height.toString(),
      },
    );
  }
  if (block.header.length === 0) {
    throw new ConsortiaError(
      ApiErrors.RECEIPT_UNAVAILABLE,
      `block ${loc.height} was stored without its header`,
      {
        hash,
        height: loc.height.toString(),
      },
    );
  }
  const header = decodeHeader(block.header);
  if (header.chainId !== chainId) {
    throw new ConsortiaError(
      ApiErrors.RECEIPT_UNAVAILABLE,
      `block ${loc.height} belongs to chain ${header.chainId}, not ${chainId}`,
      { hash, chainId: header.chainId },
    );
  }
  return buildReceiptDocument({ header, txs: block.txs, txIndex: loc.index, result: receiptResult(result) });
}
