import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Route } from "../api/route.js";
import type { KeyPair } from "../crypto/ed25519.js";
import type { ConsortiaNode } from "../node/node.js";
import { openBlockstore } from "../offchain/blockstore.js";
import { createContentStore } from "../offchain/store.js";
import { ehrGatewayPlugin, ehrRoutes } from "./routes.js";
import { createEhrService, defaultEhrOptions, type EhrOptions, type EhrService } from "./service.js";

export interface AttachedEhr {
  readonly service: EhrService;
  readonly routes: readonly Route[];
  readonly plugins: readonly ((f: FastifyInstance) => void)[];
  close(): Promise<void>;
}

/**
 * Gives a node its health-record service: the content store under <home>/offchain, the service
 * signing with the institution key, its API routes and the grant-guarded gateway.
 */
export async function attachEhr(
  node: ConsortiaNode,
  institution: KeyPair,
  opts: Partial<EhrOptions> = {},
): Promise<AttachedEhr> {
  const o = { ...defaultEhrOptions, ...opts };
  const blockstore = await openBlockstore(join(node.home, "offchain"));
  const content = createContentStore(
    { blockstore },
    { maxAddBytes: o.maxRecordBytes, maxCatBytes: o.maxRecordBytes },
  );
  const service = createEhrService(
    {
      node: {
        chainId: node.genesis.chainId,
        state: node.store,
        engine: node.engine,
        feeRule: () => ({ base: node.app.appParams.minFeeBase, perByte: node.app.appParams.minFeePerByte }),
      },
      content,
      institution,
    },
    o,
  );
  return {
    service,
    routes: ehrRoutes(service, o.maxRecordBytes),
    plugins: [ehrGatewayPlugin(service, blockstore)],
    close: () => blockstore.close(),
  };
}
