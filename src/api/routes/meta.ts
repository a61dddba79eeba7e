import { PROMETHEUS_CONTENT_TYPE } from "../metrics.js";
import { defineRoute, type Route } from "../route.js";

export const metricsRoute: Route = defineRoute({
  method: "GET",
  url: "/metrics",
  summary: "Prometheus metrics (text exposition format 0.0.4)",
  responses: [{ status: 200, description: "metrics", contentType: PROMETHEUS_CONTENT_TYPE }],
  handler(_input, ctx) {
    const { node } = ctx;
    const text = ctx.metrics.render({
      height: node.app.height,
      mempool: node.engine.mempoolSize(),
      sseClients: ctx.events.clientCount,
      uptimeSeconds: Math.max(0, ctx.clock.now() - node.startedAtMs) / 1000,
    });
    return { status: 200, text, contentType: PROMETHEUS_CONTENT_TYPE };
  },
});
