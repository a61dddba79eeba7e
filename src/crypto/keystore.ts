/**
 * Encrypted key files at rest (pure: no file I/O here; see keystoreFile.ts). The secret key (the
 * 32-byte Ed25519 seed) is encrypted with AES-256-GCM under a key derived from the password by
 * scrypt. All KDF parameters live in the file so the cost can be raised later without breaking
 * old files. The header (address, publicKey) is not authenticated data: instead, after decryption
 * the secret key must reproduce `publicKey`, which catches a swapped header; and tampering with
 * kdf/cipher fields changes the derived key or the GCM input, which fails authentication.
 */
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes, scrypt } from "node:crypto";
import { z } from "zod";
import { CommonErrors, ConsortiaError } from "../errors.js";
import { addressFromPublicKey, formatAddress } from "./address.js";
import { keyPairFromSeed, type RandomBytes, SECRET_KEY_BYTES } from "./ed25519.js";
import { CryptoErrors } from "./errors.js";
import { bytesEqual, fromHex, ownedBytes, toHex } from "./hash.js";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/** ~100 ms and 32 MiB per derivation on a laptop core: interactive unlock cost. */
export const SCRYPT_DEFAULT: ScryptParams = { n: 2 ** 15, r: 8, p: 1 };
/** For tests and throwaway devnet keys only: ~32x cheaper than the default. */
export const SCRYPT_INSECURE_FAST: ScryptParams = { n: 2 ** 10, r: 8, p: 1 };

/**
 * Bounds on parameters read from a file, so a crafted keystore cannot make us allocate gigabytes
 * or spin for minutes: scrypt memory is 128·n·r bytes.
 */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_SCRYPT_P = 16;
const MAX_SCRYPT_R = 32;

const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

const hexOf = (bytes: number) =>
  z
    .string()
    .regex(/^[0-9a-f]*$/, "must be lowercase hex")
    .length(bytes * 2, `must be ${bytes * 2} hex chars`);

const scryptFields = {
  n: z
    .number()
    .int()
    .min(2)
    .refine((n) => (n & (n - 1)) === 0, "must be a power of two"),
  r: z.number().int().min(1).max(MAX_SCRYPT_R),
  p: z.number().int().min(1).max(MAX_SCRYPT_P),
};
const memoryOk = (k: { n: number; r: number }): boolean => 128 * k.n * k.r <= MAX_SCRYPT_MEMORY;
const memoryIssue = (): { message: string; path: string[] } => ({
  message: `must keep scrypt memory 128*n*r <= ${MAX_SCRYPT_MEMORY} bytes`,
  path: ["n"],
});

const scryptParamsSchema = z.object(scryptFields).refine(memoryOk, memoryIssue());

export const KeystoreSchema = z.object({
  version: z.literal(1),
  kind: z.literal("consortia-keystore"),
  address: hexOf(20),
  publicKey: hexOf(32),
  kdf: z
    .object({
      name: z.literal("scrypt"),
      ...scryptFields,
      salt: z.string().regex(/^(?:[0-9a-f]{2}){16,64}$/, "must be 16..64 bytes of lowercase hex"),
    })
    .refine(memoryOk, memoryIssue()),
  cipher: z.object({
    name: z.literal("aes-256-gcm"),
    iv: hexOf(IV_BYTES),
    tag: hexOf(TAG_BYTES),
    ciphertext: hexOf(SECRET_KEY_BYTES),
  }),
  name: z.string().max(256).optional(),
  createdAt: z.string().max(64).optional(),
});

export type Keystore = z.infer<typeof KeystoreSchema>;

export interface EncryptKeystoreOptions {
  /** Default SCRYPT_DEFAULT. */
  readonly scrypt?: ScryptParams;
  /** Human label stored in clear. */
  readonly name?: string;
  /** ISO-8601 timestamp stored in clear; passed in so this module stays clock-free. */
  readonly createdAt?: string;
  /** Salt and IV source; injectable for deterministic tests. */
  readonly randomBytes?: RandomBytes;
}

export interface DecryptedKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** 40-char lowercase hex. */
  readonly address: string;
}

function malformed(field: string, condition: string): ConsortiaError {
  return new ConsortiaError(CryptoErrors.KEYSTORE_MALFORMED, `keystore field ${field} ${condition}`, {
    field,
    condition,
  });
}

/** NFKC so the same password typed on different keyboards/IMEs derives the same key. */
function passwordBytes(password: string): Buffer {
  if (typeof password !== "string" || password.length === 0) {
    throw new ConsortiaError(CryptoErrors.CRYPTO_BAD_ARGUMENT, "password must be a non-empty string", {
      field: "password",
    });
  }
  return Buffer.from(password.normalize("NFKC"), "utf8");
}

