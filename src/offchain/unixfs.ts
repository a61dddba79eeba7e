/**
 * The UnixFS recipe (how bytes become a DAG and a CID) and the adapters between our BlockStore
 * and the ipfs-unixfs importer/exporter.
 *
 * The parameters are pinned explicitly — not taken from the library's defaults or its `profile`
 * option — because a CID is only reproducible if the recipe never drifts: the CID registered on
 * chain must equal what any IPFS implementation computes for the same ciphertext, today and
 * after a dependency upgrade (js-ipfs-unixfs already ships a second profile with 1 MiB chunks and
 * 1024-wide nodes; kubo may change its default). The recipe is exactly
 * `ipfs add --cid-version=1` in kubo (its default unixfs-v0-2015 profile, where CIDv1 switches raw
 * leaves on):
 *   - CIDv1, sha2-256
 *   - raw leaves (codec 0x55, no UnixFS wrapper), and a single-chunk file *is* its raw leaf
 *     (CID `bafkrei…`), including the empty file
 *   - fixed-size chunker, 262144 bytes (256 KiB)
 *   - balanced DAG, at most 174 links per dag-pb node (kubo's historical max for 256 KiB nodes)
 *   - dag-pb field order Links-then-Data (the canonical dag-pb encoding)
 */
import { Buffer } from "node:buffer";
import { exporter, type UnixFSEntry } from "ipfs-unixfs-exporter";
import { type ImporterOptions, importer } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { ownedBytes } from "../crypto/hash.js";
import { ConsortiaError, isConsortiaError } from "../errors.js";
import type { BlockStore } from "./blockstore.js";
import type { CID } from "./cid.js";
import { OffchainErrors } from "./errors.js";

export const UNIXFS_CID_VERSION = 1;
export const UNIXFS_CHUNK_SIZE = 262_144;
export const UNIXFS_MAX_CHILDREN = 174;

/** The pinned importer options (a fresh object each call: the library mutates options it is given). */
export function unixfsImporterOptions(): ImporterOptions {
  return {
    cidVersion: UNIXFS_CID_VERSION,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: UNIXFS_CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: UNIXFS_MAX_CHILDREN }),
    fieldOrder: "links-first",
    wrapWithDirectory: false,
    // Few large files per call: bound in-flight blocks (memory) while keeping the disk busy.
    blockWriteConcurrency: 8,
  };
}

type Bytes = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

async function collect(value: Bytes): Promise<Uint8Array> {
  if (value instanceof Uint8Array) return value;
  const parts: Uint8Array[] = [];
  for await (const p of value) parts.push(p);
  return ownedBytes(Buffer.concat(parts));
}

/** Imports one file into `sink` with the pinned recipe; returns the root CID and the file size. */
export async function importFile(
  content: Uint8Array | AsyncIterable<Uint8Array>,
  sink: (cid: CID, bytes: Uint8Array) => Promise<void>,
): Promise<{ cid: CID; size: number }> {
  const store = {
    async put(cid: CID, value: Bytes): Promise<CID> {
      await sink(cid, await collect(value));
      return cid;
    },
  };
  // The importer's `size` is the DAG's cumulative size (with node overhead), not the file's.
  let size = 0;
  const counted =
    content instanceof Uint8Array
      ? content
      : (async function* () {
          for await (const chunk of content) {
            size += chunk.length;
            yield chunk;
          }
        })();
  if (content instanceof Uint8Array) size = content.length;
  let root: CID | undefined;
  for await (const entry of importer([{ content: counted }], store, unixfsImporterOptions()))
    root = entry.cid;
  if (root === undefined) {
    throw new ConsortiaError(OffchainErrors.OFFCHAIN_MALFORMED_DAG, "the UnixFS importer produced no root");
  }
  return { cid: root, size };
}

/** The exporter's read interface over a BlockStore (every block it sees is verified by `get`). */
export function exporterSource(blocks: Pick<BlockStore, "get">): {
  get(cid: CID): AsyncGenerator<Uint8Array, void, undefined>;
} {
  return {
    get: async function* (cid: CID) {
      yield await blocks.get(cid);
    },
  };
}

/**
 * Reads a whole UnixFS file (or raw block) back into memory, refusing more than `maxBytes`
 * before reading any leaf.
 */
export async function exportFile(
  root: CID,
  blocks: Pick<BlockStore, "get">,
  maxBytes: number,
): Promise<Uint8Array> {
  const source = exporterSource(blocks);
  let entry: UnixFSEntry;
  try {
    entry = await exporter(root, source);
  } catch (err) {
    throw exportError(root, err);
  }
  if (entry.type !== "file" && entry.type !== "raw" && entry.type !== "identity") {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_NOT_A_FILE,
      `${root.toString()} is a ${entry.type}, not a file`,
      { cid: root.toString(), type: entry.type },
    );
  }
  if (entry.size > BigInt(maxBytes)) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_TOO_LARGE,
      `${root.toString()} is ${entry.size} bytes, over the ${maxBytes}-byte limit`,
      { cid: root.toString(), size: Number(entry.size), max: maxBytes },
    );
  }
  const out = new Uint8Array(Number(entry.size));
  let off = 0;
  try {
    for await (const chunk of entry.content()) {
      // The declared size is data from a block; never trust it to bound the copy.
      if (off + chunk.length > out.length) {
        throw new ConsortiaError(
          OffchainErrors.OFFCHAIN_MALFORMED_DAG,
          `${root.toString()} has more bytes than it declares`,
          {
            cid: root.toString(),
          },
        );
      }
      out.set(chunk, off);
      off += chunk.length;
    }
  } catch (err) {
    throw exportError(root, err);
  }
  if (off !== out.length) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_MALFORMED_DAG,
      `${root.toString()} has fewer bytes than it declares`,
      {
        cid: root.toString(),
        declared: out.length,
        read: off,
      },
    );
  }
  return out;
}

function exportError(root: CID, err: unknown): ConsortiaError {
  if (isConsortiaError(err)) return err;
  return new ConsortiaError(
    OffchainErrors.OFFCHAIN_MALFORMED_DAG,
    `cannot read ${root.toString()} as UnixFS: ${(err as Error).message}`,
    { cid: root.toString() },
    { cause: err },
  );
}
