import type { AddressInfo } from "node:net";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import { CommonErrors, ConsortiaError, errorCodeInfo } from "../errors.js";
import type { ApiOptions } from "../node/config.js";
import type { ConsortiaNode } from "../node/node.js";
import { type Clock, systemClock, systemTimers, type Timers } from "../util/clock.js";
import type { ApiContext } from "./context.js";
import { ApiErrors } from "./errors.js";
import { createEventHub, defaultEventHubOptions, type EventHubOptions } from "./events.js";
import { toJsonText } from "./json.js";
import { createMetrics } from "./metrics.js";
import { openApiRoute } from "./openapi.js";
import type { Route } from "./route.js";
import { apiRoutes } from "./routes/index.js";

export interface ApiServerDeps {
  readonly node: ConsortiaNode;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly events?: Partial<EventHubOptions>;
  /** Where unexpected (500) errors go; their details never reach the client. Default: stderr. */
  readonly onInternalError?: (err: unknown) => void;
  /** Routes of node services (e.g. the health-record service), documented in OpenAPI like ours. */
  readonly extraRoutes?: readonly Route[];
  /** Raw fastify registrations that are not JSON routes (e.g. the IPFS trustless gateway). */
  readonly plugins?: readonly ((f: FastifyInstance) => void)[];
}

export interface ApiServer {
  /** Listens on opts.host:opts.port (0 = a free port); `url` carries the actual port. */
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
  /** Method and path pattern of every route fastify registered (for the OpenAPI test). */
  registeredRoutes(): ReadonlyArray<{ method: string; url: string }>;
  readonly routes: readonly Route[];
}

interface ErrorOut {
  readonly status: number;
  readonly body: { code: string; message: string; details?: Readonly<Record<string, unknown>> };
}

const JSON_TYPE = "application/json; charset=utf-8";

