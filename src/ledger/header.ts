/**
 * CometBFT v0.38 block headers and the hashes that go into them, byte-exact with
 * types/block.go (Header.Hash, Data.Hash), types/results.go (ABCIResults.Hash) and
 * types/validator_set.go (ValidatorSet.Hash), so a receipt verifies identically whether the block
 * came from CometBFT or from the in-process solo engine.
 *
 * As in CometBFT, header H carries the app hash after executing block H-1 and the
 * last_results_hash of block H-1's transactions (see docs/ledger.md).
 */
import { Buffer } from "node:buffer";
import { z } from "zod";
import {
  decodeTimestamp,
  encodeBytesValue,
  encodeInt64Value,
  encodeStringValue,
  encodeTimestamp,
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
  HASH_BYTES,
  toHexUpper,
  zAddressHex,
  zHashHex,
  zHex,
  zInt64String,
  zodIssues,
  zRfc3339,
  zUint32,
  zUint64String,
} from "./cometbft-json.js";
import { merkleRoot, sha256 } from "./merkle.js";

export const HeaderErrors = registerErrorCodes({
  HEADER_INVALID: { num: 310, http: 400 },
  HEADER_JSON_INVALID: { num: 311, http: 400 },
});

/** version.BlockProtocol of CometBFT v0.38; headers it produces carry version.block = 11. */
export const BLOCK_PROTOCOL = 11n;
/** types.MaxChainIDLen. */
export const MAX_CHAIN_ID_LENGTH = 50;

export interface ConsensusVersion {
  readonly block: bigint;
  readonly app: bigint;
}

export interface PartSetHeader {
  readonly total: number;
  readonly hash: Uint8Array;
}

export interface BlockId {
  readonly hash: Uint8Array;
  readonly partSetHeader: PartSetHeader;
}

export interface BlockHeader {
  readonly version: ConsensusVersion;
  readonly chainId: string;
  readonly height: bigint;
  readonly time: Timestamp;
  readonly lastBlockId: BlockId;
  readonly lastCommitHash: Uint8Array;
  readonly dataHash: Uint8Array;
  readonly validatorsHash: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
  readonly consensusHash: Uint8Array;
  readonly appHash: Uint8Array;
  readonly lastResultsHash: Uint8Array;
  readonly evidenceHash: Uint8Array;
  readonly proposerAddress: Uint8Array;
}

/** Go's len(string): UTF-8 bytes, not UTF-16 units. */
function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

// ---- protobuf pieces ----------------------------------------------------------------------------

function writePartSetHeaderBody(w: ProtoWriter, p: PartSetHeader): void {
  w.uint32(1, p.total).bytes(2, p.hash);
}

/** tendermint.types.BlockID body (part_set_header is non-nullable, so always written). */
export function writeBlockIdBody(w: ProtoWriter, b: BlockId): void {
  w.bytes(1, b.hash).message(2, (m) => writePartSetHeaderBody(m, b.partSetHeader));
}

export function encodeBlockId(b: BlockId): Uint8Array {
  const w = new ProtoWriter(80);
  writeBlockIdBody(w, b);
  return w.finish();
}

function decodePartSetHeader(r: ProtoReader): PartSetHeader {
  let total = 0;
  let hash = new Uint8Array(0);
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) {
      r.expect(t, WireType.VARINT);
      total = r.uint32();
    } else if (t.field === 2) {
      r.expect(t, WireType.LEN);
      hash = r.bytes().slice();
    } else r.skip(t.wire);
  }
  return { total, hash };
}

export function decodeBlockId(r: ProtoReader): BlockId {
  let hash = new Uint8Array(0);
  let partSetHeader: PartSetHeader = { total: 0, hash: new Uint8Array(0) };
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) {
      r.expect(t, WireType.LEN);
      hash = r.bytes().slice();
    } else if (t.field === 2) {
      r.expect(t, WireType.LEN);
      partSetHeader = decodePartSetHeader(r.message());
    } else r.skip(t.wire);
  }
  return { hash, partSetHeader };
}

/** BlockID.IsZero: the id of "no block" (nil votes, the last_block_id of the first block). */
export function isZeroBlockId(b: BlockId): boolean {
  return b.hash.length === 0 && b.partSetHeader.total === 0 && b.partSetHeader.hash.length === 0;
}

