/**
 * Token amounts typed by people (CLI flags, forms) into bigint base units. Strict on purpose: a
 * float, an exponent or a sign in an amount is almost always a mistake about units, and guessing
 * (rounding 1.5, reading 1e3 as 1000) would move real money.
 */
import { MAX_AMOUNT } from "../codec/schema.js";
import { ConsortiaError, registerErrorCodes } from "../errors.js";

export const AmountErrors = registerErrorCodes({
  /** Not a plain decimal integer in [0, 2^128 − 1] (details: {field, condition}). */
  AMOUNT_INVALID_PARAM: { num: 1215, http: 400 },
});

/** At most 39 digits: 2^128 − 1 has 39, so longer input is rejected before BigInt parses it. */
const DECIMAL_RE = /^(?:0|[1-9][0-9]{0,38})$/;

/**
 * Parses a decimal integer string of base units. `field` names the flag or field in the error,
 * e.g. "--amount".
 */
export function parseAmount(text: string, field: string, max: bigint = MAX_AMOUNT): bigint {
  const fail = (condition: string): never => {
    throw new ConsortiaError(AmountErrors.AMOUNT_INVALID_PARAM, `${field} ${condition}, got "${text}"`, {
      field,
      condition,
    });
  };
  if (typeof text !== "string" || text.length === 0) return fail("must be a decimal integer");
  if (text.startsWith("-")) return fail("must not be negative");
  if (/^[+]?[0-9]*\.[0-9]*$/.test(text))
    return fail("must be an integer number of base units (no decimal point)");
  if (/^[+]?[0-9.]+[eE][+-]?[0-9]+$/.test(text)) return fail("must be written out in digits (no exponent)");
  if (!DECIMAL_RE.test(text)) {
    return fail("must be a decimal integer of base units without sign, leading zeros or separators");
  }
  const v = BigInt(text);
  if (v > max) return fail(`must be at most ${max}`);
  return v;
}
