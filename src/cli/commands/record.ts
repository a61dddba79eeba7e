import type { Command } from "commander";
import { toHex } from "../../crypto/hash.js";
import { EhrErrors } from "../../ehr/errors.js";
import { fhirRecordType, MAX_FHIR_BYTES, parseFhir } from "../../ehr/fhir.js";
import { encryptionKeyPairOf } from "../../ehr/keys.js";
import { defaultEhrOptions } from "../../ehr/service.js";
import { isConsortiaError } from "../../errors.js";
import { PURPOSES, USER_ROLES } from "../../modules/access/policy.js";
import { isRecordType } from "../../modules/records/state.js";
import {
  eraseRecord,
  getProfile,
  getRecord,
  listRecords,
  publishEncryptionKey,
  putRecord,
  type RecordInfo,
} from "../../sdk/ehr.js";
import { buildAddUser, buildDeleteUser } from "../../sdk/ehrTx.js";
import { signAndSubmit, throwIfFailed } from "../../sdk/send.js";
import { apiClient } from "../api.js";
import { assertWritable, readInputBytes, writeOutputFile } from "../files.js";
import { addressFlag, choiceFlag, hashFlag, invalidFlag } from "../flags.js";
import { emit, run, usageErrorsOn } from "../run.js";
import {
  addressOfKey,
  isoTime,
  progress,
  type ReadFlags,
  readCommand,
  type SignedFlags,
  signedCommand,
  table,
  withKey,
} from "../signing.js";

interface PutFlags extends SignedFlags {
  readonly patient: string;
  readonly holder: string;
  readonly fhir?: string;
  readonly file?: string;
  readonly type?: string;
}

interface GetFlags extends SignedFlags {
  readonly purpose: string;
  readonly out?: string;
  readonly force?: boolean;
}

interface UserFlags extends SignedFlags {
  readonly user: string;
}

interface AddUserFlags extends UserFlags {
  readonly role: string;
}

/** The holder's default limit on a stored envelope; a bigger file would be refused after upload. */
const MAX_RECORD_FILE_BYTES = defaultEhrOptions.maxRecordBytes;

/** `--type` is a MIME type; the chain stores it as `binary:<mime>` (lowercase: MIME is case-insensitive). */
export function binaryRecordType(mime: string): string {
  const type = `binary:${mime.toLowerCase()}`;
  if (!isRecordType(type)) {
    throw invalidFlag("--type", "must be a MIME type such as application/pdf or image/png", mime);
  }
  return type;
}

/** The plaintext and on-chain type of the record `put` stores; FHIR is validated before sealing. */
async function recordInput(opts: PutFlags): Promise<{ plaintext: Uint8Array; recordType: string }> {
  if ((opts.fhir === undefined) === (opts.file === undefined)) {
    throw invalidFlag("--fhir/--file", "exactly one of them must be given", opts.fhir ?? opts.file ?? "");
  }
  if (opts.fhir !== undefined) {
    if (opts.type !== undefined) {
      throw invalidFlag(
        "--type",
        "goes with --file only (a FHIR record's type is its resourceType)",
        opts.type,
      );
    }
    const plaintext = await readInputBytes(opts.fhir, "--fhir", MAX_FHIR_BYTES);
    // The exact bytes are stored, so `record get` returns the file as it was; parsing only checks it.
    return { plaintext, recordType: fhirRecordType(parseFhir(plaintext)) };
  }
  if (opts.type === undefined) throw invalidFlag("--type", "is required with --file", "");
  const recordType = binaryRecordType(opts.type);
  return { plaintext: await readInputBytes(opts.file ?? "", "--file", MAX_RECORD_FILE_BYTES), recordType };
}

function recordRows(records: readonly RecordInfo[]): string[] {
  return table(
    ["id", "type", "sealed", "holder", "height", "created", "state"],
    records.map((r) => [
      r.id,
      r.recordType,
      String(r.size),
      r.holder,
      String(r.height),
      isoTime(r.createdMs),
      r.erased ? "erased" : "stored",
    ]),
  );
}

