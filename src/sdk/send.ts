/**
 * Sign-and-submit for one transaction: learns the chain id and fee rule from GET /chain and the
 * sender's next nonce from GET /accounts/:address, builds and signs locally (the secret key never
 * leaves this process), and submits through the API client.
 */
import type { SubmitCommitted, TxResultJson } from "../api/schemas.js";
import { addressFromPublicKey, formatAddress, publicKeyOf } from "../crypto/ed25519.js";
import { CommonErrors, ConsortiaError } from "../errors.js";
import type { ConsortiaClient } from "./client.js";
import type { TxEnvelope } from "./tx.js";

/** Builds and signs one transaction for an envelope (e.g. `(sk, env) => buildTransfer(sk, env, to, amount)`). */
export type TxBuilder = (secretKey: Uint8Array, env: TxEnvelope) => Uint8Array;

export interface SendOptions {
  /** Base units; the chain's minimum fee for this transaction when omitted. */
  readonly fee?: bigint;
  /** The account's next nonce (from the committed state) when omitted. */
  readonly nonce?: bigint;
  /** Wait until the transaction is in a committed block and return its result. */
  readonly wait: boolean;
}

export interface SendResult {
  readonly hash: string;
  readonly chainId: string;
  readonly sender: string;
  readonly nonce: bigint;
  readonly fee: bigint;
  /** Present with `wait`: where the transaction landed and how it executed. */
  readonly committed?: { readonly height: string; readonly index: number; readonly result: TxResultJson };
}

/** minFeeBase + minFeePerByte × size, as /chain reports it (decimal strings or numbers; absent = 0). */
function feeRule(params: Readonly<Record<string, unknown>>): { base: bigint; perByte: bigint } {
  const big = (v: unknown): bigint => {
    if (typeof v === "bigint") return v;
    if (
      (typeof v === "string" && /^[0-9]+$/.test(v)) ||
      (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)
    ) {
      return BigInt(v);
    }
    return 0n;
  };
  return { base: big(params.minFeeBase), perByte: big(params.minFeePerByte) };
}

/**
 * The smallest fee that covers the transaction's own size. The fee is inside the signed bytes, so
 * raising it can lengthen the encoding (varints); iterate until the fee covers the final size.
 */
export function buildWithMinimumFee(
  build: (env: TxEnvelope) => Uint8Array,
  env: Omit<TxEnvelope, "fee">,
  rule: { base: bigint; perByte: bigint },
): { raw: Uint8Array; fee: bigint } {
  let fee = rule.base;
  for (let i = 0; i < 8; i++) {
    const raw = build({ ...env, fee });
    const need = rule.base + rule.perByte * BigInt(raw.length);
    if (fee >= need) return { raw, fee };
    fee = need;
  }
  throw new ConsortiaError(CommonErrors.INTERNAL, "minimum fee did not converge", { fee: fee.toString() });
}

export async function signAndSubmit(
  client: ConsortiaClient,
  secretKey: Uint8Array,
  build: TxBuilder,
  opts: SendOptions,
): Promise<SendResult> {
  const sender = formatAddress(addressFromPublicKey(publicKeyOf(secretKey)));
  const [chain, nonce] = await Promise.all([
    client.chain(),
    opts.nonce !== undefined
      ? Promise.resolve(opts.nonce)
      : client.getAccount(sender).then((a) => BigInt(a.nonce)),
  ]);
  const env = { chainId: chain.chainId, nonce };
  const sign = (e: TxEnvelope): Uint8Array => build(secretKey, e);
  const { raw, fee } =
    opts.fee !== undefined
      ? { raw: sign({ ...env, fee: opts.fee }), fee: opts.fee }
      : buildWithMinimumFee(sign, env, feeRule(chain.params));
  const base = { chainId: chain.chainId, sender, nonce, fee };
  if (!opts.wait) {
    const r = await client.submitTx(raw);
    return { hash: r.hash, ...base };
  }
  const c: SubmitCommitted = await client.submitTx(raw, { wait: "commit" });
  return { hash: c.hash, ...base, committed: { height: c.height, index: c.index, result: c.result } };
}

/**
 * A committed transaction can still have failed in execution (it paid its fee and did nothing
 * else); this turns that into the chain's own typed error so callers cannot mistake it for success.
 */
export function throwIfFailed(r: SendResult): void {
  const res = r.committed?.result;
  if (res === undefined || res.code === 0) return;
  throw new ConsortiaError(
    res.errorCode || CommonErrors.INTERNAL,
    res.log || `transaction failed with code ${res.code}`,
    {
      hash: r.hash,
      height: r.committed?.height,
      index: r.committed?.index,
      abciCode: res.code,
    },
  );
}
