/**
 * CometBFT v0.38 commits: the precommit signatures that finalise a block. Sign bytes are
 * types.VoteSignBytes (a varint-length-prefixed CanonicalVote), Commit.Hash is the Merkle root of
 * the CommitSig protobufs, and verifyCommit follows types.VerifyCommit: signatures are aligned by
 * index with the validator set, every present signature is checked, and only those for this block
 * count toward the > 2/3 of total voting power.
 */
import { Buffer } from "node:buffer";
import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { z } from "zod";
import {
  decodeTimestamp,
  encodeDelimited,
  GO_ZERO_TIME,
  ProtoReader,
  ProtoWriter,
  type Timestamp,
  WireType,
  writeTimestampBody,
} from "../codec/protobuf.js";
import { ConsortiaError, registerErrorCodes } from "../errors.js";
import {
  ADDRESS_BYTES,
  formatRfc3339,
  toBase64,
  toHexUpper,
  zBase64,
  zHex,
  zInt32,
  zInt64String,
  zodIssues,
  zRfc3339,
} from "./cometbft-json.js";
import {
  type BlockHeader,
  type BlockId,
  type BlockIdJson,
  blockIdJsonSchema,
  blockIdToJson,
  bytesEqual,
  decodeBlockId,
  headerHash,
  headerJsonSchema,
  isZeroBlockId,
  validatorSetHash,
  writeBlockIdBody,
} from "./header.js";
import { merkleRoot, sha256 } from "./merkle.js";

export const CommitErrors = registerErrorCodes({
  COMMIT_MALFORMED: { num: 320, http: 400 },
  COMMIT_JSON_INVALID: { num: 321, http: 400 },
  COMMIT_WRONG_CHAIN: { num: 322, http: 422 },
  COMMIT_WRONG_HEIGHT: { num: 323, http: 422 },
  COMMIT_WRONG_BLOCK: { num: 324, http: 422 },
  COMMIT_VALIDATORS_MISMATCH: { num: 325, http: 422 },
  COMMIT_BAD_SIGNATURE: { num: 326, http: 422 },
  COMMIT_INSUFFICIENT_POWER: { num: 327, http: 422 },
  VALIDATORS_JSON_INVALID: { num: 328, http: 400 },
});

export const BlockIdFlag = { ABSENT: 1, COMMIT: 2, NIL: 3 } as const;
export type BlockIdFlag = (typeof BlockIdFlag)[keyof typeof BlockIdFlag];

export const SignedMsgType = { PREVOTE: 1, PRECOMMIT: 2, PROPOSAL: 32 } as const;

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
/** types.MaxSignatureSize. */
export const MAX_SIGNATURE_BYTES = 64;
/** types.MaxTotalVotingPower = MaxInt64 / 8. */
export const MAX_TOTAL_VOTING_POWER = ((1n << 63n) - 1n) / 8n;

export interface CommitSig {
  readonly blockIdFlag: BlockIdFlag;
  /** Empty when absent. */
  readonly validatorAddress: Uint8Array;
  /** GO_ZERO_TIME when absent. */
  readonly timestamp: Timestamp;
  /** Empty when absent. */
  readonly signature: Uint8Array;
}

export interface Commit {
  readonly height: bigint;
  readonly round: number;
  readonly blockId: BlockId;
  /** One per validator, in validator-set order. */
  readonly signatures: readonly CommitSig[];
}

export interface Validator {
  /** sha256(pubKey)[:20]. */
  readonly address: Uint8Array;
  /** Raw 32-byte ed25519 public key. */
  readonly pubKey: Uint8Array;
  readonly power: bigint;
}

/** The signed fields of a vote. Validator address/index are not signed (CanonicalVote omits them). */
export interface VoteToSign {
  readonly type: number;
  readonly height: bigint;
  readonly round: number;
  /** A zero BlockId (nil vote) is left out of the sign bytes, as CanonicalizeBlockID does. */
  readonly blockId: BlockId;
  readonly timestamp: Timestamp;
}

const EMPTY = new Uint8Array(0);
const ZERO_BLOCK_ID: BlockId = { hash: EMPTY, partSetHeader: { total: 0, hash: EMPTY } };

/** crypto.AddressHash: the first 20 bytes of sha256(pubKey). */
export function validatorAddress(pubKey: Uint8Array): Uint8Array {
  return sha256(pubKey).slice(0, ADDRESS_BYTES);
}

