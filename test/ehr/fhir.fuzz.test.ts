import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { EhrErrors } from "../../src/ehr/errors.js";
import { FHIR_RESOURCE_TYPES, parseFhir, validateFhir } from "../../src/ehr/fhir.js";
import { isConsortiaError } from "../../src/errors.js";
import { sample } from "./fhirSamples.js";

const RUNS = 2_000;
const SEED = 20261122;

type Outcome = { ok: true; resourceType: string } | { ok: false; path: unknown };

/** The property: validation returns a supported resource or throws EHR_FHIR_INVALID, nothing else. */
function outcome(run: () => { resourceType: string }): Outcome {
  try {
    const r = run();
    assert.ok((FHIR_RESOURCE_TYPES as readonly string[]).includes(r.resourceType), r.resourceType);
    return { ok: true, resourceType: r.resourceType };
  } catch (err) {
    if (!isConsortiaError(err, EhrErrors.EHR_FHIR_INVALID)) {
      assert.fail(`expected EHR_FHIR_INVALID, got ${err instanceof Error ? err.stack : String(err)}`);
    }
    return { ok: false, path: err.details.path };
  }
}

// Keys the schemas care about, plus ones that trip naive object handling.
const key = fc.oneof(
  fc.constantFrom(
    "resourceType",
    "status",
    "code",
    "coding",
    "subject",
    "reference",
    "entry",
    "resource",
    "id",
    "meta",
    "value",
    "intent",
    "patient",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
  ),
  fc.string({ maxLength: 12 }),
);
const leaf = fc.oneof(
  fc.constantFrom(
    ...FHIR_RESOURCE_TYPES,
    "final",
    "Patient/p",
    "2026-11-22",
    "2026-11-22T08:30:00Z",
    "",
    " ",
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Container = Json[] | { [k: string]: Json };

/** Every container in the value with the way to reach it, root first. */
function containers(v: Json): Container[] {
  const out: Container[] = [];
  const walk = (x: Json) => {
    if (x === null || typeof x !== "object") return;
    out.push(x);
    for (const c of Array.isArray(x) ? x : Object.values(x)) walk(c);
  };
  walk(v);
  return out;
}

/** Own data property, like JSON.parse makes (assignment to "__proto__" would set the prototype). */
function setOwn(o: Container, k: string | number, v: Json): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

const mutation = fc.record({
  op: fc.constantFrom("delete", "replace", "insert", "wrap", "retype"),
  where: fc.nat(),
  which: fc.nat(),
  key,
  value: leaf,
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(root: Json, m: Mutation): void {
  const all = containers(root);
  const target = all[m.where % all.length];
  if (target === undefined) return;
  const keys: Array<string | number> = Array.isArray(target) ? target.map((_, i) => i) : Object.keys(target);
  const k = keys.length > 0 ? keys[m.which % keys.length]! : m.key;
  const get = (kk: string | number): Json => (target as Record<string | number, Json>)[kk] ?? null;
  switch (m.op) {
    case "delete":
      if (Array.isArray(target)) target.splice(Number(k), 1);
      else delete target[k as string];
      return;
    case "replace":
      setOwn(target, k, m.value as Json);
      return;
    case "insert":
      if (Array.isArray(target)) target.push(m.value as Json);
      else setOwn(target, m.key, m.value as Json);
      return;
    case "wrap":
      setOwn(target, k, [get(k)]);
      return;
    case "retype": {
      const v = get(k);
      setOwn(
        target,
        k,
        typeof v === "string" ? v.length : typeof v === "number" ? String(v) : JSON.stringify(v),
      );
      return;
    }
  }
}

test("random structural mutations of valid resources pass or give EHR_FHIR_INVALID", () => {
  let passed = 0;
  let refused = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...FHIR_RESOURCE_TYPES),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      (type, mutations) => {
        const r = sample(type) as Json;
        for (const m of mutations) apply(r, m);
        const direct = outcome(() => validateFhir(r));
        // The same document as text (what a holder decrypts) gets the same verdict.
        const viaText = outcome(() => parseFhir(JSON.stringify(r)));
        assert.deepEqual(viaText, direct);
        if (direct.ok) passed++;
        else refused++;
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
  // Both sides of the property must actually be exercised.
  assert.ok(passed > RUNS / 50, `only ${passed} mutants passed`);
  assert.ok(refused > RUNS / 2, `only ${refused} mutants refused`);
});

test("random edits of the JSON text pass or give EHR_FHIR_INVALID", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...FHIR_RESOURCE_TYPES),
      fc.array(fc.record({ at: fc.nat(), cut: fc.nat({ max: 8 }), insert: fc.string({ maxLength: 4 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
      (type, edits) => {
        let text = JSON.stringify(sample(type));
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.cut);
        }
        outcome(() => parseFhir(text));
        outcome(() => parseFhir(new TextEncoder().encode(text)));
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
});

test("random bytes and arbitrary values never escape as anything but EHR_FHIR_INVALID", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      outcome(() => parseFhir(bytes));
    }),
    { numRuns: RUNS, seed: SEED },
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true }),
        fc
          .record({ resourceType: fc.constantFrom(...FHIR_RESOURCE_TYPES) })
          .chain((base) =>
            fc.dictionary(key, fc.anything({ maxDepth: 2 })).map((extra) => ({ ...extra, ...base })),
          ),
      ),
      (v) => {
        outcome(() => validateFhir(v));
      },
    ),
    { numRuns: RUNS, seed: SEED },
  );
});
