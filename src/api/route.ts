import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { ConsortiaError, errorCodeInfo } from "../errors.js";
import type { ApiContext } from "./context.js";
import { ApiErrors } from "./errors.js";
import { emptySchema } from "./schemas.js";

/** What a handler answers: JSON, text, or nothing when it took over the connection (SSE). */
export type RouteReply =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string; readonly contentType: string }
  | { readonly hijacked: true };

export interface ResponseDoc {
  readonly status: number;
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Defaults to application/json. */
  readonly contentType?: string;
}

/** A route, type-erased: validation happens inside `run`, the schemas stay visible for OpenAPI. */
export interface Route {
  readonly method: "GET" | "POST";
  /** Fastify pattern (`:name` params, trailing `*` wildcard). */
  readonly url: string;
  readonly summary: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly responses: readonly ResponseDoc[];
  /** Error codes the route answers with besides the generic ones (documentation). */
  readonly errors: readonly string[];
  /** Largest request body for this route when it differs from the API's bodyLimit (uploads). */
  readonly bodyLimit?: number;
  run(raw: RawInput, ctx: ApiContext, http: HttpHandles): Promise<RouteReply>;
}

export interface RawInput {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
}

export interface HttpHandles {
  readonly req: FastifyRequest;
  readonly reply: FastifyReply;
}

type Empty = typeof emptySchema;

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly summary: string;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly responses: readonly ResponseDoc[];
  readonly errors?: readonly string[];
  readonly bodyLimit?: number;
  handler(
    input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> },
    ctx: ApiContext,
    http: HttpHandles,
  ): Promise<RouteReply> | RouteReply;
}

export function defineRoute<
  P extends z.ZodType = Empty,
  Q extends z.ZodType = Empty,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>): Route {
  return {
    method: spec.method,
    url: spec.url,
    summary: spec.summary,
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.query ? { query: spec.query } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    responses: spec.responses,
    errors: spec.errors ?? [],
    ...(spec.bodyLimit !== undefined ? { bodyLimit: spec.bodyLimit } : {}),
    async run(raw, ctx, http) {
      const params = validate(spec.params ?? emptySchema, raw.params ?? {}, "params") as z.output<P>;
      const query = validate(spec.query ?? emptySchema, raw.query ?? {}, "query") as z.output<Q>;
      const body = (spec.body ? validate(spec.body, raw.body, "body") : undefined) as z.output<B>;
      return spec.handler({ params, query, body }, ctx, http);
    },
  };
}

/** Parses untrusted input; API_BAD_REQUEST names the first offending field and the condition. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: "params" | "query" | "body",
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 10).map((i) => ({
    path: [where, ...i.path.map((p) => (typeof p === "symbol" ? p.toString() : String(p)))].join("."),
    message: i.message,
  }));
  const first = issues[0];
  throw new ConsortiaError(
    ApiErrors.API_BAD_REQUEST,
    `${first?.path ?? where}: ${first?.message ?? "invalid"}`,
    {
      issues,
    },
  );
}

export function jsonReply(json: unknown, status = 200): RouteReply {
  return { status, json };
}

/** An error answer; `status` overrides the code's registered status (e.g. 404 for a lookup). */
export function errorReply(err: ConsortiaError, status?: number): RouteReply {
  return { status: status ?? errorCodeInfo(err.code).http, json: err.toJSON() };
}
