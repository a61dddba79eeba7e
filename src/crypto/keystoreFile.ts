/**
 * Keystore files on disk: the I/O shell around keystore.ts. Files are created with mode 0o600 and
 * fsynced before they become visible, and an existing file is never overwritten unless asked:
 * silently replacing a key file can destroy the only copy of a key.
 */
import { randomBytes } from "node:crypto";
import { chmod, open, readFile, rename, unlink } from "node:fs/promises";
import { ConsortiaError } from "../errors.js";
import { CryptoErrors } from "./errors.js";
import {
  type DecryptedKey,
  decryptKeystore,
  type EncryptKeystoreOptions,
  encryptKeystore,
  type Keystore,
} from "./keystore.js";

export interface WriteKeystoreOptions extends EncryptKeystoreOptions {
  /** Replace an existing file (atomically, via a temporary file and rename). Default false. */
  readonly overwrite?: boolean;
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}

function ioError(path: string, op: string, err: unknown): ConsortiaError {
  const errno = errnoOf(err);
  if (errno === "ENOENT" && op === "read") {
    return new ConsortiaError(CryptoErrors.KEYSTORE_NOT_FOUND, `keystore file ${path} does not exist`, {
      path,
    });
  }
  if (errno === "EEXIST") {
    return new ConsortiaError(
      CryptoErrors.KEYSTORE_EXISTS,
      `keystore file ${path} already exists (pass overwrite to replace it)`,
      { path },
    );
  }
  return new ConsortiaError(
    CryptoErrors.KEYSTORE_IO,
    `keystore ${op} of ${path} failed: ${err instanceof Error ? err.message : String(err)}`,
    { path, op, errno: errno ?? null },
    { cause: err },
  );
}

async function writeExclusive(path: string, text: string): Promise<void> {
  const fh = await open(path, "wx", 0o600);
  try {
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  // open's mode is filtered by the umask, which can only remove bits; chmod makes it exact anyway.
  await chmod(path, 0o600);
}

/** Writes an already-encrypted keystore document. */
export async function writeKeystoreJson(path: string, keystore: Keystore, overwrite = false): Promise<void> {
  const text = `${JSON.stringify(keystore, null, 2)}\n`;
  if (!overwrite) {
    try {
      await writeExclusive(path, text);
    } catch (err) {
      throw ioError(path, "write", err);
    }
    return;
  }
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  try {
    await writeExclusive(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw ioError(path, "write", err);
  }
}

/** Encrypts `secretKey` and writes it to `path` (mode 0o600). createdAt defaults to now. */
export async function writeKeystoreFile(
  path: string,
  secretKey: Uint8Array,
  password: string,
  opts: WriteKeystoreOptions = {},
): Promise<Keystore> {
  const ks = await encryptKeystore(secretKey, password, {
    ...opts,
    createdAt: opts.createdAt ?? new Date().toISOString(),
  });
  await writeKeystoreJson(path, ks, opts.overwrite ?? false);
  return ks;
}

export async function readKeystoreFile(path: string, password: string): Promise<DecryptedKey> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw ioError(path, "read", err);
  }
  return decryptKeystore(text, password);
}
