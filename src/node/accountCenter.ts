/**
 * The account center (Healthchain §III-B-1, Energy §II-B-1): the CA-side service that registers
 * people and devices. Each wallet gets its own certificate whose `subject` is
 * sha256(sha256(real id) ‖ salt) with a fresh salt per wallet, so one identity can hold many
 * addresses that nobody can link on chain. The identity → (address, salt, serial) mapping stays
 * off chain, in a registry file encrypted with AES-256-GCM under a key scrypt-derives from the CA
 * password. The file is one ciphertext (not one per entry) so it does not reveal which entries
 * belong to the same identity.
 */
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes, scrypt } from "node:crypto";
import { open, readFile, rename, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { encode } from "../codec/schema.js";
import { addressFromPublicKey, publicKeyOf, type RandomBytes } from "../crypto/ed25519.js";
import { sha256, sha256Concat, toHex } from "../crypto/hash.js";
import { SCRYPT_DEFAULT, type ScryptParams } from "../crypto/keystore.js";
import { ConsortiaError, registerErrorCodes } from "../errors.js";
import { type Certificate, certificateCodec, ROLES, type Role } from "../modules/identity/certificate.js";
import { issueCertificate } from "./network.js";

export const AccountCenterErrors = registerErrorCodes({
  /** The registry file (or its decrypted content) does not match the format (details: {field}). */
  ACCOUNT_CENTER_MALFORMED: { num: 1230, http: 400 },
  /** GCM authentication failed: wrong CA password, or the registry file was modified. */
  ACCOUNT_CENTER_BAD_PASSWORD: { num: 1231, http: 401 },
  /** The registry file does not exist. */
  ACCOUNT_CENTER_NOT_FOUND: { num: 1232, http: 404 },
  /** No wallet was issued for that subject id. */
  ACCOUNT_CENTER_UNKNOWN_SUBJECT: { num: 1233, http: 404 },
  /** The serial was already issued by this CA on this chain (the chain would refuse the certificate). */
  ACCOUNT_CENTER_SERIAL_REUSED: { num: 1234, http: 409 },
  /** The registry belongs to a different CA key. */
  ACCOUNT_CENTER_CA_MISMATCH: { num: 1235, http: 409 },
  /** Another process holds the registry lock (`<registry>.lock`). */
  ACCOUNT_CENTER_LOCKED: { num: 1236, http: 409 },
  /** Reading or writing the registry failed (details: {path, errno}). */
  ACCOUNT_CENTER_IO: { num: 1237, http: 500 },
  /** An argument is out of range: salt length, validity, subject id (details: {field}). */
  ACCOUNT_CENTER_INVALID_PARAM: { num: 1238, http: 400 },
});

export const REGISTRY_KIND = "consortia-account-center-registry" as const;
/** A per-wallet salt: 32 random bytes unless the operator supplies one (16–64 bytes). */
export const WALLET_SALT_BYTES = 32;
const MIN_SALT_BYTES = 16;
const MAX_SALT_BYTES = 64;
const MAX_SUBJECT_ID_CHARS = 1024;
const MAX_REGISTRY_BYTES = 256 * 1024 * 1024;
const NOT_BEFORE_SLACK_MS = 3_600_000n;
const DAY_MS = 86_400_000n;
/** Same bounds as keystore files: a crafted registry cannot make scrypt allocate gigabytes. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

/** Where the registry lives unless told: next to the CA keystore, which it belongs with. */
export function defaultRegistryPath(caKeystorePath: string): string {
  return join(dirname(caKeystorePath), "account-center.registry.json");
}

const hex = (bytes: number) =>
  z
    .string()
    .regex(/^[0-9a-f]*$/, "must be lowercase hex")
    .length(bytes * 2, `must be ${bytes * 2} hex chars`);
const saltHex = z.string().regex(/^(?:[0-9a-f]{2}){16,64}$/, "must be 16..64 bytes of lowercase hex");
const u64String = z.string().regex(/^(?:0|[1-9][0-9]{0,19})$/, "must be a decimal integer string");

const kdfSchema = z
  .strictObject({
    name: z.literal("scrypt"),
    n: z
      .number()
      .int()
      .min(2)
      .refine((n) => (n & (n - 1)) === 0, "must be a power of two"),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: saltHex,
  })
  .refine((k) => 128 * k.n * k.r <= MAX_SCRYPT_MEMORY, {
    message: `must keep scrypt memory 128*n*r <= ${MAX_SCRYPT_MEMORY} bytes`,
    path: ["n"],
  });

const registryFileSchema = z.strictObject({
  version: z.literal(1),
  kind: z.literal(REGISTRY_KIND),
  caPublicKey: hex(32),
  kdf: kdfSchema,
  cipher: z.strictObject({
    name: z.literal("aes-256-gcm"),
    iv: hex(12),
    tag: hex(16),
    ciphertext: z.string().regex(/^(?:[0-9a-f]{2})*$/, "must be even-length lowercase hex"),
  }),
});
type RegistryFile = z.infer<typeof registryFileSchema>;

const entrySchema = z.strictObject({
  /** sha256(NFKC(real id)): the registry never stores the id text itself. */
  idHash: hex(32),
  subject: hex(32),
  salt: saltHex,
  address: hex(20),
  publicKey: hex(32),
  role: z.enum(ROLES),
  chainId: z.string().min(1).max(64),
  serial: u64String,
  notBeforeMs: u64String,
  notAfterMs: u64String,
  issuedAt: z.string().max(64),
});
export type RegistryEntry = z.infer<typeof entrySchema>;

const plaintextSchema = z.strictObject({ entries: z.array(entrySchema) });

function fail(code: string, message: string, details: Record<string, unknown> = {}, cause?: unknown): never {
  throw new ConsortiaError(code, message, details, cause === undefined ? undefined : { cause });
}

function errnoOf(err: unknown): string | null {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : null;
}

function ioFail(path: string, op: string, err: unknown): never {
  return fail(
    AccountCenterErrors.ACCOUNT_CENTER_IO,
    `account-center registry ${op} of ${path} failed: ${err instanceof Error ? err.message : String(err)}`,
    { path, op, errno: errnoOf(err) },
    err,
  );
}

function checkSubjectId(subjectId: string): Buffer {
  if (typeof subjectId !== "string" || subjectId.length === 0 || subjectId.length > MAX_SUBJECT_ID_CHARS) {
    fail(
      AccountCenterErrors.ACCOUNT_CENTER_INVALID_PARAM,
      `subjectId must be 1..${MAX_SUBJECT_ID_CHARS} characters`,
      { field: "subjectId" },
    );
  }
  // NFKC: the same id typed on different keyboards/IMEs maps to the same hash.
  return Buffer.from(subjectId.normalize("NFKC"), "utf8");
}

/** sha256(NFKC(subjectId)): what the registry stores in place of the id. */
export function subjectIdHash(subjectId: string): Uint8Array {
  return sha256(checkSubjectId(subjectId));
}

/** The on-chain pseudonym: sha256(sha256(real id) ‖ salt). */
export function pseudonymousSubject(subjectId: string, salt: Uint8Array): Uint8Array {
  if (!(salt instanceof Uint8Array) || salt.byteLength < MIN_SALT_BYTES || salt.byteLength > MAX_SALT_BYTES) {
    fail(
      AccountCenterErrors.ACCOUNT_CENTER_INVALID_PARAM,
      `wallet salt must be ${MIN_SALT_BYTES}..${MAX_SALT_BYTES} bytes`,
      { field: "salt" },
    );
  }
  return sha256Concat(subjectIdHash(subjectId), salt);
}

function deriveKey(password: string, salt: Uint8Array, k: ScryptParams): Promise<Buffer> {
  if (typeof password !== "string" || password.length === 0) {
    fail(AccountCenterErrors.ACCOUNT_CENTER_INVALID_PARAM, "password must be a non-empty string", {
      field: "password",
    });
  }
  const pw = Buffer.from(password.normalize("NFKC"), "utf8");
  return new Promise((resolve, reject) => {
    scrypt(pw, salt, 32, { N: k.n, r: k.r, p: k.p, maxmem: 256 * k.n * k.r + 1024 }, (err, key) =>
      err
        ? reject(
            new ConsortiaError(
              AccountCenterErrors.ACCOUNT_CENTER_IO,
              `scrypt failed: ${err.message}`,
              {},
              { cause: err },
            ),
          )
        : resolve(key),
    );
  });
}

/** Everything outside the ciphertext is bound as GCM associated data, so no header field can be swapped. */
function associatedData(f: Pick<RegistryFile, "version" | "kind" | "caPublicKey" | "kdf">): Buffer {
  const k = f.kdf;
  return Buffer.from(
    `${f.kind}/v${f.version}/${f.caPublicKey}/scrypt/${k.n}/${k.r}/${k.p}/${k.salt}`,
    "utf8",
  );
}

function firstIssue(err: z.ZodError): { field: string; message: string } {
  const i = err.issues[0];
  return {
    field: i && i.path.length > 0 ? i.path.join(".") : "(document)",
    message: i?.message ?? "is invalid",
  };
}

/** Validates the outer (clear) part of a registry file. */
export function parseRegistryFile(text: string): RegistryFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(AccountCenterErrors.ACCOUNT_CENTER_MALFORMED, "registry file is not valid JSON", {
      field: "(document)",
    });
  }
  const r = registryFileSchema.safeParse(json);
  if (!r.success) {
    const { field, message } = firstIssue(r.error);
    return fail(AccountCenterErrors.ACCOUNT_CENTER_MALFORMED, `registry field ${field} ${message}`, {
      field,
    });
  }
  return r.data;
}

