import { encode, enumOf, fixedBytes, string, struct, u64, versioned } from "../../codec/schema.js";
import { DOMAIN_CERT, signWithDomain, verifyWithDomain } from "../../crypto/ed25519.js";

/**
 * Roles across the five papers: Healthchain (patient, doctor, researcher, institution, auditor,
 * insurer), BEdgeHealth/edge-cloud (storage, ca), Energy (energy-node, aggregator, credit-bank,
 * bank, utility), SPDS (data-owner, utility). Appending is safe; reordering breaks encodings.
 */
export const ROLES = [
  "patient",
  "doctor",
  "researcher",
  "institution",
  "auditor",
  "insurer",
  "bank",
  "energy-node",
  "aggregator",
  "credit-bank",
  "data-owner",
  "utility",
  "storage",
  "ca",
] as const;
export type Role = (typeof ROLES)[number];

/**
 * A CA-signed binding of a public key to a role (the account center's certificate of Healthchain
 * §III-B-1 / BEdgeHealth eqs 13–16). `subject` is a pseudonymous 32-byte hash chosen by the CA,
 * e.g. sha256(sha256(real-world id) ‖ per-wallet salt): every wallet address of one person gets a
 * different subject, so addresses are unlinkable on chain; the CA keeps the mapping off chain.
 */
export interface CertificateBody {
  chainId: string;
  serial: bigint;
  caPublicKey: Uint8Array;
  subjectPublicKey: Uint8Array;
  subject: Uint8Array;
  role: Role;
  notBeforeMs: bigint;
  notAfterMs: bigint;
}

export interface Certificate extends CertificateBody {
  signature: Uint8Array;
}

const bodyFields = {
  chainId: string(64),
  serial: u64,
  caPublicKey: fixedBytes(32),
  subjectPublicKey: fixedBytes(32),
  subject: fixedBytes(32),
  role: enumOf(ROLES),
  notBeforeMs: u64,
  notAfterMs: u64,
};

export const certificateBodyCodec = versioned(1, struct(bodyFields));
export const certificateCodec = versioned(1, struct({ ...bodyFields, signature: fixedBytes(64) }));

export function signCertificate(caSecretKey: Uint8Array, body: CertificateBody): Certificate {
  const signature = signWithDomain(caSecretKey, DOMAIN_CERT, encode(certificateBodyCodec, body));
  return { ...body, signature };
}

export function verifyCertificateSignature(cert: Certificate): boolean {
  const { signature, ...body } = cert;
  return verifyWithDomain(cert.caPublicKey, DOMAIN_CERT, encode(certificateBodyCodec, body), signature);
}
