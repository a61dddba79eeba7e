import type { SignedTx } from "../codec/tx.js";

/**
 * What decoding, stateless checks and signature verification established about one transaction's
 * bytes, keyed by the hex sha256 of those bytes. Everything here is a function of the bytes alone
 * (no state, no params), so it is valid for any application instance on any chain that sees the
 * same bytes; chain id, size and fee limits are re-checked by the caller on every hit.
 */
export interface DecodedTx {
  readonly tx: SignedTx;
  readonly msg: unknown;
  readonly sender: Uint8Array;
}

/**
 * Bounded memory of verified signatures and decoded transactions. A node process that hosts
 * several validators (the devnet, the benchmarks) passes one cache to all of them, so a transaction
 * is decoded and verified once per process rather than once per validator and per ABCI call
 * (CheckTx, ProcessProposal, FinalizeBlock all receive fresh byte arrays over the socket). Eviction
 * is oldest-first: entries matter for the seconds between admission and commit.
 */
export interface TxCache {
  isVerified(hashHex: string): boolean;
  markVerified(hashHex: string): void;
  getDecoded(hashHex: string): DecodedTx | undefined;
  /** Only for transactions whose signature verified and whose message passed validate(). */
  putDecoded(hashHex: string, d: DecodedTx): void;
}

export interface TxCacheOptions {
  readonly verified: number;
  readonly decoded: number;
}

export const defaultTxCacheOptions: TxCacheOptions = { verified: 262_144, decoded: 65_536 };

export function createTxCache(opts: Partial<TxCacheOptions> = {}): TxCache {
  const o = { ...defaultTxCacheOptions, ...opts };
  const verified = new Set<string>();
  const decoded = new Map<string, DecodedTx>();
  return {
    isVerified: (h) => verified.has(h),
    markVerified(h) {
      if (verified.has(h)) return;
      if (verified.size >= o.verified) {
        const oldest = verified.values().next().value;
        if (oldest !== undefined) verified.delete(oldest);
      }
      verified.add(h);
    },
    getDecoded: (h) => decoded.get(h),
    putDecoded(h, d) {
      if (decoded.has(h)) return;
      if (decoded.size >= o.decoded) {
        const oldest = decoded.keys().next().value;
        if (oldest !== undefined) decoded.delete(oldest);
      }
      decoded.set(h, d);
    },
  };
}
