/**
 * Receipts from the node's own block store: locate the transaction, load its block, decode the
 * stored header and prove the transaction's hash under the header's data_hash (CometBFT Data.Hash,
 * whose leaves are the tx hashes). Shared by the API and the CLI.
 */
import { ApiErrors } from "../api/errors.js";
import type { StoredTxResult } from "../codec/block.js";
import { ConsortiaError } from "../errors.js";
import { type Commit, parseSignedHeaderJson, parseValidatorsJson, type Validator } from "../ledger/commit.js";
import { type BlockHeader, decodeHeader } from "../ledger/header.js";
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
export interface ReceiptOptions {
  /**
   * CometBFT RPC of this node (engine "cometbft"): CometBFT does not hand headers to the app over
   * ABCI, so the receipt takes the signed header and the validator set of that height from it, and
   * then carries the commit — verify-receipt checks > 2/3 of the voting power signed the header.
   */
  readonly cometRpcUrl?: string;
  readonly timeoutMs?: number;
}

export async function buildReceipt(
  store: ReceiptSource,
  chainId: string,
  txHashHex: string,
  opts: ReceiptOptions = {},
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
  if (block.header.length === 0 && opts.cometRpcUrl !== undefined) {
    const { header, commit, validators } = await signedHeaderFromComet(
      opts.cometRpcUrl,
      loc.height,
      opts.timeoutMs ?? 5000,
    );
    if (header.chainId !== chainId) {
      throw new ConsortiaError(
        ApiErrors.RECEIPT_UNAVAILABLE,
        `CometBFT answered for chain ${header.chainId}`,
        { hash },
      );
    }
    return buildReceiptDocument({
      header,
      txs: block.txs,
      txIndex: loc.index,
      result: receiptResult(result),
      commit,
      validators,
    });
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

/** Signed header (header + commit) and the validator set of `height`, from CometBFT's RPC. */
async function signedHeaderFromComet(
  rpcUrl: string,
  height: bigint,
  timeoutMs: number,
): Promise<{ header: BlockHeader; commit: Commit; validators: Validator[] }> {
  const get = async (path: string): Promise<unknown> => {
    try {
      const r = await fetch(`${rpcUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      return (await r.json()) as unknown;
    } catch (err) {
      throw new ConsortiaError(
        ApiErrors.RECEIPT_UNAVAILABLE,
        `CometBFT RPC ${path} failed: ${String(err)}`,
        {},
        { cause: err },
      );
    }
  };
  const { header, commit } = parseSignedHeaderJson(await get(`/commit?height=${height}`));
  // One page of up to 100 validators covers every consortium we run (the Energy paper's 51).
  const validators = parseValidatorsJson(await get(`/validators?height=${height}&per_page=100`));
  return { header, commit, validators };
}
