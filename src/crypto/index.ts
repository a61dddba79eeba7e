/** Public API of src/crypto. See docs/crypto.md. */
export { ADDRESS_BYTES, addressFromPublicKey, formatAddress, isAddress, parseAddress } from "./address.js";
export {
  clearKeyCaches,
  configureKeyCaches,
  DEFAULT_PRIVATE_KEY_CACHE,
  DEFAULT_PUBLIC_KEY_CACHE,
  DOMAIN_BLOCK,
  DOMAIN_CERT,
  DOMAIN_REQUEST,
  DOMAIN_TX,
  domainMessage,
  generateKeyPair,
  type KeyPair,
  keyCacheStats,
  keyPairFromSeed,
  PUBLIC_KEY_BYTES,
  publicKeyOf,
  type RandomBytes,
  SECRET_KEY_BYTES,
  SIGNATURE_BYTES,
  signBytes,
  signWithDomain,
  verifyBytes,
  verifyWithDomain,
} from "./ed25519.js";
export { CryptoErrors } from "./errors.js";
export { bytesEqual, type FromHexOptions, fromHex, sha256, sha256Concat, toHex } from "./hash.js";
export {
  deriveEd25519,
  HARDENED_OFFSET,
  HD_COIN_TYPE,
  HD_PURPOSE,
  type HdKey,
  parseHdPath,
  walletKey,
  walletPath,
} from "./hd.js";
export {
  type DecryptedKey,
  decryptKeystore,
  type EncryptKeystoreOptions,
  encryptKeystore,
  type Keystore,
  KeystoreSchema,
  parseKeystore,
  SCRYPT_DEFAULT,
  SCRYPT_INSECURE_FAST,
  type ScryptParams,
} from "./keystore.js";
export {
  readKeystoreFile,
  type WriteKeystoreOptions,
  writeKeystoreFile,
  writeKeystoreJson,
} from "./keystoreFile.js";
export {
  createVerifyPool,
  measureVerifyThroughput,
  type ThroughputOptions,
  type VerifyItem,
  type VerifyPool,
  type VerifyPoolOptions,
  verifyInline,
} from "./verifyPool.js";