interface Unlocked {
  readonly file: RegistryFile;
  readonly key: Buffer;
  readonly entries: RegistryEntry[];
}

function decryptEntries(file: RegistryFile, key: Buffer): RegistryEntry[] {
  let plain: Buffer;
  try {
    const d = createDecipheriv("aes-256-gcm", key, Buffer.from(file.cipher.iv, "hex"), { authTagLength: 16 });
    d.setAAD(associatedData(file));
    d.setAuthTag(Buffer.from(file.cipher.tag, "hex"));
    plain = Buffer.concat([d.update(Buffer.from(file.cipher.ciphertext, "hex")), d.final()]);
  } catch (err) {
    return fail(
      AccountCenterErrors.ACCOUNT_CENTER_BAD_PASSWORD,
      "registry authentication failed: wrong CA password, or the registry file was modified",
      {},
      err,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(plain.toString("utf8"));
  } catch {
    return fail(AccountCenterErrors.ACCOUNT_CENTER_MALFORMED, "decrypted registry is not valid JSON", {
      field: "(plaintext)",
    });
  }
  const r = plaintextSchema.safeParse(json);
  if (!r.success) {
    const { field, message } = firstIssue(r.error);
    return fail(AccountCenterErrors.ACCOUNT_CENTER_MALFORMED, `registry entry field ${field} ${message}`, {
      field,
    });
  }
  return r.data.entries;
}

function encryptEntries(
  head: Pick<RegistryFile, "caPublicKey" | "kdf">,
  key: Buffer,
  entries: readonly RegistryEntry[],
  rnd: RandomBytes,
): RegistryFile {
  const base = { version: 1 as const, kind: REGISTRY_KIND, caPublicKey: head.caPublicKey, kdf: head.kdf };
  // A fresh IV per write; the key is reused across writes (random 96-bit IVs stay safe far past any registry's life).
  const iv = rnd(12);
  const c = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
  c.setAAD(associatedData(base));
  const ciphertext = Buffer.concat([c.update(JSON.stringify({ entries }), "utf8"), c.final()]);
  return {
    ...base,
    cipher: {
      name: "aes-256-gcm",
      iv: toHex(iv),
      tag: toHex(c.getAuthTag()),
      ciphertext: ciphertext.toString("hex"),
    },
  };
}

async function readRegistryText(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    if (st.size > MAX_REGISTRY_BYTES) {
      fail(
        AccountCenterErrors.ACCOUNT_CENTER_MALFORMED,
        `registry ${path} exceeds ${MAX_REGISTRY_BYTES} bytes`,
        {
          field: "(document)",
        },
      );
    }
    return await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof ConsortiaError) throw err;
    if (errnoOf(err) === "ENOENT") return undefined;
    return ioFail(path, "read", err);
  }
}