/** types.VoteSignBytes: MarshalDelimited(CanonicalVote). */
export function voteSignBytes(chainId: string, vote: VoteToSign): Uint8Array {
  const w = new ProtoWriter(160);
  w.enum(1, vote.type).sfixed64(2, vote.height).sfixed64(3, BigInt(vote.round));
  if (!isZeroBlockId(vote.blockId)) w.message(4, (m) => writeBlockIdBody(m, vote.blockId));
  w.message(5, (m) => writeTimestampBody(m, vote.timestamp)).string(6, chainId);
  return encodeDelimited(w.finish());
}

/** Commit.VoteSignBytes(chainID, i): what validator i signed for this commit. */
export function commitVoteSignBytes(chainId: string, commit: Commit, index: number): Uint8Array {
  const sig = commit.signatures[index];
  if (sig === undefined) {
    throw new ConsortiaError(
      CommitErrors.COMMIT_MALFORMED,
      `index must be in [0, ${commit.signatures.length}), got ${index}`,
      {
        field: "index",
      },
    );
  }
  return voteSignBytes(chainId, {
    type: SignedMsgType.PRECOMMIT,
    height: commit.height,
    round: commit.round,
    blockId: sig.blockIdFlag === BlockIdFlag.COMMIT ? commit.blockId : ZERO_BLOCK_ID,
    timestamp: sig.timestamp,
  });
}

// ---- protobuf ---------------------------------------------------------------------------------------

function writeCommitSigBody(w: ProtoWriter, s: CommitSig): void {
  w.enum(1, s.blockIdFlag)
    .bytes(2, s.validatorAddress)
    .message(3, (m) => writeTimestampBody(m, s.timestamp))
    .bytes(4, s.signature);
}

/** tendermint.types.CommitSig protobuf: one leaf of Commit.Hash. */
export function encodeCommitSig(s: CommitSig): Uint8Array {
  const w = new ProtoWriter(128);
  writeCommitSigBody(w, s);
  return w.finish();
}

/** Commit.Hash(): the next header's last_commit_hash. */
export function commitHash(commit: Commit): Uint8Array {
  return merkleRoot(commit.signatures.map(encodeCommitSig));
}

export function encodeCommit(c: Commit): Uint8Array {
  const w = new ProtoWriter(96 + 112 * c.signatures.length);
  w.int64(1, c.height)
    .int32(2, c.round)
    .message(3, (m) => writeBlockIdBody(m, c.blockId));
  for (const s of c.signatures) w.message(4, (m) => writeCommitSigBody(m, s));
  return w.finish();
}

function toFlag(v: number): BlockIdFlag {
  if (v === 1 || v === 2 || v === 3) return v;
  throw new ConsortiaError(
    CommitErrors.COMMIT_MALFORMED,
    `blockIdFlag must be 1 (absent), 2 (commit) or 3 (nil), got ${v}`,
    {
      field: "blockIdFlag",
    },
  );
}

function decodeCommitSig(r: ProtoReader): CommitSig {
  let flag = 0;
  let validatorAddress: Uint8Array = EMPTY;
  let timestamp: Timestamp = { seconds: 0n, nanos: 0 };
  let signature: Uint8Array = EMPTY;
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) {
      r.expect(t, WireType.VARINT);
      flag = r.int32();
    } else if (t.field === 2) {
      r.expect(t, WireType.LEN);
      validatorAddress = r.bytes().slice();
    } else if (t.field === 3) {
      r.expect(t, WireType.LEN);
      timestamp = decodeTimestamp(r.message());
    } else if (t.field === 4) {
      r.expect(t, WireType.LEN);
      signature = r.bytes().slice();
    } else r.skip(t.wire);
  }
  return { blockIdFlag: toFlag(flag), validatorAddress, timestamp, signature };
}

export function decodeCommit(bytes: Uint8Array): Commit {
  const r = new ProtoReader(bytes);
  let height = 0n;
  let round = 0;
  let blockId = ZERO_BLOCK_ID;
  const signatures: CommitSig[] = [];
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) {
      r.expect(t, WireType.VARINT);
      height = r.int64();
    } else if (t.field === 2) {
      r.expect(t, WireType.VARINT);
      round = r.int32();
    } else if (t.field === 3) {
      r.expect(t, WireType.LEN);
      blockId = decodeBlockId(r.message());
    } else if (t.field === 4) {
      r.expect(t, WireType.LEN);
      signatures.push(decodeCommitSig(r.message()));
    } else r.skip(t.wire);
  }
  return { height, round, blockId, signatures };
}

