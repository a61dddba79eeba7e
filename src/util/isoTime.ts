/**
 * Milliseconds since the Unix epoch → ISO 8601 UTC ("2026-11-22T08:30:00.000Z"), by integer
 * arithmetic (Hinnant's civil-from-days). The pure core formats consensus times with it instead
 * of `Date`, which the core may not touch (no clocks there, and nothing a lint cannot tell apart
 * from one). Defined for 0 ≤ ms ≤ 8.64e15 (Date's range); years past 9999 print as +YYYYYY, as
 * Date does.
 */
export function isoFromMs(ms: bigint): string {
  const days = ms / 86_400_000n;
  const rem = ms % 86_400_000n;
  const z = days + 719_468n;
  const era = z / 146_097n;
  const doe = z - era * 146_097n;
  const yoe = (doe - doe / 1460n + doe / 36_524n - doe / 146_096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  const y = yoe + era * 400n + (m <= 2n ? 1n : 0n);
  const pad = (v: bigint, n: number) => v.toString().padStart(n, "0");
  const h = rem / 3_600_000n;
  const min = (rem / 60_000n) % 60n;
  const s = (rem / 1000n) % 60n;
  const year = y > 9999n ? `+${pad(y, 6)}` : pad(y, 4);
  return `${year}-${pad(m, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(min, 2)}:${pad(s, 2)}.${pad(rem % 1000n, 3)}Z`;
}
