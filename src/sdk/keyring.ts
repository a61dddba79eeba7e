/**
 * A directory of named keystore files (`<name>.keystore.json`), the client-side key store the CLI
 * uses. Only public data is ever read without a password; secrets leave a file only through
 * unlockKey, decrypted in memory.
 */
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { generateKeyPair, type RandomBytes } from "../crypto/ed25519.js";
import { CryptoErrors } from "../crypto/errors.js";
import {
  type DecryptedKey,
  decryptKeystore,
  type Keystore,
  parseKeystore,
  type ScryptParams,
} from "../crypto/keystore.js";
import { writeKeystoreFile } from "../crypto/keystoreFile.js";
import { ConsortiaError, registerErrorCodes } from "../errors.js";

export const KeyringErrors = registerErrorCodes({
  /** A key name is not 1–64 characters of [A-Za-z0-9._-] starting with a letter or digit. */
  KEYRING_BAD_NAME_PARAM: { num: 1216, http: 400 },
  /** No keystore file for that name (or path). */
  KEYRING_KEY_NOT_FOUND: { num: 1217, http: 404 },
  /** The keys directory or a key file cannot be read (details: {path, errno}). */
  KEYRING_IO: { num: 1218, http: 500 },
  /** A key with that name already exists; keys are never overwritten. */
  KEYRING_KEY_EXISTS: { num: 1219, http: 409 },
});

export const KEYSTORE_SUFFIX = ".keystore.json";
/** Keystore files are tiny (< 1 KiB); anything big in the directory is not one of ours. */
const MAX_KEYSTORE_BYTES = 64 * 1024;
// Names become file names: no separators, no leading dot, so a name can never escape the directory.
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Public facts about a stored key; never the secret. */
export interface KeyInfo {
  readonly name: string;
  readonly address: string;
  readonly publicKey: string;
  readonly createdAt: string | null;
  readonly path: string;
}

export interface KeyringEnv {
  readonly CONSORTIA_KEYS_DIR?: string | undefined;
}

/** --keys-dir, else $CONSORTIA_KEYS_DIR, else ~/.consortia/keys. */
export function resolveKeysDir(flag: string | undefined, env: KeyringEnv = process.env): string {
  if (flag !== undefined && flag !== "") return flag;
  if (env.CONSORTIA_KEYS_DIR !== undefined && env.CONSORTIA_KEYS_DIR !== "") return env.CONSORTIA_KEYS_DIR;
  return join(homedir(), ".consortia", "keys");
}

export function checkKeyName(name: string, field = "name"): string {
  if (typeof name !== "string" || !NAME_RE.test(name)) {
    throw new ConsortiaError(
      KeyringErrors.KEYRING_BAD_NAME_PARAM,
      `${field} must be 1-64 characters of [A-Za-z0-9._-] starting with a letter or digit, got "${name}"`,
      { field },
    );
  }
  return name;
}

/**
 * A key reference is a name in `dir`, or a path to a keystore file when it contains a path
 * separator or ends in .json (e.g. the CA key written by `consortia init`).
 */
export function keyPath(dir: string, ref: string, field = "key"): string {
  if (ref.includes("/") || ref.includes("\\") || ref.endsWith(".json")) return ref;
  return join(dir, `${checkKeyName(ref, field)}${KEYSTORE_SUFFIX}`);
}

function errnoOf(err: unknown): string | null {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : null;
}

async function readKeystoreText(path: string, ref: string): Promise<string> {
  try {
    const st = await stat(path);
    if (st.size > MAX_KEYSTORE_BYTES) {
      throw new ConsortiaError(KeyringErrors.KEYRING_IO, `${path} is ${st.size} bytes: not a keystore file`, {
        path,
        errno: null,
      });
    }
    return await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof ConsortiaError) throw err;
    if (errnoOf(err) === "ENOENT") {
      throw new ConsortiaError(
        KeyringErrors.KEYRING_KEY_NOT_FOUND,
        `no key "${ref}": ${path} does not exist`,
        {
          key: ref,
          path,
        },
      );
    }
    throw new ConsortiaError(
      KeyringErrors.KEYRING_IO,
      `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`,
      { path, errno: errnoOf(err) },
      { cause: err },
    );
  }
}

