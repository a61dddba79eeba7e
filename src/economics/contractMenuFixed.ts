/**
 * Fixed-point menu for on-chain use: a contract item's payment enters a transaction as bigint base
 * units. Rounding (docs/economics-spds.md): payments are rounded UP to the base unit and utility
 * levels DOWN, so a DO is never paid less nor asked for more than the computed optimum — IR holds
 * after rounding (p_q ≥ p ≥ ϖ_p α π u_max ≥ ϖ_p α π_q u_max, up to the 1e-12 relative snap of
 * toFixedUnits); IC holds up to one payment unit plus ϖ_p ᾱ u_max utility units; the aggregate
 * utility can fall short by < I utility units.
 */

import { ConsortiaError } from "../errors.js";
import type { ContractMenuParams, ContractModel } from "./contractMenu.js";
import { paymentAt, piAt, solveContractMenu } from "./contractMenu.js";
import { EconErrors } from "./validate.js";

export interface FixedPointOptions {
  /** Payment base units per 1.0 of payment = 10^paymentDecimals (default 18, the WAD scale). */
  readonly paymentDecimals?: number;
  /** Utility-level units per 1.0 of π = 10^piDecimals (default 18). */
  readonly piDecimals?: number;
}

export interface ContractItemFixed {
  /** ⌊π·10^piDecimals⌋. */
  readonly piUnits: bigint;
  /** ⌈p·10^paymentDecimals⌉. */
  readonly paymentUnits: bigint;
}

export interface ContractMenuFixed {
  readonly paymentDecimals: number;
  readonly piDecimals: number;
  readonly alpha: number[];
  readonly piUnits: bigint[];
  readonly paymentUnits: bigint[];
}

function decimalsOf(opts: FixedPointOptions): { pd: number; qd: number } {
  return { pd: opts.paymentDecimals ?? 18, qd: opts.piDecimals ?? 18 };
}

/** The contract item for one type, quantised. */
export function contractItemFixed(
  m: ContractModel,
  alpha: number,
  opts: FixedPointOptions = {},
): ContractItemFixed {
  const { pd, qd } = decimalsOf(opts);
  return {
    piUnits: toFixedUnits("pi", piAt(m, alpha), qd, "floor"),
    paymentUnits: toFixedUnits("payment", paymentAt(m, alpha), pd, "ceil"),
  };
}

/** solveContractMenu, with π and payments quantised. */
export function solveContractMenuFixed(
  p: ContractMenuParams,
  opts: FixedPointOptions = {},
): ContractMenuFixed {
  const { pd, qd } = decimalsOf(opts);
  const menu = solveContractMenu(p);
  return {
    paymentDecimals: pd,
    piDecimals: qd,
    alpha: menu.alpha,
    piUnits: menu.pi.map((x) => toFixedUnits("pi", x, qd, "floor")),
    paymentUnits: menu.payment.map((x) => toFixedUnits("payment", x, pd, "ceil")),
  };
}

type Rounding = "ceil" | "floor";

/** x = m·2^e exactly. */
function decompose(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 === 1 ? -1n : 1n;
  const expBits = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  // Subnormals have no implicit leading bit and the minimum exponent.
  if (expBits === 0) return { m: sign * frac, e: -1074 };
  return { m: sign * (frac | (1n << 52n)), e: expBits - 1075 };
}

/**
 * ceil or floor of x·10^decimals, computed from the double's exact binary value so no rounding of
 * x·10^decimals in floating point can move the result across an integer. A value within 1e-12
 * (relative) of a whole number of units is that number: the solver's last-bit noise (2.4 computed
 * as 2.4000000000000004) must not add a unit.
 */
export function toFixedUnits(name: string, x: number, decimals: number, rounding: Rounding): bigint {
  if (!Number.isFinite(x)) {
    throw new ConsortiaError(EconErrors.ECON_INVALID_PARAM, `invalid parameter ${name}: must be finite`, {
      param: name,
      condition: `${name} is finite`,
      value: String(x),
    });
  }
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 30) {
    throw new ConsortiaError(
      EconErrors.ECON_INVALID_PARAM,
      "invalid parameter decimals: must satisfy 0 <= decimals <= 30 (integer)",
      { param: "decimals", condition: "0 <= decimals <= 30 (integer)", value: decimals },
    );
  }
  const { m, e } = decompose(x);
  const num = m * 10n ** BigInt(decimals);
  if (e >= 0) return num << BigInt(e);
  const den = 1n << BigInt(-e);
  // Nearest integer r; within SNAP (relative) of it the value is float noise around r, not above it.
  const twice = 2n * num + (num >= 0n ? den : -den);
  const r = twice / (2n * den);
  const dist = num - r * den;
  const absDist = dist < 0n ? -dist : dist;
  const absNum = num < 0n ? -num : num;
  if (absDist * SNAP_INV <= (absNum > den ? absNum : den)) return r;
  const q = num / den; // truncates toward zero
  if (rounding === "ceil") return num > 0n ? q + 1n : q;
  return num > 0n ? q : q - 1n;
}

/** 1/SNAP: values within 1e-12 (relative, at least 1e-12 units) of a whole unit count snap to it. */
const SNAP_INV = 1_000_000_000_000n;
