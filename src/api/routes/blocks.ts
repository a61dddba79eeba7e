import type { StoredBlock } from "../../codec/block.js";
import { ConsortiaError } from "../../errors.js";
import type { ApiContext } from "../context.js";
import { ApiErrors } from "../errors.js";
import { blockToJson } from "../json.js";
import { defineRoute, jsonReply, type Route } from "../route.js";
import { blockSchema, hashParamsSchema, heightParamsSchema } from "../schemas.js";

const blockResponse = [
  { status: 200, description: "block with its transactions' hashes and codes", schema: blockSchema },
];

export const latestBlockRoute: Route = defineRoute({
  method: "GET",
  url: "/blocks/latest",
  summary: "The last committed block",
  responses: blockResponse,
  errors: [ApiErrors.BLOCK_NOT_FOUND],
  async handler(_input, ctx) {
    const height = ctx.node.app.height;
    if (height === 0n) throw new ConsortiaError(ApiErrors.BLOCK_NOT_FOUND, "no block has been committed yet");
    return jsonReply(blockToJson(await loadBlock(ctx, height)));
  },
});

export const blockByHeightRoute: Route = defineRoute({
  method: "GET",
  url: "/blocks/:height",
  summary: "The block at a height",
  params: heightParamsSchema,
  responses: blockResponse,
  errors: [ApiErrors.BLOCK_NOT_FOUND],
  async handler({ params }, ctx) {
    return jsonReply(blockToJson(await loadBlock(ctx, BigInt(params.height))));
  },
});

export const blockByHashRoute: Route = defineRoute({
  method: "GET",
  url: "/blocks/hash/:hash",
  summary: "The block with a block hash",
  params: hashParamsSchema,
  responses: blockResponse,
  errors: [ApiErrors.BLOCK_NOT_FOUND],
  async handler({ params }, ctx) {
    const hash = params.hash.toLowerCase();
    const height = await ctx.node.store.getBlockHeightByHash(hash);
    if (height === undefined) {
      throw new ConsortiaError(ApiErrors.BLOCK_NOT_FOUND, `no block with hash ${hash}`, { hash });
    }
    return jsonReply(blockToJson(await loadBlock(ctx, height)));
  },
});

async function loadBlock(ctx: ApiContext, height: bigint): Promise<StoredBlock> {
  const b = await ctx.node.store.getBlock(height);
  if (!b) {
    throw new ConsortiaError(
      ApiErrors.BLOCK_NOT_FOUND,
      `no block at height ${height} (last is ${ctx.node.app.height})`,
      {
        height: height.toString(),
      },
    );
  }
  return b;
}
