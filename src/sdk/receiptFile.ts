/**
 * Offline receipt checking for clients: a receipt saved from GET /txs/:hash/receipt is verified
 * with src/ledger/receipt.ts, with no node involved.
 */
import { ConsortiaError } from "../errors.js";
import {
  ReceiptErrors,
  type ReceiptVerification,
  type VerifyReceiptOptions,
  verifyReceipt,
} from "../ledger/receipt.js";

/**
 * Generous for a receipt (a 200-validator commit is ~40 KiB) but bounds what a hostile file can
 * make the parser allocate; transactions up to the 4 MiB maxTxBytes cap fit as hex.
 */
export const MAX_RECEIPT_FILE_BYTES = 16 * 1024 * 1024;

/** Parses receipt JSON text and verifies it; RECEIPT_MALFORMED when the text is not JSON. */
export function verifyReceiptText(text: string, opts: VerifyReceiptOptions = {}): ReceiptVerification {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConsortiaError(
      ReceiptErrors.RECEIPT_MALFORMED,
      `receipt is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      { issues: [{ path: "(root)", message: "not JSON" }] },
    );
  }
  return verifyReceipt(json, opts);
}

/** The receipt document as saved by `consortia query receipt --out`: pretty JSON plus a newline. */
export function formatReceiptFile(receipt: unknown): string {
  return `${JSON.stringify(receipt, null, 2)}\n`;
}
