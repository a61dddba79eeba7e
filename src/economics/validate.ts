/**
 * Parameter-domain checks shared by every economics solver. A solver validates its inputs once at
 * the boundary and then runs plain arithmetic; a violated domain is a typed error naming the
 * parameter and the condition, so callers never see NaN or Infinity in a result.
 */
import { ConsortiaError, registerErrorCodes } from "../errors.js";

export const EconErrors = registerErrorCodes({
  /** A parameter lies outside the model's domain (details: {param, condition, value}). */
  ECON_INVALID_PARAM: { num: 1000, http: 400 },
  /** The parameters are each valid but jointly admit no solution (details: {param, condition, value}). */
  ECON_INFEASIBLE: { num: 1001, http: 422 },
  /** A solver produced a non-finite number despite valid input: a bug, never expected. */
  ECON_NUMERIC: { num: 1002, http: 500 },
});

function fail(param: string, condition: string, value: unknown): never {
  throw new ConsortiaError(
    EconErrors.ECON_INVALID_PARAM,
    `invalid parameter ${param}: must satisfy ${condition} (got ${String(value)})`,
    { param, condition, value: typeof value === "number" && !Number.isFinite(value) ? String(value) : value },
  );
}

export function requireFinite(name: string, v: number): number {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(name, `${name} is a finite number`, v);
  return v;
}

export function requirePositive(name: string, v: number): number {
  requireFinite(name, v);
  if (!(v > 0)) fail(name, `${name} > 0`, v);
  return v;
}

export function requireNonNegative(name: string, v: number): number {
  requireFinite(name, v);
  if (!(v >= 0)) fail(name, `${name} >= 0`, v);
  return v;
}

/** Strictly above a bound: v > lo. */
export function requireGreaterThan(name: string, v: number, lo: number): number {
  requireFinite(name, v);
  if (!(v > lo)) fail(name, `${name} > ${lo}`, v);
  return v;
}

/** One of a fixed set of strings. */
export function requireOneOf<T extends string>(name: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) fail(name, `${name} is one of ${allowed.join(", ")}`, v);
  return v as T;
}

/** Closed interval [lo, hi]. */
export function requireRange(name: string, v: number, lo: number, hi: number): number {
  requireFinite(name, v);
  if (!(v >= lo && v <= hi)) fail(name, `${lo} <= ${name} <= ${hi}`, v);
  return v;
}

/** Half-open interval (lo, hi]. */
export function requireRangeOpenLow(name: string, v: number, lo: number, hi: number): number {
  requireFinite(name, v);
  if (!(v > lo && v <= hi)) fail(name, `${lo} < ${name} <= ${hi}`, v);
  return v;
}

export function requireInteger(name: string, v: number, lo = Number.MIN_SAFE_INTEGER): number {
  requireFinite(name, v);
  if (!Number.isInteger(v) || v < lo) fail(name, `${name} is an integer >= ${lo}`, v);
  return v;
}

/** lo <= hi, both finite. */
export function requireOrdered(loName: string, lo: number, hiName: string, hi: number): void {
  requireFinite(loName, lo);
  requireFinite(hiName, hi);
  if (!(lo <= hi)) fail(loName, `${loName} <= ${hiName} (${hiName} = ${hi})`, lo);
}

/** Jointly infeasible inputs: each is valid alone, together they admit no solution. */
export function infeasible(param: string, condition: string, value: unknown): never {
  throw new ConsortiaError(
    EconErrors.ECON_INFEASIBLE,
    `infeasible parameters at ${param}: ${condition} (got ${String(value)})`,
    { param, condition, value },
  );
}

/** Last line of defence before a number leaves a solver. */
export function ensureFinite(name: string, v: number): number {
  if (!Number.isFinite(v)) {
    throw new ConsortiaError(EconErrors.ECON_NUMERIC, `solver produced a non-finite ${name}`, {
      param: name,
      condition: `${name} is finite`,
      value: String(v),
    });
  }
  return v;
}