export function createApiServer(deps: ApiServerDeps, opts: ApiOptions): ApiServer {
  const { node } = deps;
  const clock = deps.clock ?? systemClock;
  const onInternalError =
    deps.onInternalError ??
    ((err: unknown) =>
      process.stderr.write(
        `api: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      ));
  const metrics = createMetrics({
    ...(node.store.lastCommitted() ? { lastBlockTimeMs: node.store.lastCommitted()!.timeMs } : {}),
  });
  const events = createEventHub(deps.timers ?? systemTimers, { ...defaultEventHubOptions, ...deps.events });
  const ctx: ApiContext = { node, opts, clock, metrics, events };
  const routes: Route[] = [...apiRoutes, ...(deps.extraRoutes ?? [])];
  routes.push(openApiRoute(() => routes, { title: "Consortia node API", version: "1" }));

  const registered: Array<{ method: string; url: string }> = [];
  let app: FastifyInstance | undefined;
  let unsubscribe: (() => void) | undefined;
  let stopping = false;

  const toError = (err: unknown): ErrorOut => {
    if (err instanceof ConsortiaError) {
      const info = errorCodeInfo(err.code);
      // 500s are faults worth an operator's attention; 503/504 are load and timing, not bugs.
      if (info.http === 500) onInternalError(err);
      return { status: info.http, body: err.toJSON() };
    }
    const fe = err as Partial<FastifyError>;
    switch (fe.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return apiError(ApiErrors.API_BODY_TOO_LARGE, `request body exceeds ${opts.bodyLimit} bytes`, {
          limit: opts.bodyLimit,
        });
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return apiError(ApiErrors.API_UNSUPPORTED_MEDIA, "content-type must be application/json");
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
      case "FST_ERR_CTP_INVALID_JSON_BODY":
        return apiError(ApiErrors.API_BAD_JSON, "request body is not valid JSON");
    }
    if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's own 4xx messages describe the request, not the server; safe to pass on.
      return apiError(ApiErrors.API_BAD_REQUEST, fe.message ?? "bad request", {
        reason: fe.code ?? "unknown",
      });
    }
    onInternalError(err);
    return apiError(CommonErrors.INTERNAL, "internal error");
  };

  const build = (): FastifyInstance => {
    const f = Fastify({
      logger: false,
      bodyLimit: opts.bodyLimit,
      exposeHeadRoutes: false,
      forceCloseConnections: true,
      // Our own onRequest hook answers 503 during shutdown, in the API's error format.
      return503OnClosing: false,
      routerOptions: { maxParamLength: 1100 },
      frameworkErrors: (err, req, res) => {
        const out = apiError(ApiErrors.API_BAD_REQUEST, "malformed request URL", { reason: err.code });
        metrics.observeRequest(req.method, "unmatched", out.status, 0);
        void (res as FastifyReply).code(out.status).type(JSON_TYPE).send(toJsonText(out.body));
      },
    });
    f.removeAllContentTypeParsers();
    f.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
      try {
        done(null, JSON.parse(text as string));
      } catch (e) {
        done(
          new ConsortiaError(
            ApiErrors.API_BAD_JSON,
            `request body is not valid JSON: ${(e as Error).message}`,
          ),
          undefined,
        );
      }
    });
    f.addHook("onRoute", (r) => {
      for (const m of Array.isArray(r.method) ? r.method : [r.method])
        registered.push({ method: m, url: r.url });
    });
    f.addHook("onRequest", async (_req, reply) => {
      if (!stopping) return;
      const out = apiError(ApiErrors.API_SHUTTING_DOWN, "the node is shutting down");
      return reply.code(out.status).header("connection", "close").type(JSON_TYPE).send(toJsonText(out.body));
    });
    f.addHook("onResponse", async (req, reply) => {
      const route = req.routeOptions.url ?? "unmatched";
      metrics.observeRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    });
    f.setErrorHandler((err, _req, reply) => {
      const out = toError(err);
      void reply.code(out.status).type(JSON_TYPE).send(toJsonText(out.body));
    });
    f.setNotFoundHandler((req, reply) => {
      const path = req.url.split("?")[0] ?? "";
      const out = apiError(ApiErrors.API_NOT_FOUND, `no route ${req.method} ${path.slice(0, 200)}`, {
        method: req.method,
        path: path.slice(0, 200),
      });
      void reply.code(out.status).type(JSON_TYPE).send(toJsonText(out.body));
    });
    for (const plugin of deps.plugins ?? []) plugin(f);
    for (const route of routes) {
      f.route({
        method: route.method,
        url: route.url,
        ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
        handler: async (req, reply) => {
          const out = await route.run({ params: req.params, query: req.query, body: req.body }, ctx, {
            req,
            reply,
          });
          if ("hijacked" in out) return reply;
          if ("json" in out) return reply.code(out.status).type(JSON_TYPE).send(toJsonText(out.json));
          return reply.code(out.status).type(out.contentType).send(out.text);
        },
      });
    }
    return f;
  };

  return {
    routes,
    registeredRoutes: () => registered,
    async start() {
      if (app || stopping) {
        throw new ConsortiaError(
          CommonErrors.INVALID_ARGUMENT,
          "an API server starts once; create a new one",
        );
      }
      const f = build();
      app = f;
      unsubscribe = node.engine.onBlock((ev) => {
        // The engine calls this inside block production: nothing here may throw into consensus.
        try {
          const failed: string[] = [];
          for (const r of ev.response.txResults)
            if (r.code !== 0) failed.push(r.errorCode || CommonErrors.INTERNAL);
          metrics.blockCommitted({
            height: ev.height,
            timeMs: ev.timeMs,
            txs: ev.txHashes.length,
            failedCodes: failed,
          });
          events.publish(ev);
        } catch (err) {
          onInternalError(err);
        }
      });
      try {
        await f.listen({ host: opts.host, port: opts.port });
      } catch (err) {
        unsubscribe();
        app = undefined;
        throw new ConsortiaError(
          CommonErrors.UNAVAILABLE,
          `cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`,
          { host: opts.host, port: opts.port },
          { cause: err },
        );
      }
      const addr = f.server.address() as AddressInfo;
      const host = addr.family === "IPv6" || addr.address.includes(":") ? `[${addr.address}]` : addr.address;
      return { url: `http://${host}:${addr.port}` };
    },
    async stop() {
      const f = app;
      if (!f) return;
      app = undefined;
      stopping = true;
      unsubscribe?.();
      unsubscribe = undefined;
      events.close();
      await f.close();
    },
  };
}

function apiError(code: string, message: string, details?: Readonly<Record<string, unknown>>): ErrorOut {
  return {
    status: errorCodeInfo(code).http,
    body: details ? { code, message, details } : { code, message },
  };
}