// ---- verification -------------------------------------------------------------------------------

const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** False for any malformed key or signature: these bytes come from untrusted files. */
export function ed25519Verify(pubKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (pubKey.length !== ED25519_PUBLIC_KEY_BYTES || sig.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, pubKey]),
      format: "der",
      type: "spki",
    });
    return nodeVerify(null, msg, key, sig);
  } catch {
    return false;
  }
}

export interface VerifyCommitArgs {
  readonly chainId: string;
  readonly header: BlockHeader;
  readonly commit: Commit;
  /** The validator set of `header.height`, in CometBFT set order. */
  readonly validators: readonly Validator[];
}

export interface CommitVerification {
  readonly blockHash: Uint8Array;
  readonly signedPower: bigint;
  readonly totalPower: bigint;
}

function fail(code: string, message: string, details: Record<string, unknown> = {}): ConsortiaError {
  return new ConsortiaError(code, message, details);
}

function hex(b: Uint8Array): string {
  return toHexUpper(b);
}

function checkValidators(header: BlockHeader, validators: readonly Validator[]): bigint {
  if (validators.length === 0)
    throw fail(CommitErrors.COMMIT_VALIDATORS_MISMATCH, "validators must be non-empty");
  let total = 0n;
  validators.forEach((v, i) => {
    if (v.pubKey.length !== ED25519_PUBLIC_KEY_BYTES) {
      throw fail(
        CommitErrors.COMMIT_VALIDATORS_MISMATCH,
        `validators[${i}].pubKey must be a 32-byte ed25519 key`,
        {
          index: i,
          reason: "pub_key",
        },
      );
    }
    if (v.power <= 0n) {
      throw fail(CommitErrors.COMMIT_VALIDATORS_MISMATCH, `validators[${i}].power must be positive`, {
        index: i,
        reason: "power",
      });
    }
    if (!bytesEqual(v.address, validatorAddress(v.pubKey))) {
      throw fail(
        CommitErrors.COMMIT_VALIDATORS_MISMATCH,
        `validators[${i}].address is not sha256(pubKey)[:20]`,
        {
          index: i,
          reason: "address",
        },
      );
    }
    total += v.power;
  });
  if (total > MAX_TOTAL_VOTING_POWER) {
    throw fail(
      CommitErrors.COMMIT_VALIDATORS_MISMATCH,
      `total voting power ${total} exceeds ${MAX_TOTAL_VOTING_POWER}`,
      {
        reason: "total_power",
      },
    );
  }
  const vh = validatorSetHash(validators);
  if (!bytesEqual(vh, header.validatorsHash)) {
    throw fail(
      CommitErrors.COMMIT_VALIDATORS_MISMATCH,
      `validator set hash ${hex(vh)} does not equal header.validatorsHash ${hex(header.validatorsHash)}`,
      { reason: "validators_hash" },
    );
  }
  return total;
}

function checkSigShape(s: CommitSig, i: number): void {
  if (s.blockIdFlag === BlockIdFlag.ABSENT) {
    const zeroTime = s.timestamp.seconds === GO_ZERO_TIME.seconds && s.timestamp.nanos === 0;
    if (s.validatorAddress.length !== 0 || s.signature.length !== 0 || !zeroTime) {
      throw fail(
        CommitErrors.COMMIT_MALFORMED,
        `signatures[${i}] is absent but carries an address, time or signature`,
        { index: i },
      );
    }
    return;
  }
  if (s.blockIdFlag !== BlockIdFlag.COMMIT && s.blockIdFlag !== BlockIdFlag.NIL) {
    throw fail(CommitErrors.COMMIT_MALFORMED, `signatures[${i}].blockIdFlag must be 1, 2 or 3`, { index: i });
  }
  if (s.validatorAddress.length !== ADDRESS_BYTES) {
    throw fail(
      CommitErrors.COMMIT_MALFORMED,
      `signatures[${i}].validatorAddress must be ${ADDRESS_BYTES} bytes`,
      { index: i },
    );
  }
  if (s.signature.length === 0 || s.signature.length > MAX_SIGNATURE_BYTES) {
    throw fail(
      CommitErrors.COMMIT_MALFORMED,
      `signatures[${i}].signature must be 1..${MAX_SIGNATURE_BYTES} bytes`,
      { index: i },
    );
  }
}

