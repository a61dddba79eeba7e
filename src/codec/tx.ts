import { ConsortiaError } from "../errors.js";
import { Writer } from "./binary.js";
import { CodecErrors } from "./errors.js";
import { amount, bytes, type Codec, decode, fixedBytes, string, struct, u64, versioned } from "./schema.js";

/**
 * The transaction envelope, version 1:
 *
 *   0x01 | chainId:string | nonce:u64 | fee:amount | type:string | payload:bytes | publicKey:32 | signature:64
 *
 * The signature covers DOMAIN_TX ‖ 0x00 ‖ (every byte before the signature), so the signed bytes
 * are a prefix of the transaction itself: verification needs no re-encoding, and the chain id
 * inside them stops a transaction signed for one network from replaying on another.
 */
export const TX_VERSION = 1;
export const MAX_CHAIN_ID_BYTES = 64;
export const MAX_TYPE_BYTES = 64;
/** Hard codec bound; the application's configured `maxTxBytes` is usually far lower. */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
export const SIGNATURE_BYTES = 64;

export interface UnsignedTx {
  chainId: string;
  nonce: bigint;
  fee: bigint;
  /** "<module>/<message>", e.g. "coin/transfer". */
  type: string;
  /** The message, in the canonical encoding of that message type. */
  payload: Uint8Array;
  publicKey: Uint8Array;
}

export interface SignedTx extends UnsignedTx {
  signature: Uint8Array;
}

const unsignedBody = struct({
  chainId: string(MAX_CHAIN_ID_BYTES),
  nonce: u64,
  fee: amount,
  type: string(MAX_TYPE_BYTES),
  payload: bytes(MAX_PAYLOAD_BYTES),
  publicKey: fixedBytes(32),
});

export const unsignedTxCodec: Codec<UnsignedTx> = versioned(TX_VERSION, unsignedBody);

export const signedTxCodec: Codec<SignedTx> = versioned(
  TX_VERSION,
  struct({
    chainId: string(MAX_CHAIN_ID_BYTES),
    nonce: u64,
    fee: amount,
    type: string(MAX_TYPE_BYTES),
    payload: bytes(MAX_PAYLOAD_BYTES),
    publicKey: fixedBytes(32),
    signature: fixedBytes(SIGNATURE_BYTES),
  }),
);

export function encodeUnsignedTx(tx: UnsignedTx): Uint8Array {
  const w = new Writer(96 + tx.payload.length);
  unsignedTxCodec.encode(w, tx);
  return w.finish();
}

/** Appends the signature to the unsigned encoding (the signed form is exactly that). */
export function attachSignature(unsigned: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== SIGNATURE_BYTES) {
    throw new ConsortiaError(CodecErrors.CODEC_OUT_OF_RANGE, `signature must be ${SIGNATURE_BYTES} bytes`);
  }
  const out = new Uint8Array(unsigned.length + SIGNATURE_BYTES);
  out.set(unsigned, 0);
  out.set(signature, unsigned.length);
  return out;
}

export function decodeTx(raw: Uint8Array, maxBytes: number): SignedTx {
  return decode(signedTxCodec, raw, { maxBytes });
}

/** The bytes the signature covers (without the domain prefix): all but the last 64 bytes. */
export function txSignedPart(raw: Uint8Array): Uint8Array {
  return raw.subarray(0, raw.length - SIGNATURE_BYTES);
}

export function txSignature(raw: Uint8Array): Uint8Array {
  return raw.subarray(raw.length - SIGNATURE_BYTES);
}
