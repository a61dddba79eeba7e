import type { EventType } from "../events.js";
import { defineRoute, type Route } from "../route.js";
import { eventsQuerySchema } from "../schemas.js";

export const eventsRoute: Route = defineRoute({
  method: "GET",
  url: "/events",
  summary:
    "Server-Sent Events: `event: block` (components.schemas.BlockEvent) and `event: tx` (TxEvent); ?types=block,tx",
  query: eventsQuerySchema,
  responses: [
    { status: 200, description: "event stream; a comment line every 15 s", contentType: "text/event-stream" },
  ],
  handler({ query }, ctx, { reply }) {
    const types = new Set((query.types ?? "block,tx").split(",") as EventType[]);
    // A hijacked reply skips fastify's onResponse hook: count the stream when it opens.
    ctx.metrics.observeRequest("GET", "/events", 200, reply.elapsedTime / 1000);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n: connected\n\n");
    const unsubscribe = ctx.events.addClient(
      {
        write: (chunk) => res.write(chunk),
        onDrain: (fn) => res.once("drain", fn),
        end: () => res.end(),
        destroy: () => res.destroy(),
      },
      types,
    );
    res.on("close", unsubscribe);
    return { hijacked: true };
  },
});
