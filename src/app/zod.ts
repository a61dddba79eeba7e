import { z } from "zod";
import { MAX_AMOUNT, MAX_U64 } from "../codec/schema.js";

/**
 * Zod pieces shared by every boundary that takes JSON (genesis, API bodies, files).
 * Amounts and heights travel as decimal strings: a JSON number cannot carry 2^53 or more
 * exactly, so numbers are refused for them rather than silently rounded.
 */
export const zAmount = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,38})$/, "must be a decimal integer string without sign or leading zeros")
  .transform((s) => BigInt(s))
  .refine((v) => v <= MAX_AMOUNT, "must be < 2^128");

export const zU64 = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, "must be a decimal integer string without sign or leading zeros")
  .transform((s) => BigInt(s))
  .refine((v) => v <= MAX_U64, "must be < 2^64");

export function zHexBytes(length: number) {
  return z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${length * 2}}$`), `must be ${length} bytes of hex`)
    .transform((s) => Uint8Array.from(Buffer.from(s, "hex")));
}

export const zAddress = z
  .string()
  .regex(/^[0-9a-f]{40}$/, "must be a 40-character lowercase hex address")
  .transform((s) => Uint8Array.from(Buffer.from(s, "hex")));
