/**
 * CARv1 (https://ipld.io/specs/transport/car/carv1/) on the wire: a streaming encoder for the
 * gateway and a verifying decoder for the fetch client. Decoding uses @ipld/car; encoding is a
 * few lines so the stream can be aborted (not cleanly ended) when a block fails verification.
 */
import { CarBlockIterator } from "@ipld/car";
import { varint } from "multiformats";
import { ConsortiaError, isConsortiaError } from "../errors.js";
import type { BlockStore } from "./blockstore.js";
import { blockKeyHex, type CID, isIdentity, verifyBlock } from "./cid.js";
import { type DagBlock, type WalkOptions, walkDag } from "./dag.js";
import { OffchainErrors } from "./errors.js";

const utf8 = new TextEncoder();

function cborHead(major: number, n: number): Uint8Array {
  if (n < 24) return Uint8Array.of((major << 5) | n);
  if (n < 0x100) return Uint8Array.of((major << 5) | 24, n);
  return Uint8Array.of((major << 5) | 25, n >> 8, n & 0xff);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * The varint-prefixed CARv1 header: DAG-CBOR `{"roots": [root], "version": 1}`. Written by hand
 * (map keys in DAG-CBOR canonical order: shorter key first), with a CID as tag 42 over
 * 0x00 || cid.bytes.
 */
export function encodeCarHeader(root: CID): Uint8Array {
  const cidBytes = concat([Uint8Array.of(0), root.bytes]);
  const body = concat([
    cborHead(5, 2),
    cborHead(3, 5),
    utf8.encode("roots"),
    cborHead(4, 1),
    Uint8Array.of(0xd8, 42),
    cborHead(2, cidBytes.length),
    cidBytes,
    cborHead(3, 7),
    utf8.encode("version"),
    cborHead(0, 1),
  ]);
  return concat([varint.encodeTo(body.length, new Uint8Array(varint.encodingLength(body.length))), body]);
}

export function encodeCarBlock(block: DagBlock): Uint8Array {
  const len = block.cid.bytes.length + block.bytes.length;
  return concat([
    varint.encodeTo(len, new Uint8Array(varint.encodingLength(len))),
    block.cid.bytes,
    block.bytes,
  ]);
}

export interface CarStreamOptions extends WalkOptions {
  /** Abort the stream (an error, not a clean end) once this many bytes would be exceeded. */
  readonly maxBytes: number;
  /** Called with each block as it is sent (served-bytes accounting, access logs). */
  readonly onBlock?: (block: DagBlock) => void;
}

/**
 * The CAR for the DAG under `root`, in DFS order. A block that is missing or fails verification
 * makes the generator throw: the HTTP layer then aborts the response, so a client sees a
 * truncated CAR rather than a complete-looking one without the bad block.
 */
export async function* carStream(
  blocks: Pick<BlockStore, "get">,
  root: CID,
  opts: CarStreamOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const header = encodeCarHeader(root);
  let sent = header.length;
  yield header;
  for await (const block of walkDag(blocks, root, opts)) {
    const frame = encodeCarBlock(block);
    sent += frame.length;
    if (sent > opts.maxBytes) {
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_TOO_LARGE,
        `CAR for ${root.toString()} exceeds the ${opts.maxBytes}-byte response limit`,
        { cid: root.toString(), max: opts.maxBytes },
      );
    }
    opts.onBlock?.(block);
    yield frame;
  }
}

/** Counts bytes as they arrive and fails the read once `max` is passed. */
export async function* byteBudget(
  source: AsyncIterable<Uint8Array>,
  max: number,
  what: string,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > max) {
      throw new ConsortiaError(OffchainErrors.OFFCHAIN_TOO_LARGE, `${what} exceeds the ${max}-byte limit`, {
        max,
      });
    }
    yield chunk;
  }
}

/**
 * Reads a CAR, verifying every block against its CID as it arrives. Returns verified blocks by
 * multihash (first copy wins, duplicates ignored) and the header roots. Identity blocks, which a
 * gateway must not send, are dropped.
 */
export async function readVerifiedCar(
  source: AsyncIterable<Uint8Array>,
  holder: string,
): Promise<{ roots: CID[]; blocks: Map<string, DagBlock> }> {
  let iter: CarBlockIterator;
  try {
    iter = await CarBlockIterator.fromIterable(source);
  } catch (err) {
    throw carError(err, holder);
  }
  if (iter.version !== 1) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_MALFORMED_CAR,
      `holder ${holder} sent a CARv${iter.version}`,
      {
        holder,
        version: iter.version,
      },
    );
  }
  const roots = await iter.getRoots();
  const blocks = new Map<string, DagBlock>();
  try {
    for await (const { cid, bytes } of iter) {
      if (isIdentity(cid)) continue;
      verifyBlock(cid, bytes, `holder ${holder}`);
      const key = blockKeyHex(cid);
      if (!blocks.has(key)) blocks.set(key, { cid, bytes });
    }
  } catch (err) {
    throw carError(err, holder);
  }
  return { roots, blocks };
}

function carError(err: unknown, holder: string): ConsortiaError {
  if (isConsortiaError(err)) return err;
  const message = (err as Error).message ?? String(err);
  // Body-stream failures (connection reset, aborted response) mean the CAR was cut short.
  const truncated = /unexpected end|terminated|aborted|premature|socket|other side closed/i.test(message);
  return new ConsortiaError(
    truncated ? OffchainErrors.OFFCHAIN_INCOMPLETE_DAG : OffchainErrors.OFFCHAIN_MALFORMED_CAR,
    truncated
      ? `CAR stream from ${holder} ended early: ${message}`
      : `CAR from ${holder} does not parse: ${message}`,
    { holder },
    { cause: err },
  );
}
