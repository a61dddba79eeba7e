import type { AppParams } from "./params.js";

/** App params live in state so every node reads the same values after a restart. */
export const PARAMS_KEY = "app/params";

export function encodeParams(p: AppParams): Uint8Array {
  return Buffer.from(
    JSON.stringify({ ...p, minFeeBase: p.minFeeBase.toString(), minFeePerByte: p.minFeePerByte.toString() }),
  );
}

export function decodeParams(b: Uint8Array): AppParams {
  const o = JSON.parse(Buffer.from(b).toString("utf8")) as AppParams & {
    minFeeBase: string;
    minFeePerByte: string;
  };
  return { ...o, minFeeBase: BigInt(o.minFeeBase), minFeePerByte: BigInt(o.minFeePerByte) };
}
