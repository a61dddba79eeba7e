/**
 * Dependency-free SVG charts (line, scatter, grouped bar) from a Figure, and PNG through resvg.
 * Output is a pure function of the Figure, so the same data gives byte-identical SVG.
 */
import { Resvg } from "@resvg/resvg-js";
import type { Figure, Series } from "./types.js";

export interface PlotOptions {
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];
const FONT = "DejaVu Sans, Arial, Helvetica, sans-serif";

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Compact tick label: at most 4 significant digits, exponent form for very large/small values. */
export function formatTick(v: number): string {
  if (v === 0 || Object.is(v, -0)) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) {
    const [m, e] = v.toExponential(2).split("e");
    return `${String(Number(m))}e${String(Number(e))}`;
  }
  return String(Number(v.toPrecision(4)));
}

/** About `target` round-numbered ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const first = Math.floor(lo / step) * step;
  const out: number[] = [];
  for (let v = first; v <= hi + step * 0.5 && out.length < 50; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  if ((out[out.length - 1] ?? hi) < hi) out.push(Number((first + out.length * step).toPrecision(12)));
  return out;
}

function finitePairs(s: Series): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const n = Math.min(s.x.length, s.y.length);
  for (let i = 0; i < n; i++) {
    const x = s.x[i] as number;
    const y = s.y[i] as number;
    if (Number.isFinite(x) && Number.isFinite(y)) out.push([x, y]);
  }
  return out;
}

const f2 = (v: number): string => (Math.round(v * 100) / 100).toString();

export function renderSvg(fig: Figure, opts: PlotOptions = {}): string {
  const width = opts.width ?? 760;
  const height = opts.height ?? 460;
  const longest = Math.max(0, ...fig.series.map((s) => s.name.length));
  const legendW = fig.series.length > 1 ? Math.min(300, 40 + 7 * longest) : 0;
  const m = { left: 78, right: 20 + legendW, top: 44, bottom: 62 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
  );
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(fig.title)}</text>`,
  );

  const pairs = fig.series.map(finitePairs);
  const ys = pairs.flat().map((p) => p[1]);
  let yLo = ys.length > 0 ? Math.min(...ys) : 0;
  let yHi = ys.length > 0 ? Math.max(...ys) : 1;
  if (fig.kind === "bar") {
    yLo = Math.min(0, yLo);
    yHi = Math.max(0, yHi);
  }
  const yTicks = niceTicks(yLo, yHi);
  const y0 = yTicks[0] ?? yLo;
  const y1 = yTicks[yTicks.length - 1] ?? yHi;
  const sy = (v: number): number => m.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;

  // x scale: numeric for line/scatter, categorical for bar.
  let sx: (v: number, seriesIdx?: number) => number;
  let xTickList: Array<{ pos: number; label: string }>;
  let barW = 0;
  let categories: number[] = [];
  if (fig.kind === "bar") {
    for (const p of pairs) for (const [x] of p) if (!categories.includes(x)) categories.push(x);
    categories = categories.slice();
    const slot = pw / Math.max(1, categories.length);
    const groups = Math.max(1, fig.series.length);
    barW = (slot * 0.8) / groups;
    sx = (v, si = 0) => m.left + categories.indexOf(v) * slot + slot * 0.1 + si * barW;
    const every = Math.max(1, Math.ceil(categories.length / 18));
    xTickList = categories
      .map((c, i) => ({ pos: m.left + i * slot + slot / 2, label: formatTick(c), i }))
      .filter((t) => t.i % every === 0);
  } else {
    const xs = pairs.flat().map((p) => p[0]);
    const xTicks = niceTicks(xs.length > 0 ? Math.min(...xs) : 0, xs.length > 0 ? Math.max(...xs) : 1);
    const x0 = xTicks[0] ?? 0;
    const x1 = xTicks[xTicks.length - 1] ?? 1;
    sx = (v) => m.left + ((v - x0) / (x1 - x0 || 1)) * pw;
    xTickList = xTicks.map((t) => ({ pos: sx(t), label: formatTick(t) }));
  }

  // Grid, axes, ticks.
  parts.push(`<g stroke="#e5e5e5" stroke-width="1">`);
  for (const t of yTicks)
    parts.push(`<line x1="${m.left}" y1="${f2(sy(t))}" x2="${m.left + pw}" y2="${f2(sy(t))}"/>`);
  parts.push(`</g>`);
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333333" stroke-width="1"/>`,
  );
  parts.push(`<g font-size="11" fill="#333333">`);
  for (const t of yTicks) {
    parts.push(
      `<text x="${m.left - 6}" y="${f2(sy(t) + 4)}" text-anchor="end">${escapeXml(formatTick(t))}</text>`,
    );
  }
  for (const t of xTickList) {
    parts.push(
      `<line x1="${f2(t.pos)}" y1="${m.top + ph}" x2="${f2(t.pos)}" y2="${m.top + ph + 5}" stroke="#333333"/>`,
    );
    parts.push(
      `<text x="${f2(t.pos)}" y="${m.top + ph + 18}" text-anchor="middle">${escapeXml(t.label)}</text>`,
    );
  }
  parts.push(`</g>`);
  if (fig.kind === "bar" && y0 < 0 && y1 > 0) {
    parts.push(
      `<line x1="${m.left}" y1="${f2(sy(0))}" x2="${m.left + pw}" y2="${f2(sy(0))}" stroke="#333333" stroke-width="1"/>`,
    );
  }
  parts.push(
    `<text x="${m.left + pw / 2}" y="${height - 16}" text-anchor="middle" font-size="13">${escapeXml(fig.xLabel)}</text>`,
  );
  parts.push(
    `<text x="18" y="${m.top + ph / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 18 ${m.top + ph / 2})">${escapeXml(fig.yLabel)}</text>`,
  );

  // Data.
  fig.series.forEach((_s, si) => {
    const color = PALETTE[si % PALETTE.length] as string;
    const pts = pairs[si] ?? [];
    if (fig.kind === "bar") {
      for (const [x, y] of pts) {
        const top = sy(Math.max(0, y));
        const bot = sy(Math.min(0, y));
        parts.push(
          `<rect x="${f2(sx(x, si))}" y="${f2(top)}" width="${f2(barW)}" height="${f2(Math.max(0.5, bot - top))}" fill="${color}"/>`,
        );
      }
      return;
    }
    if (fig.kind === "line" && pts.length > 1) {
      const d = pts.map(([x, y], i) => `${i === 0 ? "M" : "L"}${f2(sx(x))} ${f2(sy(y))}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    if (fig.kind === "scatter" || pts.length <= 12) {
      for (const [x, y] of pts) {
        parts.push(`<circle cx="${f2(sx(x))}" cy="${f2(sy(y))}" r="3.5" fill="${color}"/>`);
      }
    }
  });

  // Legend.
  if (legendW > 0) {
    const lx = width - legendW + 10;
    parts.push(`<g font-size="12">`);
    fig.series.forEach((s, si) => {
      const color = PALETTE[si % PALETTE.length] as string;
      const ly = m.top + 10 + si * 20;
      parts.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="10" fill="${color}"/>`);
      const label = s.name.length > 37 ? `${s.name.slice(0, 36)}…` : s.name;
      parts.push(`<text x="${lx + 20}" y="${ly}">${escapeXml(label)}</text>`);
    });
    parts.push(`</g>`);
  }
  parts.push(`</svg>`);
  return `${parts.join("\n")}\n`;
}

/** PNG bytes of an SVG (system fonts; DejaVu Sans is the first choice in the SVG). */
export function renderPng(svg: string): Uint8Array {
  const r = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    background: "#ffffff",
  });
  return r.render().asPng();
}
