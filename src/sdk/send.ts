/**
 * Sign-and-submit for one transaction: learns the chain id and fee rule from GET /chain and the
 * sender's next nonce (`pendingNonce`) from GET /accounts/:address, builds and signs locally (the secret key never
 * leaves this process), and submits through the API client.
 */
import type { SubmitCommitted, TxResultJson } from "../api/schemas.js";
import { AppErrors } from "../app/errors.js";
import { addressFromPublicKey, formatAddress, publicKeyOf } from "../crypto/ed25519.js";
import { CommonErrors, ConsortiaError, isConsortiaError } from "../errors.js";
import type { ConsortiaClient } from "./client.js";
import type { TxEnvelope } from "./tx.js";

/** Builds and signs one transaction for an envelope (e.g. `(sk, env) => buildTransfer(sk, env, to, amount)`). */
export type TxBuilder = (secretKey: Uint8Array, env: TxEnvelope) => Uint8Array;

export interface SendOptions {
  /** Base units; the chain's minimum fee for this transaction when omitted. */
  readonly fee?: bigint;
  /**
   * When omitted: the node's next nonce counting its admitted transactions, re-read and retried
   * (up to 3 attempts) if another signer with this key took it first (TX_BAD_NONCE). Given: used
   * as is, never retried.
   */
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

/**
 * Attempts when the nonce is learned from the node: another signer with the same key (a hospital's
 * record service beside its CLI) can take the nonce between the read and the submission.
 */
const NONCE_ATTEMPTS = 3;

export async function signAndSubmit(
  client: ConsortiaClient,
  secretKey: Uint8Array,
  build: TxBuilder,
  opts: SendOptions,
): Promise<SendResult> {
  const sender = formatAddress(addressFromPublicKey(publicKeyOf(secretKey)));
  // The node's view including its mempool when it offers one (older nodes: committed only).
  const nextNonce = () => client.getAccount(sender).then((a) => BigInt(a.pendingNonce ?? a.nonce));
  const chain = await client.chain();
  for (let attempt = 1; ; attempt++) {
    const nonce = opts.nonce ?? (await nextNonce());
    try {
      return await signAndSubmitOnce(client, chain, sender, secretKey, build, opts, nonce);
    } catch (err) {
      const retry =
        opts.nonce === undefined && attempt < NONCE_ATTEMPTS && isConsortiaError(err, AppErrors.TX_BAD_NONCE);
      if (!retry) throw err;
    }
  }
}

async function signAndSubmitOnce(
  client: ConsortiaClient,
  chain: Awaited<ReturnType<ConsortiaClient["chain"]>>,
  sender: string,
  secretKey: Uint8Array,
  build: TxBuilder,
  opts: SendOptions,
  nonce: bigint,
): Promise<SendResult> {
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
