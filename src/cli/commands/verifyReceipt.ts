import type { Command } from "commander";
import { MAX_RECEIPT_FILE_BYTES, verifyReceiptText } from "../../sdk/receiptFile.js";
import { readInputFile } from "../files.js";
import { chainIdFlag, hexFlag } from "../flags.js";
import { emit, run, usageErrorsOn, verdict } from "../run.js";

interface VerifyFlags {
  readonly trustedHeaderHash?: string;
  readonly chainId?: string;
  readonly json?: boolean;
}

export function registerVerifyReceiptCommand(program: Command): void {
  usageErrorsOn(
    program
      .command("verify-receipt")
      .description(
        "verify a transaction receipt offline: tx hash, Merkle proof to the block's data hash, header hash, and the validators' commit signatures (> 2/3 power)",
      ),
  )
    .argument("<file>", "receipt JSON, e.g. saved by `consortia query receipt HASH --out FILE`")
    .option(
      "--trusted-header-hash <hex>",
      "block hash of the receipt's height from a source you trust; without it (or trusted validators) only internal consistency is shown",
    )
    .option("--chain-id <id>", "reject receipts from any other chain")
    .option("--json", "print one JSON object")
    .addHelpText(
      "after",
      "\nExit status: 0 verified, 1 verification failed (the error code says which check), 2 bad usage.\n" +
        "\nExample:\n  consortia verify-receipt receipt.json --trusted-header-hash 6F1C…E2",
    )
    .action((file: string, opts: VerifyFlags) =>
      run(opts, async () => {
        const trustedHeaderHash =
          opts.trustedHeaderHash === undefined
            ? undefined
            : hexFlag(opts.trustedHeaderHash, "--trusted-header-hash", 32);
        const chainId = opts.chainId === undefined ? undefined : chainIdFlag(opts.chainId, "--chain-id");
        const v = await verdict(opts, async () =>
          verifyReceiptText(await readInputFile(file, "receipt file", MAX_RECEIPT_FILE_BYTES), {
            ...(trustedHeaderHash !== undefined ? { trustedHeaderHash } : {}),
            ...(chainId !== undefined ? { chainId } : {}),
          }),
        );
        const anchorText =
          v.anchor === "none"
            ? "none: internally consistent only; pass --trusted-header-hash to prove inclusion"
            : v.anchor;
        emit(opts, v, [
          "OK",
          `  height      ${v.height}`,
          `  tx hash     ${v.txHash}`,
          `  block hash  ${v.blockHash}`,
          `  commit      ${v.commitVerified ? "verified (> 2/3 of voting power signed)" : "not included"}`,
          `  anchor      ${anchorText}`,
        ]);
      }),
    );
}
