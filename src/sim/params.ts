/**
 * Error codes of the simulate/solve/bench shell (range 1100–1149) and the parser that turns a
 * user-supplied flag string into a number or rejects it with a typed error naming the flag.
 */
import { ConsortiaError, registerErrorCodes } from "../errors.js";

export const SimErrors = registerErrorCodes({
  /** A flag or option of simulate/solve is malformed or out of its domain (details: {param, condition, value}). */
  SIM_INVALID_PARAM: { num: 1100, http: 400 },
  /** Writing the output directory failed. */
  SIM_WRITE_FAILED: { num: 1101, http: 500 },
});

export function invalidParam(param: string, condition: string, value: unknown): never {
  throw new ConsortiaError(
    SimErrors.SIM_INVALID_PARAM,
    `invalid ${param}: must satisfy ${condition} (got ${String(value)})`,
    { param, condition, value },
  );
}

/**
 * Strict decimal parse: the whole string must be a finite number ("1e3", "-2.5", "0x10" rejected).
 * Number("") is 0 and parseFloat("3abc") is 3, so neither is used alone.
 */
export function parseNumberFlag(flag: string, raw: unknown, opts: { integer?: boolean } = {}): number {
  if (typeof raw === "number" && Number.isFinite(raw)) return checkInteger(flag, raw, opts);
  if (typeof raw !== "string" || raw === undefined) return invalidParam(flag, `${flag} is given`, raw);
  const s = raw.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s))
    return invalidParam(flag, `${flag} is a finite number`, raw);
  const v = Number(s);
  if (!Number.isFinite(v)) return invalidParam(flag, `${flag} is a finite number`, raw);
  return checkInteger(flag, v, opts);
}

function checkInteger(flag: string, v: number, opts: { integer?: boolean }): number {
  if (opts.integer === true && !Number.isSafeInteger(v)) invalidParam(flag, `${flag} is an integer`, v);
  return v;
}
