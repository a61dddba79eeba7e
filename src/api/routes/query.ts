import { CommonErrors, ConsortiaError } from "../../errors.js";
import { defineRoute, jsonReply, type Route } from "../route.js";
import { queryParamsSchema, queryPathParamsSchema, queryResultSchema } from "../schemas.js";

export const queryRoute: Route = defineRoute({
  method: "GET",
  url: "/query/*",
  summary: "Application query passthrough: /query/<module>/<path...>?k=v",
  params: queryPathParamsSchema,
  query: queryParamsSchema,
  responses: [
    { status: 200, description: "query value at the last committed height", schema: queryResultSchema },
  ],
  errors: ["QUERY_UNKNOWN_PATH", "QUERY_BAD_PARAMS"],
  handler({ params, query }, ctx) {
    const r = ctx.node.app.query({ path: params["*"], params: { ...query } });
    if (r.code !== 0) {
      throw new ConsortiaError(r.errorCode || CommonErrors.INTERNAL, r.log, { path: params["*"] });
    }
    return jsonReply({ height: r.height, value: r.value });
  },
});