function infoOf(ks: Keystore, path: string): KeyInfo {
  const file = basename(path);
  const fallback = file.endsWith(KEYSTORE_SUFFIX) ? file.slice(0, -KEYSTORE_SUFFIX.length) : file;
  return {
    name: ks.name ?? fallback,
    address: ks.address,
    publicKey: ks.publicKey,
    createdAt: ks.createdAt ?? null,
    path,
  };
}

export interface CreateKeyOptions {
  readonly scrypt?: ScryptParams;
  readonly createdAt: string;
  readonly randomBytes?: RandomBytes;
}

/** Generates a key and stores it as `<dir>/<name>.keystore.json`; never overwrites. */
export async function createKey(
  dir: string,
  name: string,
  password: string,
  opts: CreateKeyOptions,
): Promise<KeyInfo> {
  const path = keyPath(dir, checkKeyName(name));
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ConsortiaError(
      KeyringErrors.KEYRING_IO,
      `cannot create keys directory ${dir}: ${err instanceof Error ? err.message : String(err)}`,
      { path: dir, errno: errnoOf(err) },
      { cause: err },
    );
  }
  const keys = generateKeyPair(opts.randomBytes);
  try {
    const ks = await writeKeystoreFile(path, keys.secretKey, password, {
      name,
      createdAt: opts.createdAt,
      ...(opts.scrypt ? { scrypt: opts.scrypt } : {}),
    });
    return infoOf(ks, path);
  } catch (err) {
    if (err instanceof ConsortiaError && err.code === CryptoErrors.KEYSTORE_EXISTS) {
      throw new ConsortiaError(
        KeyringErrors.KEYRING_KEY_EXISTS,
        `a key named "${name}" already exists: ${path}`,
        {
          name,
          path,
        },
      );
    }
    throw err;
  } finally {
    keys.secretKey.fill(0);
  }
}

export interface KeyList {
  readonly dir: string;
  readonly keys: readonly KeyInfo[];
  /** Files named like keystores that do not parse; listed so a broken key is not silently hidden. */
  readonly invalid: ReadonlyArray<{
    readonly path: string;
    readonly error: { code: string; message: string };
  }>;
}

/** Every `*.keystore.json` in `dir`, sorted by name; a missing directory is an empty list. */
export async function listKeys(dir: string): Promise<KeyList> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return { dir, keys: [], invalid: [] };
    throw new ConsortiaError(
      KeyringErrors.KEYRING_IO,
      `cannot list ${dir}: ${err instanceof Error ? err.message : String(err)}`,
      { path: dir, errno: errnoOf(err) },
      { cause: err },
    );
  }
  const keys: KeyInfo[] = [];
  const invalid: { path: string; error: { code: string; message: string } }[] = [];
  for (const file of files.filter((f) => f.endsWith(KEYSTORE_SUFFIX)).sort()) {
    const path = join(dir, file);
    try {
      keys.push(infoOf(parseKeystore(await readKeystoreText(path, file)), path));
    } catch (err) {
      const e =
        err instanceof ConsortiaError ? err : new ConsortiaError(KeyringErrors.KEYRING_IO, String(err));
      invalid.push({ path, error: { code: e.code, message: e.message } });
    }
  }
  keys.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { dir, keys, invalid };
}

/** Public facts of one key, read without the password. */
export async function showKey(dir: string, ref: string): Promise<KeyInfo> {
  const path = keyPath(dir, ref);
  return infoOf(parseKeystore(await readKeystoreText(path, ref)), path);
}

/** Decrypts a key for signing. The caller should zero `secretKey` when done. */
export async function unlockKey(dir: string, ref: string, password: string): Promise<DecryptedKey> {
  const path = keyPath(dir, ref);
  return decryptKeystore(await readKeystoreText(path, ref), password);
}
