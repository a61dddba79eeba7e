import { timeMsToRfc3339 } from "../json.js";
import { defineRoute, jsonReply, type Route } from "../route.js";
import { type ChainInfo, chainSchema, type Health, healthSchema } from "../schemas.js";
import { queryValue } from "./common.js";

export const healthRoute: Route = defineRoute({
  method: "GET",
  url: "/health",
  summary: "Liveness and the node's current height",
  responses: [{ status: 200, description: "node is serving", schema: healthSchema }],
  handler(_input, ctx) {
    const { node } = ctx;
    const body: Health = {
      status: "ok",
      chainId: node.app.chainId,
      height: node.app.height.toString(),
      engine: node.engine.kind,
      mempool: node.engine.mempoolSize(),
      moniker: node.options.moniker,
      uptimeMs: Math.max(0, ctx.clock.now() - node.startedAtMs),
    };
    return jsonReply(body);
  },
});

export const chainRoute: Route = defineRoute({
  method: "GET",
  url: "/chain",
  summary: "Chain id, coin denomination, application parameters and message types",
  responses: [{ status: 200, description: "chain description", schema: chainSchema }],
  errors: ["APP_NOT_INITIALIZED"],
  handler(_input, ctx) {
    const { app, genesis } = ctx.node;
    const denom = queryValue(ctx, "coin/denom") as { denom?: unknown; decimals?: unknown } | null;
    const body: ChainInfo = {
      chainId: app.chainId,
      denom: typeof denom?.denom === "string" ? denom.denom : "",
      decimals: typeof denom?.decimals === "number" ? denom.decimals : 0,
      params: app.appParams as unknown as Record<string, unknown>,
      messageTypes: app.messageTypes(),
      genesisTime: timeMsToRfc3339(genesis.genesisTimeMs),
    };
    return jsonReply(body);
  },
});
