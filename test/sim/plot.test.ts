import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTick, niceTicks, renderPng, renderSvg } from "../../src/sim/plot.js";
import type { Figure } from "../../src/sim/types.js";

const fig = (kind: Figure["kind"]): Figure => ({
  id: "t",
  paperRef: "Test",
  title: "A <title> & more",
  xLabel: "x",
  yLabel: "y",
  kind,
  series: [
    { name: "one", x: [1, 2, 3], y: [10, -5, 30] },
    { name: "two", x: [1, 2, 3], y: [1, 2, Number.NaN] },
  ],
  paperFinding: "",
  ourFinding: "",
  difference: "",
});

test("nice ticks cover the range with round steps", () => {
  assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  const t = niceTicks(-1033745, 1089000);
  assert.ok((t[0] ?? 0) <= -1033745 && (t[t.length - 1] ?? 0) >= 1089000);
  assert.ok(niceTicks(5, 5).length >= 2);
  assert.equal(formatTick(1500000), "1.5e6");
  assert.equal(formatTick(0.25), "0.25");
});

test("SVG is deterministic, escaped, and draws every kind", () => {
  for (const kind of ["line", "bar", "scatter"] as const) {
    const a = renderSvg(fig(kind));
    assert.equal(a, renderSvg(fig(kind)));
    assert.ok(a.startsWith("<svg") && a.trimEnd().endsWith("</svg>"));
    assert.ok(a.includes("A &lt;title&gt; &amp; more"));
    assert.ok(!a.includes("NaN"));
    if (kind === "line") assert.ok(a.includes("<path"));
    if (kind === "bar") assert.equal((a.match(/<rect /g) ?? []).length, 2 + 5 + 2); // background, frame, bars, legend
  }
});

test("PNG rendering produces a PNG", () => {
  const png = renderPng(renderSvg(fig("line")));
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
});