export function blockIdEquals(a: BlockId, b: BlockId): boolean {
  return (
    bytesEqual(a.hash, b.hash) &&
    a.partSetHeader.total === b.partSetHeader.total &&
    bytesEqual(a.partSetHeader.hash, b.partSetHeader.hash)
  );
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function encodeVersion(v: ConsensusVersion): Uint8Array {
  return new ProtoWriter(24).uint64(1, v.block).uint64(2, v.app).finish();
}

// ---- Header.Hash --------------------------------------------------------------------------------

/**
 * The 14 Merkle leaves of Header.Hash, in struct order: protobuf of version, time and
 * last_block_id; every other field wrapped (cdcEncode) in StringValue / Int64Value / BytesValue.
 * Exposed so a single header field can be proven against the block hash.
 */
export function headerHashLeaves(h: BlockHeader): Uint8Array[] {
  return [
    encodeVersion(h.version),
    encodeStringValue(h.chainId),
    encodeInt64Value(h.height),
    encodeTimestamp(h.time),
    encodeBlockId(h.lastBlockId),
    encodeBytesValue(h.lastCommitHash),
    encodeBytesValue(h.dataHash),
    encodeBytesValue(h.validatorsHash),
    encodeBytesValue(h.nextValidatorsHash),
    encodeBytesValue(h.consensusHash),
    encodeBytesValue(h.appHash),
    encodeBytesValue(h.lastResultsHash),
    encodeBytesValue(h.evidenceHash),
    encodeBytesValue(h.proposerAddress),
  ];
}

/**
 * Header.Hash(): the block hash (BlockID.hash). CometBFT returns nil for a header without a
 * validators hash; such a header can never be committed, so it is an error here.
 */
export function headerHash(h: BlockHeader): Uint8Array {
  if (h.validatorsHash.length === 0) {
    throw new ConsortiaError(
      HeaderErrors.HEADER_INVALID,
      "header.validatorsHash must be non-empty to hash a header",
      {
        field: "validatorsHash",
      },
    );
  }
  return merkleRoot(headerHashLeaves(h));
}

function headerInvalid(field: string, condition: string): ConsortiaError {
  return new ConsortiaError(HeaderErrors.HEADER_INVALID, `header.${field} ${condition}`, { field });
}

function checkHash(field: string, b: Uint8Array): void {
  if (b.length !== 0 && b.length !== HASH_BYTES)
    throw headerInvalid(field, `must be empty or ${HASH_BYTES} bytes, got ${b.length}`);
}

/** Header.ValidateBasic minus the block-protocol check (the solo engine may set any version). */
export function validateHeader(h: BlockHeader): void {
  if (utf8Length(h.chainId) > MAX_CHAIN_ID_LENGTH) {
    throw headerInvalid("chainId", `must be at most ${MAX_CHAIN_ID_LENGTH} UTF-8 bytes`);
  }
  if (h.height <= 0n) throw headerInvalid("height", "must be positive");
  checkHash("lastBlockId.hash", h.lastBlockId.hash);
  checkHash("lastBlockId.partSetHeader.hash", h.lastBlockId.partSetHeader.hash);
  checkHash("lastCommitHash", h.lastCommitHash);
  checkHash("dataHash", h.dataHash);
  checkHash("evidenceHash", h.evidenceHash);
  if (h.proposerAddress.length !== ADDRESS_BYTES) {
    throw headerInvalid("proposerAddress", `must be ${ADDRESS_BYTES} bytes, got ${h.proposerAddress.length}`);
  }
  checkHash("validatorsHash", h.validatorsHash);
  checkHash("nextValidatorsHash", h.nextValidatorsHash);
  checkHash("consensusHash", h.consensusHash);
  checkHash("lastResultsHash", h.lastResultsHash);
}

// ---- full Header protobuf (block store, block parts) ---------------------------------------------

export function encodeHeader(h: BlockHeader): Uint8Array {
  const w = new ProtoWriter(320);
  w.message(1, (m) => m.uint64(1, h.version.block).uint64(2, h.version.app))
    .string(2, h.chainId)
    .int64(3, h.height)
    .message(4, (m) => writeTimestampBody(m, h.time))
    .message(5, (m) => writeBlockIdBody(m, h.lastBlockId))
    .bytes(6, h.lastCommitHash)
    .bytes(7, h.dataHash)
    .bytes(8, h.validatorsHash)
    .bytes(9, h.nextValidatorsHash)
    .bytes(10, h.consensusHash)
    .bytes(11, h.appHash)
    .bytes(12, h.lastResultsHash)
    .bytes(13, h.evidenceHash)
    .bytes(14, h.proposerAddress);
  return w.finish();
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  const r = new ProtoReader(bytes);
  const empty = new Uint8Array(0);
  let version: ConsensusVersion = { block: 0n, app: 0n };
  let chainId = "";
  let height = 0n;
  let time: Timestamp = { seconds: 0n, nanos: 0 };
  let lastBlockId: BlockId = { hash: empty, partSetHeader: { total: 0, hash: empty } };
  const hashes: Uint8Array[] = new Array<Uint8Array>(15).fill(empty);
  while (!r.done) {
    const t = r.tag();
    switch (t.field) {
      case 1: {
        r.expect(t, WireType.LEN);
        const m = r.message();
        let block = 0n;
        let app = 0n;
        while (!m.done) {
          const vt = m.tag();
          if (vt.field === 1 || vt.field === 2) {
            m.expect(vt, WireType.VARINT);
            if (vt.field === 1) block = m.uint64();
            else app = m.uint64();
          } else m.skip(vt.wire);
        }
        version = { block, app };
        break;
      }
      case 2:
        r.expect(t, WireType.LEN);
        chainId = r.string();
        break;
      case 3:
        r.expect(t, WireType.VARINT);
        height = r.int64();
        break;
      case 4:
        r.expect(t, WireType.LEN);
        time = decodeTimestamp(r.message());
        break;
      case 5:
        r.expect(t, WireType.LEN);
        lastBlockId = decodeBlockId(r.message());
        break;
      default:
        if (t.field >= 6 && t.field <= 14) {
          r.expect(t, WireType.LEN);
          hashes[t.field] = r.bytes().slice();
        } else r.skip(t.wire);
    }
  }
  return {
    version,
    chainId,
    height,
    time,
    lastBlockId,
    lastCommitHash: hashes[6]!,
    dataHash: hashes[7]!,
    validatorsHash: hashes[8]!,
    nextValidatorsHash: hashes[9]!,
    consensusHash: hashes[10]!,
    appHash: hashes[11]!,
    lastResultsHash: hashes[12]!,
    evidenceHash: hashes[13]!,
    proposerAddress: hashes[14]!,
  };
}

// ---- hashes the header carries ------------------------------------------------------------------

/** Tx.Hash(): sha256 of the raw transaction bytes (the tx id CometBFT's RPC shows). */
export function txHash(tx: Uint8Array): Uint8Array {
  return sha256(tx);
}

/** Data.Hash(): Merkle root whose leaves are the tx hashes (not the raw txs). */
export function dataHash(txs: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(txs.map(txHash));
}

export interface DeterministicTxResult {
  readonly code: number;
  readonly data: Uint8Array;
  readonly gasWanted: bigint;
  readonly gasUsed: bigint;
}

/**
 * The Merkle leaf of one result in last_results_hash: ExecTxResult protobuf restricted to the
 * deterministic fields (code=1, data=2, gas_wanted=5, gas_used=6), as deterministicExecTxResult.
 */
export function resultLeaf(r: DeterministicTxResult): Uint8Array {
  return new ProtoWriter(r.data.length + 32)
    .uint32(1, r.code)
    .bytes(2, r.data)
    .int64(5, r.gasWanted)
    .int64(6, r.gasUsed)
    .finish();
}

/** ABCIResults.Hash(): goes into last_results_hash of the next header. */
export function resultsHash(results: readonly DeterministicTxResult[]): Uint8Array {
  return merkleRoot(results.map(resultLeaf));
}

export interface HashableValidator {
  /** Raw 32-byte ed25519 public key. */
  readonly pubKey: Uint8Array;
  readonly power: bigint;
}

/** SimpleValidator{pub_key: PublicKey{ed25519}, voting_power}: one leaf of the validator-set hash. */
export function validatorLeaf(v: HashableValidator): Uint8Array {
  if (v.pubKey.length !== 32) {
    throw new ConsortiaError(
      HeaderErrors.HEADER_INVALID,
      `validator pubKey must be a 32-byte ed25519 key, got ${v.pubKey.length} bytes`,
      {
        field: "pubKey",
      },
    );
  }
  return new ProtoWriter(48)
    .message(1, (m) => m.bytesAlways(1, v.pubKey))
    .int64(2, v.power)
    .finish();
}

/** ValidatorSet.Hash(); the order must be CometBFT's set order (power desc, then address asc). */
export function validatorSetHash(vals: readonly HashableValidator[]): Uint8Array {
  return merkleRoot(vals.map(validatorLeaf));
}

/** The consensus parameters that ConsensusParams.Hash() covers (HashedParams). */
export interface HashedConsensusParams {
  readonly blockMaxBytes: bigint;
  /** -1 means unlimited. */
  readonly blockMaxGas: bigint;
}

/** ConsensusParams.Hash(): sha256(HashedParams protobuf); the header's consensus_hash. */
export function consensusParamsHash(p: HashedConsensusParams): Uint8Array {
  return sha256(new ProtoWriter(24).int64(1, p.blockMaxBytes).int64(2, p.blockMaxGas).finish());
}

// ---- JSON (CometBFT RPC shape) --------------------------------------------------------------------

export interface BlockIdJson {
  hash: string;
  parts: { total: number; hash: string };
}

/**
 * A header exactly as CometBFT's RPC prints it (`/commit`, `/block`, `/blockchain`): snake_case
 * keys, uppercase hex, int64 as decimal strings, RFC 3339 time with nanoseconds.
 */
export interface HeaderJson {
  version: { block: string; app: string };
  chain_id: string;
  height: string;
  time: string;
  last_block_id: BlockIdJson;
  last_commit_hash: string;
  data_hash: string;
  validators_hash: string;
  next_validators_hash: string;
  consensus_hash: string;
  app_hash: string;
  last_results_hash: string;
  evidence_hash: string;
  proposer_address: string;
}

export const blockIdJsonSchema = z
  .object({
    hash: zHashHex,
    parts: z.object({ total: zUint32, hash: zHashHex }),
  })
  .transform((j): BlockId => ({ hash: j.hash, partSetHeader: { total: j.parts.total, hash: j.parts.hash } }));

export const headerJsonSchema = z
  .object({
    version: z.object({ block: zUint64String, app: zUint64String }),
    chain_id: z
      .string()
      .refine(
        (s) => utf8Length(s) <= MAX_CHAIN_ID_LENGTH,
        `must be at most ${MAX_CHAIN_ID_LENGTH} UTF-8 bytes`,
      ),
    height: zInt64String.refine((v) => v > 0n, "must be positive"),
    time: zRfc3339,
    last_block_id: blockIdJsonSchema,
    last_commit_hash: zHashHex,
    data_hash: zHashHex,
    validators_hash: zHashHex,
    next_validators_hash: zHashHex,
    consensus_hash: zHashHex,
    app_hash: zHex(),
    last_results_hash: zHashHex,
    evidence_hash: zHashHex,
    proposer_address: zAddressHex,
  })
  .transform(
    (j): BlockHeader => ({
      version: j.version,
      chainId: j.chain_id,
      height: j.height,
      time: j.time,
      lastBlockId: j.last_block_id,
      lastCommitHash: j.last_commit_hash,
      dataHash: j.data_hash,
      validatorsHash: j.validators_hash,
      nextValidatorsHash: j.next_validators_hash,
      consensusHash: j.consensus_hash,
      appHash: j.app_hash,
      lastResultsHash: j.last_results_hash,
      evidenceHash: j.evidence_hash,
      proposerAddress: j.proposer_address,
    }),
  );

/** Parses and validates a header from untrusted JSON; throws HEADER_JSON_INVALID naming the field. */
export function parseHeaderJson(input: unknown): BlockHeader {
  const res = headerJsonSchema.safeParse(input);
  if (!res.success) {
    const issues = zodIssues(res.error);
    const first = issues[0];
    throw new ConsortiaError(
      HeaderErrors.HEADER_JSON_INVALID,
      `header JSON invalid at ${first?.path || "(root)"}: ${first?.message ?? "unknown"}`,
      { issues },
    );
  }
  return res.data;
}

export function blockIdToJson(b: BlockId): BlockIdJson {
  return {
    hash: toHexUpper(b.hash),
    parts: { total: b.partSetHeader.total, hash: toHexUpper(b.partSetHeader.hash) },
  };
}

export function headerToJson(h: BlockHeader): HeaderJson {
  return {
    version: { block: h.version.block.toString(), app: h.version.app.toString() },
    chain_id: h.chainId,
    height: h.height.toString(),
    time: formatRfc3339(h.time),
    last_block_id: blockIdToJson(h.lastBlockId),
    last_commit_hash: toHexUpper(h.lastCommitHash),
    data_hash: toHexUpper(h.dataHash),
    validators_hash: toHexUpper(h.validatorsHash),
    next_validators_hash: toHexUpper(h.nextValidatorsHash),
    consensus_hash: toHexUpper(h.consensusHash),
    app_hash: toHexUpper(h.appHash),
    last_results_hash: toHexUpper(h.lastResultsHash),
    evidence_hash: toHexUpper(h.evidenceHash),
    proposer_address: toHexUpper(h.proposerAddress),
  };
}
