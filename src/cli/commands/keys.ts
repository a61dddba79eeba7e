import type { Command } from "commander";
import { SCRYPT_INSECURE_FAST } from "../../crypto/keystore.js";
import { checkKeyName, createKey, listKeys, resolveKeysDir, showKey } from "../../sdk/keyring.js";
import { readPassword } from "../password.js";
import { emit, insecureFastKdfOption, run, usageErrorsOn } from "../run.js";

interface KeysDirFlags {
  readonly keysDir?: string;
  readonly json?: boolean;
}

interface NewFlags extends KeysDirFlags {
  readonly name: string;
  readonly passwordFile?: string;
  readonly insecureFastKdf?: boolean;
}

const KEYS_DIR_HELP = "directory of keystore files (default: $CONSORTIA_KEYS_DIR or ~/.consortia/keys)";

export function registerKeysCommands(program: Command): void {
  const keys = usageErrorsOn(
    program.command("keys").description("create and inspect encrypted account keys (keystore files)"),
  );

  keys
    .command("new")
    .description(
      "generate an Ed25519 account key and store it encrypted (scrypt + AES-256-GCM) as <name>.keystore.json",
    )
    .requiredOption("--name <name>", "key name: 1-64 characters of [A-Za-z0-9._-]")
    .option("--keys-dir <dir>", KEYS_DIR_HELP)
    .option(
      "--password-file <file>",
      "read the password from this file (else $CONSORTIA_PASSWORD, else a prompt)",
    )
    .option("--json", "print one JSON object")
    .addOption(insecureFastKdfOption())
    .addHelpText("after", "\nExample:\n  consortia keys new --name alice --password-file ./alice.pw")
    .action((opts: NewFlags) =>
      run(opts, async () => {
        checkKeyName(opts.name, "--name");
        const dir = resolveKeysDir(opts.keysDir);
        const password = await readPassword({
          passwordFile: opts.passwordFile,
          confirm: true,
          purpose: `new key '${opts.name}'`,
        });
        const info = await createKey(dir, opts.name, password, {
          createdAt: new Date().toISOString(),
          ...(opts.insecureFastKdf === true ? { scrypt: SCRYPT_INSECURE_FAST } : {}),
        });
        emit(opts, info, [
          `created key ${info.name}`,
          `  address    ${info.address}`,
          `  public key ${info.publicKey}`,
          `  file       ${info.path}`,
        ]);
      }),
    );

  keys
    .command("list")
    .description("list the keys in the keys directory (names, addresses, public keys; never secrets)")
    .option("--keys-dir <dir>", KEYS_DIR_HELP)
    .option("--json", "print one JSON object")
    .addHelpText("after", "\nExample:\n  consortia keys list --json")
    .action((opts: KeysDirFlags) =>
      run(opts, async () => {
        const list = await listKeys(resolveKeysDir(opts.keysDir));
        emit(opts, list, [
          ...(list.keys.length === 0
            ? [`no keys in ${list.dir}`]
            : list.keys.map((k) => `${k.name}\t${k.address}`)),
          ...list.invalid.map((i) => `unreadable: ${i.path}: [${i.error.code}] ${i.error.message}`),
        ]);
      }),
    );

  keys
    .command("show")
    .description("show one key's address and public key (the secret key is never printed)")
    .argument("<name>", "key name, or a path to a keystore file")
    .option("--keys-dir <dir>", KEYS_DIR_HELP)
    .option("--json", "print one JSON object")
    .addHelpText("after", "\nExample:\n  consortia keys show alice")
    .action((name: string, opts: KeysDirFlags) =>
      run(opts, async () => {
        const info = await showKey(resolveKeysDir(opts.keysDir), name);
        emit(opts, info, [
          `name       ${info.name}`,
          `address    ${info.address}`,
          `public key ${info.publicKey}`,
          `created    ${info.createdAt ?? "-"}`,
          `file       ${info.path}`,
        ]);
      }),
    );
}
