import { amount, type Codec, encode, fixedBytes, string, struct } from "../codec/schema.js";
import { attachSignature, encodeUnsignedTx } from "../codec/tx.js";
import { DOMAIN_TX, publicKeyOf, signWithDomain } from "../crypto/ed25519.js";
import { type Certificate, certificateCodec } from "../modules/identity/certificate.js";

/** What every transaction needs besides its message. */
export interface TxEnvelope {
  readonly chainId: string;
  readonly nonce: bigint;
  readonly fee: bigint;
}

/** Encodes `msg` with its codec, wraps it in the v1 envelope and signs it. */
export function buildTx<M>(
  secretKey: Uint8Array,
  env: TxEnvelope,
  type: string,
  codec: Codec<M>,
  msg: M,
): Uint8Array {
  const unsigned = encodeUnsignedTx({
    chainId: env.chainId,
    nonce: env.nonce,
    fee: env.fee,
    type,
    payload: encode(codec, msg),
    publicKey: publicKeyOf(secretKey),
  });
  return attachSignature(unsigned, signWithDomain(secretKey, DOMAIN_TX, unsigned));
}

const transferCodec = struct({ to: fixedBytes(20), amount });
const registerCodec = struct({ certificate: certificateCodec });
const revokeCodec = struct({ address: fixedBytes(20), reason: string(256) });

export function buildTransfer(
  secretKey: Uint8Array,
  env: TxEnvelope,
  to: Uint8Array,
  value: bigint,
): Uint8Array {
  return buildTx(secretKey, env, "coin/transfer", transferCodec, { to, amount: value });
}

export function buildRegister(secretKey: Uint8Array, env: TxEnvelope, certificate: Certificate): Uint8Array {
  return buildTx(secretKey, env, "identity/register", registerCodec, { certificate });
}

export function buildRevoke(
  secretKey: Uint8Array,
  env: TxEnvelope,
  address: Uint8Array,
  reason: string,
): Uint8Array {
  return buildTx(secretKey, env, "identity/revoke", revokeCodec, { address, reason });
}
