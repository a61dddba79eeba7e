import { decode, encode, enumOf, fixedBytes, string, struct, u64, versioned } from "../../codec/schema.js";
import { DOMAIN_REQUEST, signWithDomain, verifyWithDomain } from "../../crypto/ed25519.js";
import { PURPOSES, type Purpose } from "./policy.js";

/**
 * A requester's signed ask for one record (BEdgeHealth eq. 17 T_req = PKU ‖ ID ‖ P_addr ‖ timestamp;
 * edge-cloud Step 1). It travels to the holder off chain; the holder puts it on chain in
 * `access/retrieve`, where anybody can re-verify who asked, for what, and when.
 */
export interface RetrievalRequest {
  readonly chainId: string;
  /** The requester's Ed25519 public key; its address is the first 20 bytes of sha256(key). */
  readonly requester: Uint8Array;
  readonly recordId: Uint8Array;
  readonly holder: Uint8Array;
  readonly purpose: Purpose;
  readonly nonce: Uint8Array;
  readonly timestampMs: bigint;
}

export const retrievalRequestCodec = versioned(
  1,
  struct({
    chainId: string(64),
    requester: fixedBytes(32),
    recordId: fixedBytes(32),
    holder: fixedBytes(20),
    purpose: enumOf(PURPOSES),
    nonce: fixedBytes(16),
    timestampMs: u64,
  }),
);

export function encodeRetrievalRequest(req: RetrievalRequest): Uint8Array {
  return encode(retrievalRequestCodec, { ...req }, 160);
}

export function decodeRetrievalRequest(bytes: Uint8Array): RetrievalRequest {
  return decode(retrievalRequestCodec, bytes, { maxBytes: 256 });
}

/** Signed under `consortia/request/v1`, so a request signature can never pass as a transaction. */
export function signRetrievalRequest(secretKey: Uint8Array, req: RetrievalRequest): Uint8Array {
  return signWithDomain(secretKey, DOMAIN_REQUEST, encodeRetrievalRequest(req));
}

/** False (never throws) for a bad signature or a request that does not encode. */
export function verifyRetrievalRequest(req: RetrievalRequest, signature: Uint8Array): boolean {
  let bytes: Uint8Array;
  try {
    bytes = encodeRetrievalRequest(req);
  } catch {
    return false;
  }
  return verifyWithDomain(req.requester, DOMAIN_REQUEST, bytes, signature);
}
