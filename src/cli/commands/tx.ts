import type { Command } from "commander";
import { parseAmount } from "../../sdk/amount.js";
import { MAX_CERTIFICATE_FILE_BYTES, parseCertificateText } from "../../sdk/certificateText.js";
import { resolveKeysDir, unlockKey } from "../../sdk/keyring.js";
import { type SendResult, signAndSubmit, type TxBuilder, throwIfFailed } from "../../sdk/send.js";
import { buildRegister, buildRevoke, buildTransfer } from "../../sdk/tx.js";
import { API_HELP, apiClient } from "../api.js";
import { readInputFile } from "../files.js";
import { addressFlag, invalidFlag, u64Flag } from "../flags.js";
import { readPassword } from "../password.js";
import { emit, run, usageErrorsOn } from "../run.js";

interface TxFlags {
  readonly key: string;
  readonly keysDir?: string;
  readonly passwordFile?: string;
  readonly api?: string;
  readonly fee?: string;
  readonly nonce?: string;
  readonly wait?: boolean;
  readonly json?: boolean;
}

/** The revoke message's reason field holds at most 256 UTF-8 bytes. */
const MAX_REASON_BYTES = 256;

/** Flags every transaction command shares: who signs, where to send, fee/nonce overrides. */
function txCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .requiredOption("--key <name>", "signing key: a name in the keys directory, or a keystore file path")
    .option(
      "--keys-dir <dir>",
      "directory of keystore files (default: $CONSORTIA_KEYS_DIR or ~/.consortia/keys)",
    )
    .option("--password-file <file>", "keystore password (else $CONSORTIA_PASSWORD, else a prompt)")
    .option("--api <url>", API_HELP)
    .option(
      "--fee <amount>",
      "fee in base units, a decimal integer (default: the chain's minimum for this transaction)",
    )
    .option("--nonce <n>", "override the nonce (default: the account's next nonce from the node)")
    .option("--wait", "wait until the transaction is committed and report its result")
    .option("--json", "print one JSON object");
}

/**
 * The shared part of every tx command once its own flags are parsed: parse fee/nonce/api, unlock
 * the key, sign, submit. A committed transaction that failed exits 1 with the chain's error code.
 */
async function send(opts: TxFlags, build: TxBuilder): Promise<void> {
  const fee = opts.fee === undefined ? undefined : parseAmount(opts.fee, "--fee");
  const nonce = opts.nonce === undefined ? undefined : u64Flag(opts.nonce, "--nonce");
  const client = apiClient(opts.api);
  const password = await readPassword({ passwordFile: opts.passwordFile, purpose: `key '${opts.key}'` });
  const key = await unlockKey(resolveKeysDir(opts.keysDir), opts.key, password);
  let r: SendResult;
  try {
    r = await signAndSubmit(client, key.secretKey, build, {
      wait: opts.wait === true,
      ...(fee !== undefined ? { fee } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
    });
  } finally {
    key.secretKey.fill(0);
  }
  throwIfFailed(r);
  const c = r.committed;
  emit(opts, r, [
    c === undefined ? `submitted ${r.hash}` : `committed ${r.hash} at height ${c.height} (index ${c.index})`,
    `  from ${r.sender}  nonce ${r.nonce}  fee ${r.fee}  chain ${r.chainId}`,
    ...(c === undefined
      ? [`  follow: consortia query tx ${r.hash}`]
      : c.result.events.map((e) => `  event ${e.type}`)),
  ]);
}

export function registerTxCommands(program: Command): void {
  const tx = usageErrorsOn(
    program.command("tx").description("sign transactions locally and submit them to a node"),
  );

  txCommand(
    tx,
    "register",
    "register your key's address on chain with a certificate from the consortium CA (`consortia ca issue`)",
  )
    .requiredOption("--cert <file>", "certificate file (hex) written by `consortia ca issue --out`")
    .addHelpText("after", "\nExample:\n  consortia tx register --key alice --cert alice.cert.hex --wait")
    .action((opts: TxFlags & { readonly cert: string }) =>
      run(opts, async () => {
        const text = await readInputFile(opts.cert, "--cert", MAX_CERTIFICATE_FILE_BYTES);
        const cert = parseCertificateText(text, `--cert ${opts.cert}`);
        await send(opts, (sk, env) => buildRegister(sk, env, cert));
      }),
    );

  txCommand(tx, "transfer", "transfer coins (base units) from your key's account to another address")
    .requiredOption("--to <address>", "recipient address (40 lowercase hex characters)")
    .requiredOption(
      "--amount <amount>",
      "base units, a decimal integer in 0..2^128-1 (no decimals, sign or exponent)",
    )
    .addHelpText("after", "\nExample:\n  consortia tx transfer --key alice --to 3f9a…c2 --amount 5000 --wait")
    .action((opts: TxFlags & { readonly to: string; readonly amount: string }) =>
      run(opts, async () => {
        const amount = parseAmount(opts.amount, "--amount");
        const to = addressFlag(opts.to, "--to");
        await send(opts, (sk, env) => buildTransfer(sk, env, to, amount));
      }),
    );

  txCommand(tx, "revoke", "revoke a registered address's identity (the signing key must be a consortium CA)")
    .requiredOption("--address <address>", "address whose identity is revoked")
    .requiredOption("--reason <text>", `why, recorded on chain (at most ${MAX_REASON_BYTES} UTF-8 bytes)`)
    .addHelpText(
      "after",
      "\nExample:\n  consortia tx revoke --key net/ca/ca.keystore.json --address 3f9a…c2 --reason 'device lost' --wait",
    )
    .action((opts: TxFlags & { readonly address: string; readonly reason: string }) =>
      run(opts, async () => {
        const address = addressFlag(opts.address, "--address");
        if (Buffer.byteLength(opts.reason, "utf8") > MAX_REASON_BYTES) {
          throw invalidFlag("--reason", `must be at most ${MAX_REASON_BYTES} UTF-8 bytes`, opts.reason);
        }
        await send(opts, (sk, env) => buildRevoke(sk, env, address, opts.reason));
      }),
    );
}