function deriveKey(password: Buffer, salt: Uint8Array, k: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem above the 128·N·r need: node's default (32 MiB) rejects exactly N=2^15, r=8.
    scrypt(
      password,
      salt,
      KEY_BYTES,
      { N: k.n, r: k.r, p: k.p, maxmem: 256 * k.n * k.r + 1024 },
      (err, key) =>
        err
          ? reject(
              new ConsortiaError(CommonErrors.INTERNAL, `scrypt failed: ${err.message}`, {}, { cause: err }),
            )
          : resolve(key),
    );
  });
}

function randomOf(randomBytes: RandomBytes, n: number, field: string): Uint8Array {
  const b = randomBytes(n);
  if (!(b instanceof Uint8Array) || b.byteLength !== n) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ARGUMENT,
      `randomBytes(${n}) for ${field} returned wrong length`,
      {
        field: "randomBytes",
      },
    );
  }
  return b;
}

export async function encryptKeystore(
  secretKey: Uint8Array,
  password: string,
  opts: EncryptKeystoreOptions = {},
): Promise<Keystore> {
  const { publicKey } = keyPairFromSeed(secretKey);
  const params = opts.scrypt ?? SCRYPT_DEFAULT;
  const checked = scryptParamsSchema.safeParse(params);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ARGUMENT,
      `scrypt.${issue?.path.join(".") ?? ""} ${issue?.message ?? "is invalid"}`,
      { field: `scrypt.${issue?.path.join(".") ?? ""}` },
    );
  }
  const pw = passwordBytes(password);
  const rnd = opts.randomBytes ?? nodeRandomBytes;
  const salt = randomOf(rnd, SALT_BYTES, "salt");
  const iv = randomOf(rnd, IV_BYTES, "iv");
  const key = await deriveKey(pw, salt, params);
  try {
    const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(secretKey), cipher.final()]);
    const ks: Keystore = {
      version: 1,
      kind: "consortia-keystore",
      address: formatAddress(addressFromPublicKey(publicKey)),
      publicKey: toHex(publicKey),
      kdf: { name: "scrypt", n: params.n, r: params.r, p: params.p, salt: toHex(salt) },
      cipher: {
        name: "aes-256-gcm",
        iv: toHex(iv),
        tag: toHex(cipher.getAuthTag()),
        ciphertext: toHex(ciphertext),
      },
    };
    if (opts.name !== undefined) ks.name = opts.name;
    if (opts.createdAt !== undefined) ks.createdAt = opts.createdAt;
    return KeystoreSchema.parse(ks);
  } finally {
    key.fill(0);
  }
}

/** Validates a keystore document (object or JSON text) without decrypting it. */
export function parseKeystore(json: unknown): Keystore {
  let doc = json;
  if (typeof json === "string") {
    try {
      doc = JSON.parse(json);
    } catch {
      throw malformed("(document)", "must be valid JSON");
    }
  }
  const res = KeystoreSchema.safeParse(doc);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw malformed(
      issue && issue.path.length > 0 ? issue.path.join(".") : "(document)",
      issue?.message ?? "is invalid",
    );
  }
  const ks = res.data;
  if (formatAddress(addressFromPublicKey(fromHex(ks.publicKey))) !== ks.address) {
    throw malformed("address", "must equal the first 20 bytes of sha256(publicKey)");
  }
  return ks;
}

export async function decryptKeystore(json: unknown, password: string): Promise<DecryptedKey> {
  const ks = parseKeystore(json);
  const pw = passwordBytes(password);
  const key = await deriveKey(pw, fromHex(ks.kdf.salt), ks.kdf);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, fromHex(ks.cipher.iv), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(fromHex(ks.cipher.tag));
    plain = Buffer.concat([decipher.update(fromHex(ks.cipher.ciphertext)), decipher.final()]);
  } catch (err) {
    throw new ConsortiaError(
      CryptoErrors.KEYSTORE_BAD_PASSWORD,
      "keystore authentication failed: wrong password, or the ciphertext/tag/iv/salt was modified",
      { address: ks.address },
      { cause: err },
    );
  } finally {
    key.fill(0);
  }
  const secretKey = ownedBytes(plain);
  const publicKey = fromHex(ks.publicKey);
  if (!bytesEqual(keyPairFromSeed(secretKey).publicKey, publicKey)) {
    secretKey.fill(0);
    throw new ConsortiaError(
      CryptoErrors.KEYSTORE_KEY_MISMATCH,
      "keystore secret key does not belong to its publicKey field",
      { address: ks.address },
    );
  }
  return { secretKey, publicKey, address: ks.address };
}
