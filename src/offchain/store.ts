/**
 * The content store: files in, CIDs out, on top of a verified BlockStore. This is the API the
 * records module and the retrieval protocol use; it never sees plaintext in the intended flow
 * (callers add `sealRecord` envelopes, see src/crypto/envelope.ts).
 */
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { ConsortiaError, isConsortiaError } from "../errors.js";
import type { BlockStore } from "./blockstore.js";
import { blockKeyHex, blockLinks, CID, DAG_PB_CODE, parseCid, RAW_CODE } from "./cid.js";
import { walkDag } from "./dag.js";
import { OffchainErrors } from "./errors.js";
import { exportFile, importFile } from "./unixfs.js";

export interface ContentStoreOptions {
  /** Largest content `add` accepts. Default 256 MiB. */
  readonly maxAddBytes?: number;
  /** Largest content `cat` returns. Default 64 MiB. */
  readonly maxCatBytes?: number;
}

export const DEFAULT_MAX_ADD_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_CAT_BYTES = 64 * 1024 * 1024;

export interface AddResult {
  /** Root CID (CIDv1); `cid.toString()` is the base32 text form, `cid.bytes` the binary form. */
  readonly cid: CID;
  /** File size in bytes. */
  readonly size: number;
  /** Distinct blocks in the DAG. */
  readonly blocks: number;
  /** Sum of the distinct blocks' lengths (what the DAG costs in storage and transfer). */
  readonly dagBytes: number;
}

export interface StatResult extends AddResult {
  readonly kind: "raw" | "file";
}

export interface RemoveResult {
  /** Blocks deleted. */
  readonly blocks: number;
  readonly bytes: number;
  /** Blocks deleted whose bytes failed verification (their links were not followed). */
  readonly unverifiable: number;
}

export type CidInput = CID | string;

export interface ContentStore {
  readonly blockstore: BlockStore;
  add(content: Uint8Array | AsyncIterable<Uint8Array>, opts?: { maxBytes?: number }): Promise<AddResult>;
  /** The whole file; OFFCHAIN_TOO_LARGE above maxBytes (default maxCatBytes) before reading leaves. */
  cat(cid: CidInput, opts?: { maxBytes?: number }): Promise<Uint8Array>;
  /** Walks and verifies the whole DAG; OFFCHAIN_BLOCK_NOT_FOUND if any block is missing. */
  stat(cid: CidInput): Promise<StatResult>;
  /** True if the root block is held here (children may still be missing; use stat for that). */
  has(cid: CidInput): Promise<boolean>;
  /**
   * Deletes every block of the DAG (leaves first, root last, so an interrupted remove can be
   * re-run) and, unless `compact: false`, compacts storage so the bytes leave the disk files.
   */
  remove(cid: CidInput, opts?: { compact?: boolean }): Promise<RemoveResult>;
}

function toCid(cid: CidInput): CID {
  if (typeof cid === "string") return parseCid(cid);
  const parsed = CID.asCID(cid);
  if (parsed === null) {
    throw new ConsortiaError(OffchainErrors.OFFCHAIN_BAD_CID, "cid must be a CID or a CID string", {
      field: "cid",
    });
  }
  return parsed;
}

function checkLimit(field: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_BAD_ARGUMENT,
      `${field} must be a non-negative integer`,
      {
        field,
      },
    );
  }
  return v;
}

function tooLarge(what: string, max: number): ConsortiaError {
  return new ConsortiaError(OffchainErrors.OFFCHAIN_TOO_LARGE, `${what} exceeds the ${max}-byte limit`, {
    max,
  });
}

async function* bounded(source: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array)) {
      throw new ConsortiaError(OffchainErrors.OFFCHAIN_BAD_ARGUMENT, "content chunks must be Uint8Arrays", {
        field: "content",
      });
    }
    total += chunk.length;
    if (total > max) throw tooLarge("content", max);
    yield chunk;
  }
}

function fileSizeOf(cid: CID, bytes: Uint8Array): { kind: "raw" | "file"; size: number } {
  if (cid.code === RAW_CODE) return { kind: "raw", size: bytes.length };
  if (cid.code === DAG_PB_CODE) {
    let fs: UnixFS;
    try {
      const node = dagPb.decode(bytes);
      if (node.Data === undefined) {
        throw new ConsortiaError(OffchainErrors.OFFCHAIN_MALFORMED_DAG, "dag-pb node has no Data", {
          cid: cid.toString(),
        });
      }
      fs = UnixFS.unmarshal(node.Data);
    } catch (err) {
      throw new ConsortiaError(
        OffchainErrors.OFFCHAIN_MALFORMED_DAG,
        `${cid.toString()} is not a UnixFS node: ${(err as Error).message}`,
        { cid: cid.toString() },
        { cause: err },
      );
    }
    if (fs.type === "file" || fs.type === "raw") return { kind: "file", size: Number(fs.fileSize()) };
    throw new ConsortiaError(
      OffchainErrors.OFFCHAIN_NOT_A_FILE,
      `${cid.toString()} is a UnixFS ${fs.type}, not a file`,
      {
        cid: cid.toString(),
        type: fs.type,
      },
    );
  }
  // blockLinks raises the typed unsupported-codec error.
  blockLinks(cid, bytes);
  throw new ConsortiaError(
    OffchainErrors.OFFCHAIN_UNSUPPORTED_CODEC,
    `${cid.toString()} has an unsupported codec`,
  );
}

