/**
 * Setup transactions for benchmarks that run on a devnet (bench/auth.ts, the retrieval bench's
 * chain locator): built and signed here, submitted straight to a node's engine, and checked twice
 * (admission and execution), so a setup that silently failed can never feed a measurement.
 */
import { readNonce } from "../src/app/nonce.js";
import { addressFromPublicKey, type KeyPair } from "../src/crypto/ed25519.js";
import { toHex } from "../src/crypto/hash.js";
import type { CommittedTx } from "../src/engine/types.js";
import { CommonErrors, ConsortiaError } from "../src/errors.js";
import type { Certificate, Role } from "../src/modules/identity/certificate.js";
import { issueDemoCertificate } from "../src/node/network.js";
import type { ConsortiaNode } from "../src/node/node.js";
import { buildWithMinimumFee } from "../src/sdk/send.js";
import type { TxEnvelope } from "../src/sdk/tx.js";

export interface DevnetTxs {
  readonly chainId: string;
  /** Whether transactions cost anything (then new accounts need funding). */
  readonly feesCharged: boolean;
  /** Signs the key's next transaction at `fee` or the chain's minimum fee; nonces are tracked locally. */
  sign(key: KeyPair, build: (secretKey: Uint8Array, env: TxEnvelope) => Uint8Array, fee?: bigint): Uint8Array;
  /** Submits in order and waits for every one to commit with code 0. */
  commitAll(raws: readonly Uint8Array[], timeoutMs?: number): Promise<CommittedTx[]>;
}

export function devnetTxs(node: ConsortiaNode): DevnetTxs {
  const chainId = node.genesis.chainId;
  const rule = () => ({ base: node.app.appParams.minFeeBase, perByte: node.app.appParams.minFeePerByte });
  const next = new Map<string, bigint>();
  return {
    chainId,
    get feesCharged() {
      const r = rule();
      return r.base > 0n || r.perByte > 0n;
    },
    sign(key, build, fee) {
      const address = addressFromPublicKey(key.publicKey);
      const id = toHex(address);
      const nonce = next.get(id) ?? readNonce(node.store, address);
      next.set(id, nonce + 1n);
      if (fee !== undefined) return build(key.secretKey, { chainId, nonce, fee });
      return buildWithMinimumFee((env) => build(key.secretKey, env), { chainId, nonce }, rule()).raw;
    },
    async commitAll(raws, timeoutMs = 60_000) {
      // One alone goes through submit: CometBFT answers a one-element JSON-RPC batch with a bare
      // object, which the engine's batch path (src/engine/cometbft/rpc.ts) refuses as malformed.
      const first = raws[0];
      const admitted =
        raws.length === 1 && first !== undefined
          ? [await node.engine.submit(first)]
          : await node.engine.submitBatch(raws);
      const refused = admitted.find((r) => r.code !== 0);
      if (refused) {
        throw new ConsortiaError(
          CommonErrors.INTERNAL,
          `setup transaction refused: ${refused.errorCode} ${refused.log}`,
        );
      }
      const committed = await Promise.all(admitted.map((r) => node.engine.waitForCommit(r.hash, timeoutMs)));
      const failed = committed.find((c) => c.result.code !== 0);
      if (failed) {
        throw new ConsortiaError(
          CommonErrors.INTERNAL,
          `setup transaction failed: ${failed.result.errorCode} ${failed.result.log}`,
        );
      }
      return committed;
    },
  };
}

/**
 * A certificate from the devnet's CA (src/node/network.ts issueDemoCertificate). Serial
 * `nowMs·1000 + index`: clear of the validators' (1..n) and unique across runs on one devnet, as a
 * CA must never reuse one.
 */
export function certify(
  caSecretKey: Uint8Array,
  chainId: string,
  key: KeyPair,
  role: Role,
  index: number,
  nowMs: number,
): Certificate {
  const now = BigInt(nowMs);
  return issueDemoCertificate(caSecretKey, chainId, key.publicKey, role, now * 1000n + BigInt(index), now);
}
