/**
 * Test-only block factory: deterministic ed25519 validators (seed = index byte repeated) that sign
 * a header the way a CometBFT validator (or the solo engine) would.
 */
import { Buffer } from "node:buffer";
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from "node:crypto";
import type { Timestamp } from "../../src/codec/protobuf.js";
import {
  BlockIdFlag,
  type Commit,
  type CommitSig,
  commitVoteSignBytes,
  type Validator,
  validatorAddress,
} from "../../src/ledger/commit.js";
import { type BlockHeader, dataHash, headerHash, validatorSetHash } from "../../src/ledger/header.js";

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export interface TestSigner {
  readonly validator: Validator;
  sign(msg: Uint8Array): Uint8Array;
}

export function testSigner(seedByte: number, power: bigint): TestSigner {
  const key: KeyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.alloc(32, seedByte)]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  const pubKey = new Uint8Array(spki.subarray(spki.length - 32));
  return {
    validator: { address: validatorAddress(pubKey), pubKey, power },
    sign: (msg) => new Uint8Array(sign(null, msg, key)),
  };
}

export function sha(s: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(s).digest());
}

export const CHAIN_ID = "consortia-test";

export interface TestBlock {
  readonly header: BlockHeader;
  readonly txs: Uint8Array[];
  readonly commit: Commit;
  readonly validators: Validator[];
  readonly signers: TestSigner[];
}

/**
 * A block at `height` with `txs`, committed by validators with `powers`; `votes[i]` says what
 * validator i did (default: signed for the block).
 */
export function makeBlock(opts: {
  txs: Uint8Array[];
  powers?: bigint[];
  votes?: ("commit" | "nil" | "absent")[];
  height?: bigint;
  chainId?: string;
}): TestBlock {
  const powers = opts.powers ?? [10n, 10n, 10n, 10n];
  const signers = powers.map((p, i) => testSigner(i + 1, p));
  const validators = signers.map((s) => s.validator);
  const vh = validatorSetHash(validators);
  const time: Timestamp = { seconds: 1_700_000_000n, nanos: 123_456_789 };
  const header: BlockHeader = {
    version: { block: 11n, app: 1n },
    chainId: opts.chainId ?? CHAIN_ID,
    height: opts.height ?? 7n,
    time,
    lastBlockId: { hash: sha("prev-block"), partSetHeader: { total: 1, hash: sha("prev-parts") } },
    lastCommitHash: sha("last-commit"),
    dataHash: dataHash(opts.txs),
    validatorsHash: vh,
    nextValidatorsHash: vh,
    consensusHash: sha("consensus"),
    appHash: sha("app"),
    lastResultsHash: sha("results"),
    evidenceHash: sha(""),
    proposerAddress: validators[0]!.address,
  };
  const blockId = { hash: headerHash(header), partSetHeader: { total: 1, hash: sha("parts") } };
  const unsigned: Commit = {
    height: header.height,
    round: 0,
    blockId,
    signatures: signers.map((s, i): CommitSig => {
      const vote = opts.votes?.[i] ?? "commit";
      if (vote === "absent") {
        return {
          blockIdFlag: BlockIdFlag.ABSENT,
          validatorAddress: new Uint8Array(0),
          timestamp: { seconds: -62_135_596_800n, nanos: 0 },
          signature: new Uint8Array(0),
        };
      }
      return {
        blockIdFlag: vote === "commit" ? BlockIdFlag.COMMIT : BlockIdFlag.NIL,
        validatorAddress: s.validator.address,
        timestamp: { seconds: 1_700_000_001n, nanos: i * 1000 },
        signature: new Uint8Array(0),
      };
    }),
  };
  const commit: Commit = {
    ...unsigned,
    signatures: unsigned.signatures.map((sig, i) =>
      sig.blockIdFlag === BlockIdFlag.ABSENT
        ? sig
        : { ...sig, signature: signers[i]!.sign(commitVoteSignBytes(header.chainId, unsigned, i)) },
    ),
  };
  return { header, txs: opts.txs, commit, validators, signers };
}

export function expectCode(code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    if (typeof err === "object" && err !== null && (err as { code?: unknown }).code === code) return true;
    throw err;
  };
}
