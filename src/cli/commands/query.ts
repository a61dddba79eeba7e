import type { Command } from "commander";
import { formatReceiptFile } from "../../sdk/receiptFile.js";
import { API_HELP, apiClient } from "../api.js";
import { writeOutputFile } from "../files.js";
import { addressFlag, hashFlag, u64Flag } from "../flags.js";
import { emit, run, usageErrorsOn } from "../run.js";

interface QueryFlags {
  readonly api?: string;
  readonly json?: boolean;
}

function queryCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option("--api <url>", API_HELP)
    .option("--json", "print one JSON object");
}

/** Query answers are structured data: pretty JSON reads fine for people too. */
function show(opts: QueryFlags, value: unknown): void {
  emit(opts, value, [JSON.stringify(value, null, 2)]);
}

export function registerQueryCommands(program: Command): void {
  const query = usageErrorsOn(program.command("query").description("read chain state from a node's API"));

  queryCommand(query, "block", "show a block (height, hash, time, app hash, header, transactions)")
    .argument("<height>", "block height, or 'latest'")
    .addHelpText("after", "\nExample:\n  consortia query block latest")
    .action((height: string, opts: QueryFlags) =>
      run(opts, async () => {
        const h = height === "latest" ? "latest" : u64Flag(height, "height");
        show(opts, await apiClient(opts.api).getBlock(h));
      }),
    );

  queryCommand(query, "tx", "show a transaction's status (committed with its result, or pending)")
    .argument("<hash>", "transaction hash (64 hex characters)")
    .addHelpText("after", "\nExample:\n  consortia query tx 9c1e…04")
    .action((hash: string, opts: QueryFlags) =>
      run(opts, async () => {
        show(opts, await apiClient(opts.api).getTx(hashFlag(hash, "hash")));
      }),
    );

  queryCommand(query, "account", "show an address's balance, next nonce and identity")
    .argument("<address>", "address (40 lowercase hex characters)")
    .addHelpText("after", "\nExample:\n  consortia query account 3f9a…c2")
    .action((address: string, opts: QueryFlags) =>
      run(opts, async () => {
        addressFlag(address, "address");
        show(opts, await apiClient(opts.api).getAccount(address));
      }),
    );

  queryCommand(
    query,
    "identity",
    "show an address's identity record (role, pseudonymous subject, CA, serial, revocation)",
  )
    .argument("<address>", "address (40 lowercase hex characters)")
    .addHelpText("after", "\nExample:\n  consortia query identity 3f9a…c2")
    .action((address: string, opts: QueryFlags) =>
      run(opts, async () => {
        addressFlag(address, "address");
        show(opts, await apiClient(opts.api).getIdentity(address));
      }),
    );

  queryCommand(
    query,
    "receipt",
    "fetch a committed transaction's inclusion receipt; --out saves it for `consortia verify-receipt`",
  )
    .argument("<hash>", "transaction hash (64 hex characters)")
    .option("--out <file>", "save the receipt JSON to this file")
    .option("--force", "replace an existing --out file")
    .addHelpText(
      "after",
      "\nExample:\n  consortia query receipt 9c1e…04 --out receipt.json && consortia verify-receipt receipt.json",
    )
    .action((hash: string, opts: QueryFlags & { readonly out?: string; readonly force?: boolean }) =>
      run(opts, async () => {
        const receipt = await apiClient(opts.api).getReceipt(hashFlag(hash, "hash"));
        if (opts.out === undefined) return show(opts, receipt);
        await writeOutputFile(opts.out, formatReceiptFile(receipt), {
          flag: "--out",
          overwrite: opts.force === true,
        });
        emit(
          opts,
          { saved: opts.out, chainId: receipt.chainId, height: receipt.height, txHash: receipt.txHash },
          [
            `saved receipt of ${receipt.txHash} (height ${receipt.height}, chain ${receipt.chainId}) to ${opts.out}`,
            `verify: consortia verify-receipt ${opts.out}`,
          ],
        );
      }),
    );
}
