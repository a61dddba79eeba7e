/** Number formatting for report prose and findings (deterministic, locale-free). */

/** Up to `digits` significant digits, no exponent for ordinary magnitudes. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e9 || a < 1e-4) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

/** Signed percentage change of `a` over `b`, e.g. "+64.8 %". */
export function pct(a: number, b: number, digits = 1): string {
  if (b === 0) return "n/a";
  const p = ((a - b) / Math.abs(b)) * 100;
  return `${p >= 0 ? "+" : ""}${p.toFixed(digits)} %`;
}

export function pctValue(a: number, b: number): number {
  return b === 0 ? 0 : ((a - b) / Math.abs(b)) * 100;
}

/** n points from lo to hi, evenly spaced on a log scale (lo, hi > 0). */
export function logGrid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) =>
    i === n - 1 ? hi : Math.exp(Math.log(lo) + (i / (n - 1)) * (Math.log(hi) - Math.log(lo))),
  );
}

export function linGrid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : lo + (i / (n - 1)) * (hi - lo)));
}

/** Rounds to 12 significant digits so CSV/JSON do not carry float noise from the last bits. */
export function round12(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(12)) : v;
}
