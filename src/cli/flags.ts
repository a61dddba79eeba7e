/**
 * Flag value parsers. Each turns one string from the command line into a typed value or throws
 * CLI_INVALID_PARAM naming the flag, so a bad value exits with status 2 and a message that says
 * which flag was wrong and why.
 */
import { MAX_U64 } from "../codec/schema.js";
import { ConsortiaError } from "../errors.js";
import { CliErrors } from "./errors.js";

export function invalidFlag(flag: string, condition: string, value: string): ConsortiaError {
  return new ConsortiaError(CliErrors.CLI_INVALID_PARAM, `${flag} ${condition}, got "${value}"`, {
    flag,
    condition,
  });
}

/** A decimal integer in [min, max]; no sign, exponent or leading zeros. */
export function intFlag(value: string, flag: string, min: number, max: number): number {
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(value)) throw invalidFlag(flag, "must be a decimal integer", value);
  const n = Number(value);
  if (n < min || n > max) throw invalidFlag(flag, `must be in ${min}..${max}`, value);
  return n;
}

/** A decimal uint64 (serials, heights). */
export function u64Flag(value: string, flag: string): bigint {
  if (!/^(?:0|[1-9][0-9]{0,19})$/.test(value)) throw invalidFlag(flag, "must be a decimal integer", value);
  const n = BigInt(value);
  if (n > MAX_U64) throw invalidFlag(flag, `must be at most ${MAX_U64}`, value);
  return n;
}

/** Hex bytes (either case accepted, since people paste from anywhere), with a byte-length range. */
export function hexFlag(value: string, flag: string, minBytes: number, maxBytes = minBytes): Uint8Array {
  const size = minBytes === maxBytes ? `${minBytes} bytes` : `${minBytes}..${maxBytes} bytes`;
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(value)) throw invalidFlag(flag, `must be hex (${size})`, value);
  const bytes = value.length / 2;
  const chars = minBytes === maxBytes ? `${minBytes * 2}` : `${minBytes * 2}..${maxBytes * 2}`;
  if (bytes < minBytes || bytes > maxBytes)
    throw invalidFlag(flag, `must be ${size} (${chars} hex characters)`, value);
  return new Uint8Array(Buffer.from(value, "hex"));
}

/** An account address: exactly 40 lowercase hex characters (the one text form the chain uses). */
export function addressFlag(value: string, flag: string): Uint8Array {
  if (!/^[0-9a-f]{40}$/.test(value))
    throw invalidFlag(flag, "must be an address: 40 lowercase hex characters", value);
  return new Uint8Array(Buffer.from(value, "hex"));
}

/** A 32-byte hash as hex, returned lowercase (the API's path form). */
export function hashFlag(value: string, flag: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value))
    throw invalidFlag(flag, "must be a 32-byte hash: 64 hex characters", value);
  return value.toLowerCase();
}

export function choiceFlag<const T extends string>(value: string, flag: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === value);
  if (found === undefined) throw invalidFlag(flag, `must be one of ${choices.join(", ")}`, value);
  return found;
}

/** Chain ids as CometBFT genesis accepts them. */
export function chainIdFlag(value: string, flag: string): string {
  if (!/^[a-zA-Z0-9._-]{1,50}$/.test(value)) {
    throw invalidFlag(flag, "must be 1-50 characters of [a-zA-Z0-9._-]", value);
  }
  return value;
}

/** An http(s) base URL without query or fragment. */
export function urlFlag(value: string, flag: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw invalidFlag(flag, "must be an absolute http(s) URL", value);
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.search !== "" || u.hash !== "") {
    throw invalidFlag(flag, "must be an http(s) URL without query or fragment", value);
  }
  return value.replace(/\/+$/, "");
}

/** A comma-separated list of decimal integers, each in [min, max], e.g. "2,4,6". */
export function intListFlag(value: string, flag: string, min: number, max: number, maxItems = 100): number[] {
  const items = value.split(",").map((v) => v.trim());
  if (items.length === 0 || items.length > maxItems || items.some((v) => v === "")) {
    throw invalidFlag(flag, `must be a comma-separated list of 1..${maxItems} integers`, value);
  }
  return items.map((v) => intFlag(v, flag, min, max));
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** A byte size: an integer with an optional binary unit (B, KiB, MiB, GiB), e.g. "1MiB", "65536". */
export function sizeFlag(value: string, flag: string, min: number, max: number): number {
  const m = /^(0|[1-9][0-9]{0,15})(B|KiB|MiB|GiB)?$/.exec(value);
  const unit = SIZE_UNITS[m?.[2] ?? ""];
  if (m === null || unit === undefined) {
    throw invalidFlag(flag, "must be a size like 65536, 64KiB or 1MiB", value);
  }
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidFlag(flag, `must be in ${min}..${max} bytes`, value);
  }
  return n;
}
