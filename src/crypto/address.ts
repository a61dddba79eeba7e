/**
 * Account addresses. Same rule as CometBFT for ed25519 validator keys (crypto/ed25519
 * `PubKey.Address()` = tmhash.SumTruncated): the first 20 bytes of sha256(publicKey). Keeping the
 * rule identical means a validator's application address equals its CometBFT address.
 * Text form: 40 lowercase hex characters, no prefix.
 */
import { Buffer } from "node:buffer";
import { ConsortiaError } from "../errors.js";
import { CryptoErrors } from "./errors.js";
import { sha256, toHex } from "./hash.js";

export const ADDRESS_BYTES = 20;

export function addressFromPublicKey(publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== 32) {
    throw new ConsortiaError(CryptoErrors.CRYPTO_BAD_KEY, "publicKey must be a Uint8Array of 32 bytes", {
      field: "publicKey",
    });
  }
  return sha256(publicKey).slice(0, ADDRESS_BYTES);
}

export function formatAddress(address: Uint8Array): string {
  if (!(address instanceof Uint8Array) || address.byteLength !== ADDRESS_BYTES) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ADDRESS,
      `address must be a Uint8Array of ${ADDRESS_BYTES} bytes`,
      { field: "address" },
    );
  }
  return toHex(address);
}

const ADDRESS_RE = /^[0-9a-f]{40}$/;

/** Strict: exactly 40 lowercase hex characters, so every address has one text form. */
export function parseAddress(text: string, field = "address"): Uint8Array {
  if (typeof text !== "string" || !ADDRESS_RE.test(text)) {
    throw new ConsortiaError(
      CryptoErrors.CRYPTO_BAD_ADDRESS,
      `${field} must be exactly 40 lowercase hex characters [0-9a-f]`,
      { field, length: typeof text === "string" ? text.length : null },
    );
  }
  return new Uint8Array(Buffer.from(text, "hex"));
}

export function isAddress(text: unknown): text is string {
  return typeof text === "string" && ADDRESS_RE.test(text);
}
