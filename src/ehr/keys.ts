import { sha256Concat } from "../crypto/hash.js";
import { deriveX25519KeyPair, type X25519KeyPair } from "../crypto/hpke.js";

const DOMAIN = new TextEncoder().encode("consortia/x25519/v1");

/**
 * The X25519 key a user or institution publishes (access/set-profile) and records are wrapped to,
 * derived from the Ed25519 account secret: one secret to back up, and a keyring needs no new
 * entry. Domain-separated, so the encryption key reveals nothing about the signing key.
 */
export function encryptionKeyPairOf(ed25519SecretKey: Uint8Array): X25519KeyPair {
  return deriveX25519KeyPair(sha256Concat(DOMAIN, ed25519SecretKey));
}
