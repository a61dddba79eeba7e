import { Buffer } from "node:buffer";
import { CommonErrors, ConsortiaError } from "../../errors.js";
import type { ApiContext } from "../context.js";

/** Hex that the request schema already checked (even length, hex digits). */
export function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** An application query's value, or its typed error. */
export function queryValue(
  ctx: ApiContext,
  path: string,
  params?: Readonly<Record<string, string>>,
): unknown {
  const r = ctx.node.app.query(params ? { path, params } : { path });
  if (r.code !== 0) throw new ConsortiaError(r.errorCode || CommonErrors.INTERNAL, r.log, { path });
  return r.value;
}
