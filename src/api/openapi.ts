/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with, so the
 * document cannot drift from what the server accepts.
 */
import { z } from "zod";
import { registeredErrorCodes } from "../errors.js";
import { defineRoute, jsonReply, type Route } from "./route.js";
import { blockEventSchema, errorBodySchema, txEventSchema } from "./schemas.js";

type JsonSchema = Record<string, unknown>;

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly serverUrl?: string;
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** `/txs/:hash` → `/txs/{hash}`; a trailing wildcard becomes `{path}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}").replace(/\*$/, "{path}");
}

function parameters(route: Route): JsonSchema[] {
  const out: JsonSchema[] = [];
  if (route.params) {
    const s = jsonSchema(route.params, "input");
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    for (const [name, schema] of Object.entries(props)) {
      out.push(
        name === "*"
          ? {
              name: "path",
              in: "path",
              required: true,
              description: "'/'-separated segments, sent unescaped",
              schema,
            }
          : { name, in: "path", required: true, schema },
      );
    }
  }
  if (route.query) {
    const s = jsonSchema(route.query, "input");
    const props = s.properties as Record<string, JsonSchema> | undefined;
    if (props) {
      const required = new Set((s.required ?? []) as string[]);
      for (const [name, schema] of Object.entries(props)) {
        out.push({ name, in: "query", required: required.has(name), schema });
      }
    } else {
      // A free-form map (the query passthrough): every k=v pair is one parameter.
      out.push({ name: "params", in: "query", required: false, style: "form", explode: true, schema: s });
    }
  }
  return out;
}

function operation(route: Route): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const r of route.responses) {
    const type = r.contentType ?? "application/json";
    responses[String(r.status)] = {
      description: r.description,
      content: { [type]: r.schema ? { schema: jsonSchema(r.schema, "output") } : {} },
    };
  }
  const codes = route.errors.length > 0 ? ` Route-specific codes: ${route.errors.join(", ")}.` : "";
  responses.default = {
    description: `Error; the HTTP status is the code's registered status (see x-error-codes).${codes}`,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
  const op: JsonSchema = {
    operationId: `${route.method.toLowerCase()}${openApiPath(route.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ? c.toUpperCase() : ""))}`,
    summary: route.summary,
    parameters: parameters(route),
    responses,
  };
  if (route.errors.length > 0) op["x-error-codes"] = route.errors;
  if (route.body) {
    op.requestBody = {
      required: true,
      content: { "application/json": { schema: jsonSchema(route.body, "input") } },
    };
  }
  return op;
}

export function buildOpenApi(routes: readonly Route[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const p = openApiPath(r.url);
    paths[p] ??= {};
    paths[p][r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: {
      schemas: {
        Error: jsonSchema(errorBodySchema, "output"),
        BlockEvent: jsonSchema(blockEventSchema, "output"),
        TxEvent: jsonSchema(txEventSchema, "output"),
      },
    },
    "x-error-codes": Object.fromEntries(
      registeredErrorCodes().map(([code, i]) => [code, { num: i.num, http: i.http }]),
    ),
  };
}

/** GET /openapi.json; the document is built on first request (every error table is registered by then). */
export function openApiRoute(routes: () => readonly Route[], info: OpenApiInfo): Route {
  let doc: JsonSchema | undefined;
  return defineRoute({
    method: "GET",
    url: "/openapi.json",
    summary: "This document",
    responses: [{ status: 200, description: "OpenAPI 3.1 document" }],
    handler() {
      doc ??= buildOpenApi(routes(), info);
      return jsonReply(doc);
    },
  });
}
