/**
 * DAG traversal over verified blocks, in the depth-first pre-order that `ipfs dag export` and the
 * trustless gateway's `order=dfs` use (parent before children, children in link order).
 */
import type { BlockStore } from "./blockstore.js";
import { blockKeyHex, blockLinks, type CID, isIdentity } from "./cid.js";

export interface DagBlock {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

export interface WalkOptions {
  /** Emit a block once even if linked several times (CAR `dups=n`). Default true. */
  readonly dedupe?: boolean;
  /** Stop after the root block (gateway `dag-scope=block`). */
  readonly rootOnly?: boolean;
}

/**
 * Yields every block reachable from `root`, each verified by `blocks.get`. Identity CIDs are
 * skipped: their data already sits inside the parent's link.
 */
export async function* walkDag(
  blocks: Pick<BlockStore, "get">,
  root: CID,
  opts: WalkOptions = {},
): AsyncGenerator<DagBlock, void, undefined> {
  const dedupe = opts.dedupe ?? true;
  const seen = new Set<string>();
  const stack: CID[] = [root];
  while (stack.length > 0) {
    const cid = stack.pop() as CID;
    if (isIdentity(cid)) continue;
    if (dedupe) {
      const key = blockKeyHex(cid);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const bytes = await blocks.get(cid);
    yield { cid, bytes };
    if (opts.rootOnly) return;
    const links = blockLinks(cid, bytes);
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i] as CID);
  }
}