/**
 * Throws a COMMIT_* error unless `commit` finalises `header` on `chainId` with signatures from
 * more than 2/3 of `validators`' voting power. `validators` must hash to header.validatorsHash, so
 * the caller's trust in the set (or in the header) is what makes the result meaningful.
 */
export function verifyCommit(args: VerifyCommitArgs): CommitVerification {
  const { chainId, header, commit, validators } = args;
  if (header.chainId !== chainId) {
    throw fail(CommitErrors.COMMIT_WRONG_CHAIN, `header.chainId "${header.chainId}" is not "${chainId}"`);
  }
  if (commit.height !== header.height) {
    throw fail(
      CommitErrors.COMMIT_WRONG_HEIGHT,
      `commit.height ${commit.height} is not header.height ${header.height}`,
    );
  }
  if (!Number.isInteger(commit.round) || commit.round < 0 || commit.round > 0x7fff_ffff) {
    throw fail(
      CommitErrors.COMMIT_MALFORMED,
      `commit.round must be a non-negative int32, got ${commit.round}`,
    );
  }
  const blockHash = headerHash(header);
  if (!bytesEqual(commit.blockId.hash, blockHash)) {
    throw fail(
      CommitErrors.COMMIT_WRONG_BLOCK,
      `commit.blockId.hash ${hex(commit.blockId.hash)} is not the header hash ${hex(blockHash)}`,
    );
  }
  const totalPower = checkValidators(header, validators);
  if (commit.signatures.length !== validators.length) {
    throw fail(
      CommitErrors.COMMIT_VALIDATORS_MISMATCH,
      `commit has ${commit.signatures.length} signatures for a set of ${validators.length} validators`,
      { reason: "count" },
    );
  }
  let signedPower = 0n;
  commit.signatures.forEach((s, i) => {
    checkSigShape(s, i);
    if (s.blockIdFlag === BlockIdFlag.ABSENT) return;
    const val = validators[i]!;
    if (!bytesEqual(s.validatorAddress, val.address)) {
      throw fail(
        CommitErrors.COMMIT_VALIDATORS_MISMATCH,
        `signatures[${i}].validatorAddress ${hex(s.validatorAddress)} is not validators[${i}].address ${hex(val.address)}`,
        { index: i, reason: "address" },
      );
    }
    if (!ed25519Verify(val.pubKey, commitVoteSignBytes(chainId, commit, i), s.signature)) {
      throw fail(
        CommitErrors.COMMIT_BAD_SIGNATURE,
        `signatures[${i}] is not a valid precommit signature of validators[${i}]`,
        {
          index: i,
        },
      );
    }
    if (s.blockIdFlag === BlockIdFlag.COMMIT) signedPower += val.power;
  });
  // CometBFT: tallied > total*2/3 (integer division), which for integers is 3*tallied > 2*total.
  if (3n * signedPower <= 2n * totalPower) {
    throw fail(
      CommitErrors.COMMIT_INSUFFICIENT_POWER,
      `signatures for this block carry ${signedPower} of ${totalPower} voting power; more than ${(totalPower * 2n) / 3n} needed`,
      { signedPower: signedPower.toString(), totalPower: totalPower.toString() },
    );
  }
  return { blockHash, signedPower, totalPower };
}

// ---- JSON (CometBFT RPC shape) --------------------------------------------------------------------

export interface CommitSigJson {
  block_id_flag: number;
  validator_address: string;
  timestamp: string;
  signature: string | null;
}

export interface CommitJson {
  height: string;
  round: number;
  block_id: BlockIdJson;
  signatures: CommitSigJson[];
}

export interface ValidatorJson {
  address: string;
  pub_key: { type: "tendermint/PubKeyEd25519"; value: string };
  voting_power: string;
  proposer_priority?: string;
}

const ED25519_KEY_TYPE = "tendermint/PubKeyEd25519";

const commitSigJsonSchema = z
  .object({
    block_id_flag: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    validator_address: zHex([0, ADDRESS_BYTES]),
    timestamp: zRfc3339,
    signature: zBase64(),
  })
  .transform(
    (j): CommitSig => ({
      blockIdFlag: j.block_id_flag,
      validatorAddress: j.validator_address,
      timestamp: j.timestamp,
      signature: j.signature,
    }),
  );

