/**
 * Zod atoms for CometBFT's JSON encoding (libs/json + HexBytes), so its RPC output (`/commit`,
 * `/validators`, `/block`) parses without a translation layer:
 *  - HexBytes are hex; CometBFT writes uppercase and reads either case (hex.DecodeString). We do too.
 *  - []byte (signatures, public keys) are standard padded base64; `null` means empty.
 *  - int64/uint64 are decimal strings (a JSON number cannot carry 2^53 exactly); int32/uint32 are
 *    JSON numbers.
 *  - Times are RFC 3339 in UTC with a `Z` suffix and 0–9 fractional digits (Go's RFC3339Nano:
 *    trailing zeros trimmed). libs/json refuses other offsets, so do we.
 */
import { Buffer } from "node:buffer";
import { z } from "zod";
import type { Timestamp } from "../codec/protobuf.js";

export const HASH_BYTES = 32;
export const ADDRESS_BYTES = 20;

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toHexUpper(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex").toUpperCase();
}

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

function hexToBytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "hex"));
}

function lengthsText(lengths: readonly number[]): string {
  return lengths.map((n) => `${n}`).join(" or ");
}

/** Hex of one of the allowed byte lengths (any length when omitted). */
export function zHex(lengths?: readonly number[]) {
  return z
    .string()
    .regex(HEX_RE, "must be an even-length hex string")
    .refine((s) => lengths === undefined || lengths.includes(s.length / 2), {
      message: `must be ${lengthsText(lengths ?? [])} bytes of hex`,
    })
    .transform(hexToBytes);
}

/** A CometBFT hash field: empty or 32 bytes (types.ValidateHash). */
export const zHashHex = zHex([0, HASH_BYTES]);
/** Exactly 32 bytes. */
export const zHash32Hex = zHex([HASH_BYTES]);
export const zAddressHex = zHex([ADDRESS_BYTES]);

/** Standard base64 with padding; `null` (Go's nil slice) reads as empty. */
export function zBase64(lengths?: readonly number[]) {
  return z
    .union([z.string(), z.null()])
    .transform((s) => s ?? "")
    .refine((s) => B64_RE.test(s), { message: "must be standard padded base64" })
    .transform((s) => new Uint8Array(Buffer.from(s, "base64")))
    .refine((b) => lengths === undefined || lengths.includes(b.length), {
      message: `must decode to ${lengthsText(lengths ?? [])} bytes`,
    });
}

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

export const zInt64String = z
  .string()
  .regex(/^(0|-?[1-9][0-9]{0,18})$/, "must be a decimal integer string without leading zeros")
  .transform((s) => BigInt(s))
  .refine((v) => v >= I64_MIN && v <= I64_MAX, "must fit in int64");

export const zUint64String = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, "must be a decimal integer string without sign or leading zeros")
  .transform((s) => BigInt(s))
  .refine((v) => v <= U64_MAX, "must fit in uint64");

export const zUint32 = z.number().int().min(0).max(0xffff_ffff);
export const zInt32 = z.number().int().min(-0x8000_0000).max(0x7fff_ffff);

// ---- RFC 3339 ----------------------------------------------------------------------------------

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar,
// including years below 100 where Date.UTC would silently add 1900.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z0 = days + 719_468;
  const era = Math.floor(z0 / 146_097);
  const doe = z0 - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** undefined when `s` is not a valid UTC RFC 3339 time in years 0001..9999. */
export function parseRfc3339(s: string): Timestamp | undefined {
  const m = RFC3339_RE.exec(s);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const days = daysFromCivil(y, mo, d);
  const [cy, cm, cd] = civilFromDays(days);
  if (cy !== y || cm !== mo || cd !== d) return undefined; // e.g. 2023-02-30
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, "0"));
  return { seconds: BigInt(days * 86_400 + h * 3600 + mi * 60 + se), nanos };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Go's time.RFC3339Nano in UTC, as CometBFT's JSON writes times. */
export function formatRfc3339(ts: Timestamp): string {
  const secs = Number(ts.seconds);
  const days = Math.floor(secs / 86_400);
  const rem = secs - days * 86_400;
  const [y, m, d] = civilFromDays(days);
  const hms = `${pad(Math.floor(rem / 3600), 2)}:${pad(Math.floor((rem % 3600) / 60), 2)}:${pad(rem % 60, 2)}`;
  const frac = ts.nanos === 0 ? "" : `.${pad(ts.nanos, 9).replace(/0+$/, "")}`;
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${hms}${frac}Z`;
}

export const zRfc3339 = z.string().transform((s, ctx) => {
  const ts = parseRfc3339(s);
  if (ts === undefined) {
    ctx.addIssue({
      code: "custom",
      message: "must be an RFC 3339 UTC time like 2023-05-17T14:12:53.088875124Z (years 0001-9999)",
    });
    return z.NEVER;
  }
  return ts;
});

/** Formats zod issues as "path: message" for error messages and details. */
export function zodIssues(err: z.ZodError): { path: string; message: string }[] {
  return err.issues.map((i) => ({
    path: i.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, ""),
    message: i.message,
  }));
}
