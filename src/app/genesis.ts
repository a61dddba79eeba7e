import { z } from "zod";
import { ConsortiaError } from "../errors.js";
import { AppErrors } from "./errors.js";
import { type AppParams, appParamsSchema } from "./params.js";
import type { Module } from "./types.js";

export interface ParsedGenesis {
  readonly app: AppParams;
  readonly modules: ReadonlyMap<string, unknown>;
}

/**
 * Validates genesis `app_state` JSON: `{ app: {...params}, <module>: {...}, ... }`. Every module
 * section is parsed by that module's schema; unknown sections are refused (a typo would otherwise
 * silently drop configuration).
 */
export function parseGenesisAppState(bytes: Uint8Array, modules: readonly Module[]): ParsedGenesis {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw new ConsortiaError(AppErrors.GENESIS_INVALID, `genesis app_state is not JSON: ${String(err)}`);
  }
  const top = z.record(z.string(), z.unknown()).safeParse(json);
  if (!top.success)
    throw new ConsortiaError(AppErrors.GENESIS_INVALID, "genesis app_state must be an object");
  const names = new Set(["app", ...modules.map((m) => m.name)]);
  for (const k of Object.keys(top.data)) {
    if (!names.has(k)) throw new ConsortiaError(AppErrors.GENESIS_INVALID, `unknown genesis section "${k}"`);
  }
  const app = parseSection("app", appParamsSchema, top.data.app ?? {});
  const out = new Map<string, unknown>();
  for (const m of modules) out.set(m.name, parseSection(m.name, m.genesisSchema, top.data[m.name] ?? {}));
  return { app, modules: out };
}

function parseSection<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = [name, ...(issue?.path ?? []).map(String)].join(".");
    throw new ConsortiaError(AppErrors.GENESIS_INVALID, `genesis ${path}: ${issue?.message ?? "invalid"}`, {
      path,
    });
  }
  return r.data;
}
