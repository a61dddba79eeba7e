/**
 * Error codes of src/crypto (numeric range 200–299). One table so the numbers stay unique and
 * stable: they are ABCI result codes once released.
 */
import { registerErrorCodes } from "../errors.js";

export const CryptoErrors = registerErrorCodes({
  /** A hex string is not even-length lowercase [0-9a-f], or has the wrong byte length. */
  CRYPTO_BAD_HEX: { num: 200, http: 400 },
  /** A key (seed, secret key or public key) has the wrong type or length. */
  CRYPTO_BAD_KEY: { num: 201, http: 400 },
  /** An address is not 20 bytes / 40 lowercase hex characters. */
  CRYPTO_BAD_ADDRESS: { num: 202, http: 400 },
  /** An argument other than a key is invalid (domain string, option, thread count, ...). */
  CRYPTO_BAD_ARGUMENT: { num: 203, http: 400 },
  /** verifyBatch was called on a closed verify pool. */
  CRYPTO_POOL_CLOSED: { num: 204, http: 503 },
  /** A verify worker thread crashed or exited while holding work. */
  CRYPTO_WORKER_FAILED: { num: 205, http: 500 },

  /** A keystore document does not match the keystore schema (details name the field). */
  KEYSTORE_MALFORMED: { num: 220, http: 400 },
  /** GCM authentication failed: wrong password, or ciphertext/tag/iv/salt were modified. */
  KEYSTORE_BAD_PASSWORD: { num: 221, http: 401 },
  /** The decrypted secret key does not belong to the keystore's stated public key. */
  KEYSTORE_KEY_MISMATCH: { num: 222, http: 422 },
  /** The keystore file does not exist. */
  KEYSTORE_NOT_FOUND: { num: 223, http: 404 },
  /** Refused to overwrite an existing keystore file. */
  KEYSTORE_EXISTS: { num: 224, http: 409 },
  /** Reading or writing the keystore file failed (details: {path, op, errno}). */
  KEYSTORE_IO: { num: 225, http: 500 },

  /** An HD derivation path is malformed, or uses a non-hardened or out-of-range index. */
  HD_BAD_PATH: { num: 240, http: 400 },
  /** An HD master seed is not 16–64 bytes. */
  HD_BAD_SEED: { num: 241, http: 400 },
});
