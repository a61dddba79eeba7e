import type { Command } from "commander";
import { SCRYPT_INSECURE_FAST } from "../../crypto/keystore.js";
import { ROLES } from "../../modules/identity/certificate.js";
import { defaultRegistryPath, issueWallet, lookupSubject } from "../../node/accountCenter.js";
import { unlockKey } from "../../sdk/keyring.js";
import { assertWritable, writeOutputFile } from "../files.js";
import { chainIdFlag, choiceFlag, hexFlag, intFlag, invalidFlag, u64Flag } from "../flags.js";
import { readPassword } from "../password.js";
import { emit, insecureFastKdfOption, run, usageErrorsOn } from "../run.js";

interface IssueFlags {
  readonly caKeystore: string;
  readonly subjectId: string;
  readonly role: string;
  readonly publicKey: string;
  readonly walletSalt?: string;
  readonly validDays: string;
  readonly chainId: string;
  readonly serial: string;
  readonly out: string;
  readonly registry?: string;
  readonly passwordFile?: string;
  readonly force?: boolean;
  readonly json?: boolean;
  readonly insecureFastKdf?: boolean;
}

interface LookupFlags {
  readonly subjectId: string;
  readonly registry?: string;
  readonly caKeystore?: string;
  readonly passwordFile?: string;
  readonly json?: boolean;
}

const REGISTRY_HELP =
  "account-center registry: encrypted identity -> (address, salt, serial) mapping (default: account-center.registry.json next to the CA keystore)";

export function registerCaCommands(program: Command): void {
  const ca = usageErrorsOn(
    program
      .command("ca")
      .description(
        "account center (certificate authority): issue pseudonymous wallet certificates, look up the mapping",
      ),
  );

  ca.command("issue")
    .description(
      "issue a certificate binding a wallet public key to a role under a pseudonymous subject sha256(sha256(id) || salt); records the mapping in the encrypted registry",
    )
    .requiredOption("--ca-keystore <file>", "the CA's keystore file (e.g. <net>/ca/ca.keystore.json)")
    .requiredOption("--subject-id <text>", "the real-world identity (never stored in clear or put on chain)")
    .requiredOption("--role <role>", `one of: ${ROLES.join(", ")}`)
    .requiredOption("--public-key <hex>", "the wallet's Ed25519 public key (64 hex characters)")
    .option("--wallet-salt <hex>", "per-wallet salt, 16-64 bytes of hex (default: 32 fresh random bytes)")
    .option("--valid-days <days>", "validity period in days from now (1..36500)", "365")
    .requiredOption("--chain-id <id>", "chain the certificate is valid on")
    .requiredOption("--serial <n>", "certificate serial, unique per CA and chain (decimal uint64)")
    .requiredOption("--out <file>", "where to write the certificate (hex of its canonical encoding)")
    .option("--registry <file>", REGISTRY_HELP)
    .option(
      "--password-file <file>",
      "CA password (else $CONSORTIA_PASSWORD, else a prompt); also keys the registry",
    )
    .option("--force", "replace an existing --out file")
    .option("--json", "print one JSON object")
    .addOption(insecureFastKdfOption())
    .addHelpText(
      "after",
      "\nExample:\n  consortia ca issue --ca-keystore net/ca/ca.keystore.json --subject-id 'MRN-0042' --role patient \\\n" +
        "    --public-key <hex> --chain-id consortia-health-1 --serial 1001 --out alice.cert.hex --password-file ca.pw",
    )
    .action((opts: IssueFlags) =>
      run(opts, async () => {
        const role = choiceFlag(opts.role, "--role", ROLES);
        const subjectPublicKey = hexFlag(opts.publicKey, "--public-key", 32);
        const salt =
          opts.walletSalt === undefined ? undefined : hexFlag(opts.walletSalt, "--wallet-salt", 16, 64);
        const validDays = intFlag(opts.validDays, "--valid-days", 1, 36_500);
        const chainId = chainIdFlag(opts.chainId, "--chain-id");
        const serial = u64Flag(opts.serial, "--serial");
        if (opts.subjectId.length === 0)
          throw invalidFlag("--subject-id", "must not be empty", opts.subjectId);
        await assertWritable(opts.out, "--out", opts.force === true);
        const password = await readPassword({
          passwordFile: opts.passwordFile,
          purpose: `CA keystore ${opts.caKeystore}`,
        });
        const caKey = await unlockKey("", opts.caKeystore, password);
        try {
          const registryPath = opts.registry ?? defaultRegistryPath(opts.caKeystore);
          const issued = await issueWallet({
            caSecretKey: caKey.secretKey,
            subjectId: opts.subjectId,
            role,
            subjectPublicKey,
            chainId,
            serial,
            validDays,
            nowMs: Date.now(),
            registryPath,
            password,
            ...(salt !== undefined ? { salt } : {}),
            ...(opts.insecureFastKdf === true ? { registry: { scrypt: SCRYPT_INSECURE_FAST } } : {}),
          });
          await writeOutputFile(opts.out, `${issued.certificateHex}\n`, {
            flag: "--out",
            overwrite: opts.force === true,
          });
          const e = issued.entry;
          emit(opts, { certificate: opts.out, registry: registryPath, ...e }, [
            `issued certificate ${opts.out}`,
            `  address  ${e.address}`,
            `  role     ${e.role}`,
            `  subject  ${e.subject}`,
            `  serial   ${e.serial} on ${e.chainId}`,
            `  valid    ${new Date(Number(e.notBeforeMs)).toISOString()} .. ${new Date(Number(e.notAfterMs)).toISOString()}`,
            `  mapping recorded in ${registryPath}`,
            "",
            "next (by the wallet owner):",
            `  consortia tx register --key <name> --cert ${opts.out}`,
          ]);
        } finally {
          caKey.secretKey.fill(0);
        }
      }),
    );

  ca.command("lookup")
    .description(
      "list every wallet (address, salt, serial) issued to a real-world identity, from the encrypted registry",
    )
    .requiredOption("--subject-id <text>", "the real-world identity")
    .option("--registry <file>", REGISTRY_HELP)
    .option("--ca-keystore <file>", "locates the default registry next to this CA keystore")
    .option("--password-file <file>", "CA password (else $CONSORTIA_PASSWORD, else a prompt)")
    .option("--json", "print one JSON object")
    .addHelpText(
      "after",
      "\nExample:\n  consortia ca lookup --subject-id 'MRN-0042' --ca-keystore net/ca/ca.keystore.json --password-file ca.pw",
    )
    .action((opts: LookupFlags) =>
      run(opts, async () => {
        const registryPath =
          opts.registry ?? (opts.caKeystore !== undefined ? defaultRegistryPath(opts.caKeystore) : undefined);
        if (registryPath === undefined) throw invalidFlag("--registry", "or --ca-keystore must be given", "");
        if (opts.subjectId.length === 0)
          throw invalidFlag("--subject-id", "must not be empty", opts.subjectId);
        const password = await readPassword({
          passwordFile: opts.passwordFile,
          purpose: `registry ${registryPath}`,
        });
        const wallets = await lookupSubject(registryPath, password, opts.subjectId);
        emit(opts, { registry: registryPath, wallets }, [
          `${wallets.length} wallet(s) in ${registryPath}:`,
          ...wallets.map(
            (w) => `  ${w.address}  ${w.role}  serial ${w.serial} on ${w.chainId}  salt ${w.salt}`,
          ),
        ]);
      }),
    );
}