async function unlock(path: string, password: string): Promise<Unlocked> {
  const text = await readRegistryText(path);
  if (text === undefined) {
    return fail(AccountCenterErrors.ACCOUNT_CENTER_NOT_FOUND, `registry ${path} does not exist`, { path });
  }
  const file = parseRegistryFile(text);
  const key = await deriveKey(password, Buffer.from(file.kdf.salt, "hex"), file.kdf);
  return { file, key, entries: decryptEntries(file, key) };
}

/** temp file + fsync + rename: a crash leaves either the old registry or the new one, never half of one. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${nodeRandomBytes(6).toString("hex")}`;
  try {
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(text, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    ioFail(path, "write", err);
  }
}

/** How long an append waits for another process's lock before giving up. */
const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 50;

async function acquireLock(path: string, lock: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await (await open(lock, "wx", 0o600)).close();
      return;
    } catch (err) {
      if (errnoOf(err) !== "EEXIST") ioFail(lock, "lock", err);
      if (Date.now() >= deadline) {
        fail(
          AccountCenterErrors.ACCOUNT_CENTER_LOCKED,
          `registry ${path} is locked by ${lock}; remove it if no other 'consortia ca' command is running`,
          { path, lock },
        );
      }
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
}

async function withLock<T>(path: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  await acquireLock(path, lock, waitMs);
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

export interface RegistryOptions {
  /** KDF cost for a registry created by this call; an existing file keeps its own. Default SCRYPT_DEFAULT. */
  readonly scrypt?: ScryptParams;
  readonly randomBytes?: RandomBytes;
  /** How long to wait for a concurrent writer's lock; default 10 s. */
  readonly lockWaitMs?: number;
}

/**
 * Appends one entry under a lock, creating the registry if it does not exist. Refuses a serial
 * this CA already issued on the entry's chain, and a registry made for a different CA key.
 */
export async function appendRegistryEntry(
  path: string,
  password: string,
  caPublicKey: Uint8Array,
  entry: RegistryEntry,
  opts: RegistryOptions = {},
): Promise<void> {
  const rnd = opts.randomBytes ?? nodeRandomBytes;
  const ca = toHex(caPublicKey);
  const checked = entrySchema.safeParse(entry);
  if (!checked.success) {
    const { field, message } = firstIssue(checked.error);
    fail(AccountCenterErrors.ACCOUNT_CENTER_INVALID_PARAM, `registry entry field ${field} ${message}`, {
      field,
    });
  }
  await withLock(path, opts.lockWaitMs ?? LOCK_WAIT_MS, async () => {
    let head: Pick<RegistryFile, "caPublicKey" | "kdf">;
    let key: Buffer;
    let entries: RegistryEntry[];
    if ((await readRegistryText(path)) === undefined) {
      const k = opts.scrypt ?? SCRYPT_DEFAULT;
      const kdf = { name: "scrypt" as const, n: k.n, r: k.r, p: k.p, salt: toHex(rnd(32)) };
      const parsed = kdfSchema.safeParse(kdf);
      if (!parsed.success) {
        const { field, message } = firstIssue(parsed.error);
        fail(AccountCenterErrors.ACCOUNT_CENTER_INVALID_PARAM, `scrypt.${field} ${message}`, {
          field: `scrypt.${field}`,
        });
      }
      head = { caPublicKey: ca, kdf };
      key = await deriveKey(password, Buffer.from(kdf.salt, "hex"), k);
      entries = [];
    } else {
      const u = await unlock(path, password);
      if (u.file.caPublicKey !== ca) {
        fail(
          AccountCenterErrors.ACCOUNT_CENTER_CA_MISMATCH,
          `registry ${path} belongs to CA ${u.file.caPublicKey}, not ${ca}`,
          { path, registryCa: u.file.caPublicKey, ca },
        );
      }
      head = u.file;
      key = u.key;
      entries = u.entries;
    }
    try {
      if (entries.some((e) => e.serial === entry.serial && e.chainId === entry.chainId)) {
        fail(
          AccountCenterErrors.ACCOUNT_CENTER_SERIAL_REUSED,
          `serial ${entry.serial} was already issued on chain ${entry.chainId}`,
          { serial: entry.serial, chainId: entry.chainId },
        );
      }
      const next = encryptEntries(head, key, [...entries, checked.data], rnd);
      await writeAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
    } finally {
      key.fill(0);
    }
  });
}

/** Every wallet issued to `subjectId`, oldest first. */
export async function lookupSubject(
  path: string,
  password: string,
  subjectId: string,
): Promise<RegistryEntry[]> {
  const idHash = toHex(subjectIdHash(subjectId));
  const u = await unlock(path, password);
  u.key.fill(0);
  const found = u.entries.filter((e) => e.idHash === idHash);
  if (found.length === 0) {
    fail(
      AccountCenterErrors.ACCOUNT_CENTER_UNKNOWN_SUBJECT,
      `no wallet was issued for this subject id in ${path}`,
      {
        path,
      },
    );
  }
  return found;
}

/** Number of entries; for status output and tests. */
export async function registrySize(path: string, password: string): Promise<number> {
  const u = await unlock(path, password);
  u.key.fill(0);
  return u.entries.length;
}

export interface IssueWalletRequest {
  readonly caSecretKey: Uint8Array;
  /** The real-world id (patient number, meter id, …); hashed, never stored or put on chain. */
  readonly subjectId: string;
  readonly role: Role;
  readonly subjectPublicKey: Uint8Array;
  /** Per-wallet salt; fresh random bytes when omitted. */
  readonly salt?: Uint8Array;
  readonly chainId: string;
  readonly serial: bigint;
  readonly validDays: number;
  readonly nowMs: number;
  readonly registryPath: string;
  /** The CA password: it also derives the registry key. */
  readonly password: string;
  readonly registry?: RegistryOptions;
}

export interface IssuedWallet {
  readonly certificate: Certificate;
  /** Lowercase hex of the canonical certificate encoding: what `consortia tx register --cert` reads. */
  readonly certificateHex: string;
  readonly entry: RegistryEntry;
}

/**
 * Issues a certificate for one pseudonymous wallet and records the mapping in the encrypted
 * registry before returning it: a certificate whose mapping was lost would be an address the
 * account center can no longer attribute.
 */
export async function issueWallet(req: IssueWalletRequest): Promise<IssuedWallet> {
  if (!Number.isInteger(req.validDays) || req.validDays < 1 || req.validDays > 36_500) {
    fail(AccountCenterErrors.ACCOUNT_CENTER_INVALID_PARAM, "validDays must be an integer in 1..36500", {
      field: "validDays",
    });
  }
  const salt = req.salt ?? (req.registry?.randomBytes ?? nodeRandomBytes)(WALLET_SALT_BYTES);
  const subject = pseudonymousSubject(req.subjectId, salt);
  // Valid from an hour ago: the chain judges admission against the last block's time, which on
  // an idle chain (no empty blocks) or across clock skew lags the CA's clock.
  const notBeforeMs = BigInt(req.nowMs) - NOT_BEFORE_SLACK_MS;
  const notAfterMs = notBeforeMs + BigInt(req.validDays) * DAY_MS;
  const certificate = issueCertificate(req.caSecretKey, {
    chainId: req.chainId,
    serial: req.serial,
    subjectPublicKey: req.subjectPublicKey,
    subject,
    role: req.role,
    notBeforeMs,
    notAfterMs,
  });
  const certificateHex = toHex(encode(certificateCodec, certificate));
  const entry: RegistryEntry = {
    idHash: toHex(subjectIdHash(req.subjectId)),
    subject: toHex(subject),
    salt: toHex(salt),
    address: toHex(addressFromPublicKey(req.subjectPublicKey)),
    publicKey: toHex(req.subjectPublicKey),
    role: req.role,
    chainId: req.chainId,
    serial: req.serial.toString(),
    notBeforeMs: notBeforeMs.toString(),
    notAfterMs: notAfterMs.toString(),
    issuedAt: new Date(req.nowMs).toISOString(),
  };
  await appendRegistryEntry(
    req.registryPath,
    req.password,
    publicKeyOf(req.caSecretKey),
    entry,
    req.registry ?? {},
  );
  return { certificate, certificateHex, entry };
}
