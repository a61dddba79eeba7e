import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isConsortiaError } from "../../src/errors.js";
import { figureCsv, runExperiments, selectExperiments } from "../../src/sim/run.js";

test("simulate writes csv/json/svg per figure and a report; same seed → byte-identical data", async () => {
  const a = mkdtempSync(join(tmpdir(), "consortia-sim-a-"));
  const b = mkdtempSync(join(tmpdir(), "consortia-sim-b-"));
  const c = mkdtempSync(join(tmpdir(), "consortia-sim-c-"));
  try {
    const ids = ["healthchain", "loans"];
    const sa = await runExperiments({ ids, outDir: a, seed: 3, noPng: true });
    await runExperiments({ ids, outDir: b, seed: 3, noPng: true });
    await runExperiments({ ids: ["loans"], outDir: c, seed: 4, noPng: true });
    const figures = sa.experiments.flatMap((e) => e.figures.map((f) => f.id));
    assert.ok(figures.length >= 14, `figures: ${figures.length}`);
    assert.equal(new Set(figures).size, figures.length, "figure ids unique");
    const files = readdirSync(a).sort();
    for (const f of figures)
      for (const ext of ["csv", "json", "svg"]) assert.ok(files.includes(`${f}.${ext}`), `${f}.${ext}`);
    assert.ok(files.includes("report.md"));
    for (const f of files)
      assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs`);
    assert.ok(
      !readFileSync(join(a, "loans-fig7a-bank-benefit.csv")).equals(
        readFileSync(join(c, "loans-fig7a-bank-benefit.csv")),
      ),
    );
    const report = readFileSync(join(a, "report.md"), "utf8");
    assert.ok(report.includes("64.8 %") && report.includes("Healthchain Fig. 5"));
    for (const f of files.filter((x) => x.endsWith(".json"))) {
      const text = readFileSync(join(a, f), "utf8");
      assert.ok(!/NaN|Infinity/.test(text), `${f} has a non-finite number`);
      const fig = JSON.parse(text) as { ourFinding: string; paperFinding: string };
      assert.ok(fig.ourFinding.length > 0 && fig.paperFinding.length > 0);
    }
  } finally {
    for (const d of [a, b, c]) rmSync(d, { recursive: true, force: true });
  }
});

test("unknown experiment ids are rejected with a typed error", () => {
  assert.throws(
    () => selectExperiments(["nope"]),
    (e: unknown) => isConsortiaError(e, "SIM_INVALID_PARAM") && e.details.param === "experiment",
  );
  assert.ok(selectExperiments(["all"]).length >= 2);
});

test("CSV escapes series names and writes one row per point", () => {
  const csv = figureCsv({
    id: "x",
    paperRef: "",
    title: "",
    xLabel: "",
    yLabel: "",
    kind: "line",
    series: [{ name: 'a, "b"', x: [1, 2], y: [3, Number.NaN] }],
    paperFinding: "",
    ourFinding: "",
    difference: "",
  });
  assert.equal(csv, 'series,x,y\n"a, ""b""",1,3\n"a, ""b""",2,\n');
});