export function createContentStore(
  deps: { blockstore: BlockStore },
  opts: ContentStoreOptions = {},
): ContentStore {
  const { blockstore } = deps;
  const maxAddBytes = checkLimit("maxAddBytes", opts.maxAddBytes ?? DEFAULT_MAX_ADD_BYTES);
  const maxCatBytes = checkLimit("maxCatBytes", opts.maxCatBytes ?? DEFAULT_MAX_CAT_BYTES);

  return {
    blockstore,

    async add(content, addOpts = {}) {
      const max = checkLimit("maxBytes", addOpts.maxBytes ?? maxAddBytes);
      let source: Uint8Array | AsyncIterable<Uint8Array>;
      if (content instanceof Uint8Array) {
        if (content.length > max) throw tooLarge(`content of ${content.length} bytes`, max);
        source = content;
      } else if (content !== null && typeof content === "object" && Symbol.asyncIterator in content) {
        source = bounded(content, max);
      } else {
        throw new ConsortiaError(
          OffchainErrors.OFFCHAIN_BAD_ARGUMENT,
          "content must be a Uint8Array or an AsyncIterable<Uint8Array>",
          { field: "content" },
        );
      }
      const seen = new Set<string>();
      const written: CID[] = [];
      let dagBytes = 0;
      try {
        const root = await importFile(source, async (cid, bytes) => {
          const key = blockKeyHex(cid);
          if (!seen.has(key)) {
            seen.add(key);
            dagBytes += bytes.length;
          }
          if (await blockstore.put(cid, bytes)) written.push(cid);
        });
        await blockstore.flush();
        return { cid: root.cid, size: root.size, blocks: seen.size, dagBytes };
      } catch (err) {
        // Undo this add's new blocks so a refused add (quota, size) leaves no orphans behind.
        for (const cid of written) await blockstore.delete(cid).catch(() => undefined);
        throw err;
      }
    },

    async cat(cid, catOpts = {}) {
      return exportFile(toCid(cid), blockstore, checkLimit("maxBytes", catOpts.maxBytes ?? maxCatBytes));
    },

    async stat(cid) {
      const root = toCid(cid);
      let blocks = 0;
      let dagBytes = 0;
      let file: { kind: "raw" | "file"; size: number } | undefined;
      for await (const b of walkDag(blockstore, root)) {
        if (file === undefined) file = fileSizeOf(b.cid, b.bytes);
        blocks++;
        dagBytes += b.bytes.length;
      }
      // Identity roots have no stored block; their content is the digest.
      if (file === undefined) file = { kind: "raw", size: root.multihash.digest.length };
      return { cid: root, ...file, blocks, dagBytes };
    },

    async has(cid) {
      return blockstore.has(toCid(cid));
    },

    async remove(cid, removeOpts = {}) {
      const root = toCid(cid);
      const order: Array<{ cid: CID; length: number }> = [];
      const seen = new Set<string>();
      let unverifiable = 0;
      const stack: CID[] = [root];
      while (stack.length > 0) {
        const next = stack.pop() as CID;
        const key = blockKeyHex(next);
        if (seen.has(key)) continue;
        seen.add(key);
        let bytes: Uint8Array;
        try {
          bytes = await blockstore.get(next);
        } catch (err) {
          if (isConsortiaError(err, OffchainErrors.OFFCHAIN_BLOCK_NOT_FOUND)) continue;
          if (isConsortiaError(err, OffchainErrors.OFFCHAIN_HASH_MISMATCH)) {
            // Delete it, but never follow links read from unverified bytes: they could name
            // other records' blocks.
            order.push({ cid: next, length: Number(err.details.length ?? 0) });
            unverifiable++;
            continue;
          }
          throw err;
        }
        order.push({ cid: next, length: bytes.length });
        let links: CID[] = [];
        try {
          links = blockLinks(next, bytes);
        } catch (err) {
          if (!isConsortiaError(err, OffchainErrors.OFFCHAIN_UNSUPPORTED_CODEC)) throw err;
        }
        for (const l of links) stack.push(l);
      }
      let blocks = 0;
      let bytes = 0;
      for (let i = order.length - 1; i >= 0; i--) {
        const entry = order[i] as { cid: CID; length: number };
        if (await blockstore.delete(entry.cid)) {
          blocks++;
          bytes += entry.length;
        }
      }
      await blockstore.flush();
      if (removeOpts.compact ?? true) await blockstore.compact();
      return { blocks, bytes, unverifiable };
    },
  };
}
