/**
 * What the health-record commands share: the signing-key flags (the same keyring, password sources
 * and API as `consortia tx`), unlocking a key only for as long as one action needs it, progress
 * lines on stderr, and plain-text tables.
 */
import type { Command } from "commander";
import { addressFromPublicKey, formatAddress, publicKeyOf } from "../crypto/ed25519.js";
import type { ConsortiaClient } from "../sdk/client.js";
import { resolveKeysDir, unlockKey } from "../sdk/keyring.js";
import { API_HELP, apiClient } from "./api.js";
import { readPassword } from "./password.js";

export interface ReadFlags {
  readonly api?: string;
  readonly json?: boolean;
}

export interface SignedFlags extends ReadFlags {
  readonly key: string;
  readonly keysDir?: string;
  readonly passwordFile?: string;
}

/** A command that reads chain state only: `--api` and `--json`. */
export function readCommand(parent: Command, name: string, description: string): Command {
  return withApiFlags(parent.command(name).description(description));
}

/** A command that signs with a key from the keyring, exactly like `consortia tx`. */
export function signedCommand(parent: Command, name: string, description: string): Command {
  return withApiFlags(
    parent
      .command(name)
      .description(description)
      .requiredOption("--key <name>", "signing key: a name in the keys directory, or a keystore file path")
      .option(
        "--keys-dir <dir>",
        "directory of keystore files (default: $CONSORTIA_KEYS_DIR or ~/.consortia/keys)",
      )
      .option("--password-file <file>", "keystore password (else $CONSORTIA_PASSWORD, else a prompt)"),
  );
}

function withApiFlags(cmd: Command): Command {
  return cmd.option("--api <url>", API_HELP).option("--json", "print one JSON object");
}

/**
 * Unlocks `--key`, runs `body` with its secret and the API client, and zeroes the secret after.
 * Call it only once the flags are parsed, so bad input never costs a password prompt.
 */
export async function withKey<T>(
  opts: SignedFlags,
  body: (secretKey: Uint8Array, client: ConsortiaClient) => Promise<T>,
): Promise<T> {
  const client = apiClient(opts.api);
  const password = await readPassword({ passwordFile: opts.passwordFile, purpose: `key '${opts.key}'` });
  const key = await unlockKey(resolveKeysDir(opts.keysDir), opts.key, password);
  try {
    return await body(key.secretKey, client);
  } finally {
    key.secretKey.fill(0);
  }
}

export function addressOfKey(secretKey: Uint8Array): string {
  return formatAddress(addressFromPublicKey(publicKeyOf(secretKey)));
}

/** One line on stderr before a step that waits on the network, so stdout stays the result only. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** Milliseconds since the epoch as an ISO timestamp (times on chain are bigint or decimal strings). */
export function isoTime(ms: unknown): string {
  const n = typeof ms === "bigint" ? Number(ms) : typeof ms === "string" ? Number(ms) : ms;
  return typeof n === "number" && Number.isFinite(n) && Math.abs(n) <= 8.64e15
    ? new Date(n).toISOString()
    : String(ms);
}