export function registerRecordCommands(program: Command): void {
  const record = usageErrorsOn(
    program
      .command("record")
      .description(
        "health records: encrypted storage at a holder institution, retrieval under the patient's consent",
      ),
  );
  const keys = record.command("keys").description("the encryption key records are sealed to");

  signedCommand(
    keys,
    "publish",
    "publish your X25519 encryption key (derived from the account key) on chain, so records can be sealed to you",
  )
    .addHelpText("after", "\nExample:\n  consortia record keys publish --key alice")
    .action((opts: SignedFlags) =>
      run(opts, () =>
        withKey(opts, async (sk, client) => {
          const address = addressOfKey(sk);
          const encryptionKey = toHex(encryptionKeyPairOf(sk).publicKey);
          const current = await getProfile(client, address).catch((err: unknown) => {
            if (isConsortiaError(err, EhrErrors.EHR_NO_PROFILE)) return undefined;
            throw err;
          });
          // A holder's node publishes key and endpoint together; publishing here would erase the endpoint.
          if (current !== undefined && current.endpoint !== "") {
            throw invalidFlag(
              "--key",
              `names a record holder whose node publishes its profile (endpoint ${current.endpoint})`,
              opts.key,
            );
          }
          if (current?.encryptionKey === encryptionKey) {
            emit(opts, { address, encryptionKey, published: false }, [
              `encryption key of ${address} is already published: ${encryptionKey}`,
            ]);
            return;
          }
          progress(`publishing encryption key of ${address}; waiting for the block...`);
          const r = await publishEncryptionKey(client, sk);
          emit(opts, { address, encryptionKey, published: true, hash: r.hash, height: r.committed?.height }, [
            `published encryption key of ${address} at height ${r.committed?.height ?? "?"}`,
            `  key ${encryptionKey}`,
          ]);
        }),
      ),
    );

  signedCommand(
    record,
    "put",
    "seal a record on this machine for the patient and the holder, store it at the holder, index it on chain",
  )
    .requiredOption("--patient <address>", "the patient the record is about")
    .requiredOption(
      "--holder <address>",
      "the institution that stores it (its endpoint comes from the chain)",
    )
    .option("--fhir <file>", "a FHIR R4 resource or Bundle (JSON), validated before it leaves this machine")
    .option("--file <file>", "any other file (PDF, image, ...); needs --type")
    .option("--type <mime>", "MIME type of --file, e.g. application/pdf (stored as binary:<mime>)")
    .addHelpText(
      "after",
      "\nExample:\n  consortia record put --key alice --patient 3f9a…c2 --holder 77d0…1e --fhir observation.json",
    )
    .action((opts: PutFlags) =>
      run(opts, async () => {
        const patient = addressFlag(opts.patient, "--patient");
        const holder = addressFlag(opts.holder, "--holder");
        const { plaintext, recordType } = await recordInput(opts);
        await withKey(opts, async (sk, client) => {
          progress(`sealing ${recordType} (${plaintext.length} bytes) for the patient and the holder...`);
          progress("uploading to the holder; it indexes the record on chain (waiting for the block)...");
          const r = await putRecord({
            client,
            secretKey: sk,
            patient: toHex(patient),
            holder: toHex(holder),
            recordType,
            plaintext,
          });
          emit(opts, { ...r, recordType }, [
            `stored record ${r.id}`,
            `  cid    ${r.cid}`,
            `  height ${r.height}`,
            `  type   ${recordType}  (${r.size} bytes sealed, at ${r.holderEndpoint})`,
          ]);
        });
      }),
    );

  signedCommand(
    record,
    "get",
    "retrieve and decrypt a record: the holder has the chain decide and log the request, then serves it",
  )
    .argument("<id>", "record id (64 hex characters)")
    .requiredOption("--purpose <purpose>", `purpose of use, one of: ${PURPOSES.join(", ")}`)
    .option("--out <file>", "write the plaintext to this file (mode 0600) instead of stdout")
    .option("--force", "replace an existing --out file")
    .addHelpText(
      "after",
      "\nExample:\n  consortia record get 45ed…9a --key dr-a --purpose TREAT --out observation.json",
    )
    .action((id: string, opts: GetFlags) =>
      run(opts, async () => {
        const recordId = hashFlag(id, "id");
        const purpose = choiceFlag(opts.purpose, "--purpose", PURPOSES);
        if (opts.out !== undefined) await assertWritable(opts.out, "--out", opts.force === true);
        await withKey(opts, async (sk, client) => {
          progress(`requesting ${recordId.slice(0, 16)}… for ${purpose}; the chain decides and logs it...`);
          const r = await getRecord({ client, secretKey: sk, recordId, purpose });
          const summary = {
            record: r.record,
            logSeq: r.logSeq,
            height: r.height,
            holderEndpoint: r.holderEndpoint,
            bytes: r.plaintext.length,
          };
          const granted = `granted: ${r.record.recordType}, ${r.plaintext.length} bytes (access log #${r.logSeq}, height ${r.height})`;
          if (opts.out !== undefined) {
            // Plaintext health data: readable by the owner only.
            await writeOutputFile(opts.out, r.plaintext, {
              flag: "--out",
              overwrite: opts.force === true,
              mode: 0o600,
            });
            emit(opts, { ...summary, saved: opts.out }, [granted, `saved to ${opts.out}`]);
          } else if (opts.json === true) {
            emit(opts, { ...summary, plaintextBase64: Buffer.from(r.plaintext).toString("base64") }, []);
          } else {
            progress(granted);
            process.stdout.write(r.plaintext);
          }
        });
      }),
    );

  readCommand(record, "list", "list a patient's records (index entries on chain; never content)")
    .requiredOption("--patient <address>", "the patient")
    .addHelpText("after", "\nExample:\n  consortia record list --patient 3f9a…c2")
    .action((opts: ReadFlags & { readonly patient: string }) =>
      run(opts, async () => {
        addressFlag(opts.patient, "--patient");
        const page = (await listRecords(apiClient(opts.api), opts.patient)) as {
          records: RecordInfo[];
          next: string | null;
        };
        emit(opts, page, [
          ...(page.records.length === 0 ? [`no records for ${opts.patient}`] : recordRows(page.records)),
          ...(page.next === null
            ? []
            : [`(first ${page.records.length} shown; the rest from the API with after=${page.next})`]),
        ]);
      }),
    );

  signedCommand(
    record,
    "erase",
    "erase one of your records (patient only): the holder deletes ciphertext and keys; the index entry and log stay",
  )
    .argument("<id>", "record id (64 hex characters)")
    .addHelpText("after", "\nExample:\n  consortia record erase 45ed…9a --key alice")
    .action((id: string, opts: SignedFlags) =>
      run(opts, async () => {
        const recordId = hashFlag(id, "id");
        await withKey(opts, async (sk, client) => {
          progress(`asking the holder to erase ${recordId.slice(0, 16)}…; waiting for the block...`);
          const r = await eraseRecord({ client, secretKey: sk, recordId });
          emit(opts, r, [`erased record ${r.recordId} at height ${r.height}`]);
        });
      }),
    );

  signedCommand(
    record,
    "add-user",
    "vouch for a user at your institution (AddUser): only affiliated users can be granted access",
  )
    .requiredOption("--user <address>", "the user's address (registered with the same role)")
    .requiredOption("--role <role>", `one of: ${USER_ROLES.join(", ")} (must equal the certified role)`)
    .addHelpText(
      "after",
      "\nExample:\n  consortia record add-user --key net/hospital-0/keys/validator.keystore.json --user 8b93…ea --role doctor",
    )
    .action((opts: AddUserFlags) =>
      run(opts, async () => {
        const user = addressFlag(opts.user, "--user");
        const role = choiceFlag(opts.role, "--role", USER_ROLES);
        await withKey(opts, async (sk, client) => {
          progress(`adding ${opts.user} as ${role}; waiting for the block...`);
          const r = await signAndSubmit(client, sk, (k, env) => buildAddUser(k, env, user, role), {
            wait: true,
          });
          throwIfFailed(r);
          emit(
            opts,
            { institution: r.sender, user: opts.user, role, hash: r.hash, height: r.committed?.height },
            [`${r.sender} added ${opts.user} as ${role} at height ${r.committed?.height ?? "?"}`],
          );
        });
      }),
    );

  signedCommand(
    record,
    "delete-user",
    "remove a user from your institution (DeleteUser): its requests are then denied as user-deleted",
  )
    .requiredOption("--user <address>", "the user's address")
    .addHelpText(
      "after",
      "\nExample:\n  consortia record delete-user --key net/hospital-0/keys/validator.keystore.json --user 8b93…ea",
    )
    .action((opts: UserFlags) =>
      run(opts, async () => {
        const user = addressFlag(opts.user, "--user");
        await withKey(opts, async (sk, client) => {
          progress(`removing ${opts.user}; waiting for the block...`);
          const r = await signAndSubmit(client, sk, (k, env) => buildDeleteUser(k, env, user), {
            wait: true,
          });
          throwIfFailed(r);
          emit(opts, { institution: r.sender, user: opts.user, hash: r.hash, height: r.committed?.height }, [
            `${r.sender} removed ${opts.user} at height ${r.committed?.height ?? "?"}`,
          ]);
        });
      }),
    );
}
