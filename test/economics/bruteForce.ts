/**
 * Structure-blind maximiser for checking closed forms: a dense uniform grid, then golden-section
 * refinement around the best few grid points (more than one, because the objectives here can have
 * two local maxima).
 */
export interface Max1D {
  readonly x: number;
  readonly fx: number;
}

export function bruteMax1D(f: (x: number) => number, lo: number, hi: number, grid = 4001, keep = 4): Max1D {
  if (hi <= lo) return { x: lo, fx: f(lo) };
  const step = (hi - lo) / (grid - 1);
  const pts: Max1D[] = [];
  for (let j = 0; j < grid; j++) {
    const x = j === grid - 1 ? hi : lo + j * step;
    pts.push({ x, fx: f(x) });
  }
  const top = pts
    .map((p, j) => ({ ...p, j }))
    .sort((a, b) => b.fx - a.fx)
    .slice(0, keep);
  let best: Max1D = top[0] ?? { x: lo, fx: f(lo) };
  for (const t of top) {
    const r = golden(f, Math.max(lo, t.x - step), Math.min(hi, t.x + step));
    if (r.fx > best.fx) best = r;
  }
  return best;
}

export function golden(f: (x: number) => number, a: number, b: number, iters = 200): Max1D {
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iters && b - a > 1e-15 * Math.max(1, Math.abs(a), Math.abs(b)); i++) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const cands: Max1D[] = [
    { x: a, fx: f(a) },
    { x: b, fx: f(b) },
    { x: c, fx: fc },
    { x: d, fx: fd },
  ];
  return cands.reduce((m, p) => (p.fx > m.fx ? p : m));
}

/** |a − b| ≤ tol·max(1, |a|, |b|): relative, with a tiny absolute floor for values at zero. */
export function relClose(a: number, b: number, tol = 1e-6): boolean {
  return Math.abs(a - b) <= tol * Math.max(1e-9, Math.abs(a), Math.abs(b));
}

/** Log-uniform draw in [lo, hi] from a [0,1) sample. */
export function logUniform(u: number, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
}