export const commitJsonSchema = z
  .object({
    height: zInt64String,
    round: zInt32.refine((r) => r >= 0, "must be non-negative"),
    block_id: blockIdJsonSchema,
    signatures: z.array(commitSigJsonSchema),
  })
  .transform(
    (j): Commit => ({ height: j.height, round: j.round, blockId: j.block_id, signatures: j.signatures }),
  );

export const validatorJsonSchema = z
  .object({
    address: zHex([ADDRESS_BYTES]),
    pub_key: z.object({ type: z.literal(ED25519_KEY_TYPE), value: zBase64([ED25519_PUBLIC_KEY_BYTES]) }),
    voting_power: zInt64String.refine((p) => p > 0n, "must be positive"),
    proposer_priority: zInt64String.optional(),
  })
  .refine((v) => bytesEqual(v.address, validatorAddress(v.pub_key.value)), {
    message: "address must be sha256(pub_key)[:20]",
    path: ["address"],
  })
  .transform((j): Validator => ({ address: j.address, pubKey: j.pub_key.value, power: j.voting_power }));

// `/validators` is paginated: a page that is not the whole set must not pass as one.
const validatorsResultSchema = z
  .object({
    validators: z.array(validatorJsonSchema),
    count: z.union([z.string(), z.number()]).optional(),
    total: z.union([z.string(), z.number()]).optional(),
  })
  .refine((r) => r.count === undefined || r.total === undefined || String(r.count) === String(r.total), {
    message: "is one page of a larger validator set (count != total); fetch every page",
    path: ["count"],
  })
  .transform((r) => r.validators);

export const validatorsJsonSchema = z.union([
  z.array(validatorJsonSchema),
  validatorsResultSchema,
  z.object({ result: validatorsResultSchema }).transform((e) => e.result),
]);

const signedHeaderSchema = z.object({ header: headerJsonSchema, commit: commitJsonSchema });
export const signedHeaderJsonSchema = z.union([
  signedHeaderSchema,
  z.object({ signed_header: signedHeaderSchema }).transform((r) => r.signed_header),
  z
    .object({ result: z.object({ signed_header: signedHeaderSchema }) })
    .transform((e) => e.result.signed_header),
]);

function parseWith<T>(schema: z.ZodType<T>, input: unknown, code: string, what: string): T {
  const res = schema.safeParse(input);
  if (res.success) return res.data;
  const issues = zodIssues(res.error);
  const first = issues[0];
  throw new ConsortiaError(
    code,
    `${what} invalid at ${first?.path || "(root)"}: ${first?.message ?? "unknown"}`,
    { issues },
  );
}

export function parseCommitJson(input: unknown): Commit {
  return parseWith(commitJsonSchema, input, CommitErrors.COMMIT_JSON_INVALID, "commit JSON");
}

/** `/commit` output: the JSON-RPC envelope, its `result`, or `{header, commit}`. */
export function parseSignedHeaderJson(input: unknown): { header: BlockHeader; commit: Commit } {
  return parseWith(signedHeaderJsonSchema, input, CommitErrors.COMMIT_JSON_INVALID, "signed header JSON");
}

/** `/validators` output: the JSON-RPC envelope, its `result`, or the bare validator array. */
export function parseValidatorsJson(input: unknown): Validator[] {
  return parseWith(validatorsJsonSchema, input, CommitErrors.VALIDATORS_JSON_INVALID, "validators JSON");
}

export function commitToJson(c: Commit): CommitJson {
  return {
    height: c.height.toString(),
    round: c.round,
    block_id: blockIdToJson(c.blockId),
    signatures: c.signatures.map((s) => ({
      block_id_flag: s.blockIdFlag,
      validator_address: toHexUpper(s.validatorAddress),
      timestamp: formatRfc3339(s.timestamp),
      signature: s.signature.length === 0 ? null : toBase64(s.signature),
    })),
  };
}

export function validatorsToJson(vals: readonly Validator[]): ValidatorJson[] {
  return vals.map((v) => ({
    address: toHexUpper(v.address),
    pub_key: { type: ED25519_KEY_TYPE, value: toBase64(v.pubKey) },
    voting_power: v.power.toString(),
  }));
}
