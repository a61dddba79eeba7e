/**
 * In-memory BlockStore with the same verification and accounting as the LevelDB one: the default
 * scratch space of the fetch client, and a fast store for tests of code built on top.
 */
import { bytesEqual } from "../crypto/hash.js";
import { ConsortiaError } from "../errors.js";
import {
  type BlockStore,
  type BlockStoreOptions,
  type BlockStoreStats,
  checkBlockStoreOptions,
  checkPut,
  notFound,
  quotaError,
} from "./blockstore.js";
import { blockKeyHex, type CID, checkVerifiable, isIdentity, verifyBlock } from "./cid.js";
import { OffchainErrors } from "./errors.js";

export function createMemoryBlockstore(opts: BlockStoreOptions = {}): BlockStore {
  const { maxBlockBytes } = checkBlockStoreOptions(opts);
  const blocks = new Map<string, Uint8Array>();
  let bytes = 0;
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new ConsortiaError(OffchainErrors.OFFCHAIN_CLOSED, "memory blockstore is closed");
  };
  const stats = (): BlockStoreStats => ({ blocks: blocks.size, bytes, quotaBytes: opts.quotaBytes });

  return {
    async put(cid: CID, value: Uint8Array) {
      assertOpen();
      checkPut(cid, value, maxBlockBytes);
      if (isIdentity(cid)) return false;
      const key = blockKeyHex(cid);
      const existing = blocks.get(key);
      if (existing !== undefined && bytesEqual(existing, value)) return false;
      const next = bytes - (existing?.length ?? 0) + value.length;
      if (opts.quotaBytes !== undefined && next > opts.quotaBytes)
        throw quotaError(cid, stats(), value.length);
      // Copy: a caller reusing its buffer must not change what we hold.
      blocks.set(key, value.slice());
      bytes = next;
      return existing === undefined;
    },
    async get(cid: CID) {
      assertOpen();
      checkVerifiable(cid);
      if (isIdentity(cid)) return cid.multihash.digest.slice();
      const value = blocks.get(blockKeyHex(cid));
      if (value === undefined) throw notFound(cid);
      verifyBlock(cid, value, "memory");
      return value.slice();
    },
    async has(cid: CID) {
      assertOpen();
      checkVerifiable(cid);
      return isIdentity(cid) || blocks.has(blockKeyHex(cid));
    },
    async delete(cid: CID) {
      assertOpen();
      checkVerifiable(cid);
      const key = blockKeyHex(cid);
      const existing = blocks.get(key);
      if (existing === undefined) return false;
      blocks.delete(key);
      bytes -= existing.length;
      return true;
    },
    stats,
    async flush() {
      assertOpen();
    },
    async compact() {
      assertOpen();
    },
    async close() {
      closed = true;
      blocks.clear();
    },
  };
}
