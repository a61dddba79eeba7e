/**
 * One error base class for the whole project. Every error that crosses a module boundary is a
 * ConsortiaError with a stable string `code`; codes are registered with a stable numeric id
 * (used as the ABCI result code, so it must never change once released) and an HTTP status
 * (used by the API). Modules register their own table with `registerErrorCodes`.
 */

export interface ErrorCodeInfo {
  /** Stable numeric id: the ABCI/CometBFT result code. 0 is success; never reuse a number. */
  readonly num: number;
  /** HTTP status the API answers with. */
  readonly http: number;
}

const byCode = new Map<string, ErrorCodeInfo>();
const byNum = new Map<number, string>();

/**
 * Registers a table of codes and returns an object mapping each code to itself, so call sites
 * write `CodecErrors.TRUNCATED` and get a string literal type.
 */
export function registerErrorCodes<const T extends Record<string, ErrorCodeInfo>>(
  table: T,
): { readonly [K in keyof T]: K } {
  const out: Record<string, string> = {};
  for (const [code, info] of Object.entries(table)) {
    const existing = byCode.get(code);
    // Re-registration of an identical entry happens when a module is loaded twice (tsx + dist).
    if (existing && (existing.num !== info.num || existing.http !== info.http)) {
      throw new ConsortiaError("INTERNAL", `error code ${code} registered twice with different ids`);
    }
    const owner = byNum.get(info.num);
    if (owner !== undefined && owner !== code) {
      throw new ConsortiaError("INTERNAL", `error number ${info.num} used by ${owner} and ${code}`);
    }
    if (!Number.isInteger(info.num) || info.num <= 0 || info.num > 0xffff_ffff) {
      throw new ConsortiaError("INTERNAL", `error number for ${code} must be a uint32 > 0`);
    }
    byCode.set(code, info);
    byNum.set(info.num, code);
    out[code] = code;
  }
  return out as { readonly [K in keyof T]: K };
}

export type ErrorDetails = Readonly<Record<string, unknown>>;

export class ConsortiaError<C extends string = string> extends Error {
  readonly code: C;
  readonly details: ErrorDetails;

  constructor(code: C, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConsortiaError";
    this.code = code;
    this.details = details;
  }

  /** The wire shape used by the API and CLI `--json`: `{code, message, details?}`. */
  toJSON(): { code: string; message: string; details?: ErrorDetails } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export const CommonErrors = registerErrorCodes({
  INTERNAL: { num: 1, http: 500 },
  INVALID_ARGUMENT: { num: 2, http: 400 },
  NOT_FOUND: { num: 3, http: 404 },
  UNAVAILABLE: { num: 4, http: 503 },
  IO_ERROR: { num: 5, http: 500 },
  INVALID_CONFIG: { num: 6, http: 400 },
});

export function errorCodeInfo(code: string): ErrorCodeInfo {
  return byCode.get(code) ?? { num: 1, http: 500 };
}

/** All registered codes, for docs and the OpenAPI document. */
export function registeredErrorCodes(): ReadonlyArray<readonly [string, ErrorCodeInfo]> {
  return [...byCode.entries()].sort((a, b) => a[1].num - b[1].num);
}

/** Wraps anything thrown into a ConsortiaError without losing the original as `cause`. */
export function asConsortiaError(err: unknown): ConsortiaError {
  if (err instanceof ConsortiaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ConsortiaError(CommonErrors.INTERNAL, message, {}, { cause: err });
}

export function isConsortiaError(err: unknown, code?: string): err is ConsortiaError {
  return err instanceof ConsortiaError && (code === undefined || err.code === code);
}
