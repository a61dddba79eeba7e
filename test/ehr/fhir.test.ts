import assert from "node:assert/strict";
import { test } from "node:test";
import { EhrErrors } from "../../src/ehr/errors.js";
import {
  FHIR_RESOURCE_TYPES,
  fhirRecordType,
  MAX_FHIR_BYTES,
  parseFhir,
  validateFhir,
} from "../../src/ehr/fhir.js";
import { isConsortiaError } from "../../src/errors.js";
import { sample } from "./fhirSamples.js";

/** EHR_FHIR_INVALID whose details.path (or message) matches `where`. */
const invalidAt = (where: RegExp) => (e: unknown) => {
  if (!isConsortiaError(e, EhrErrors.EHR_FHIR_INVALID)) return false;
  const path = typeof e.details.path === "string" ? e.details.path : e.message;
  assert.match(path, where);
  return true;
};

test("a valid sample of every supported type passes, from an object, text and bytes", () => {
  for (const type of FHIR_RESOURCE_TYPES) {
    const s = sample(type);
    const r = validateFhir(s);
    assert.equal(r.resourceType, type);
    assert.equal(fhirRecordType(r), `fhir:${type}`);
    const text = JSON.stringify(s);
    assert.deepEqual(parseFhir(text), s, `${type} from text`);
    assert.deepEqual(parseFhir(new TextEncoder().encode(text)), s, `${type} from bytes`);
  }
});

test("elements the schemas do not model pass through unchanged", () => {
  const p = validateFhir(sample("Patient")) as unknown as Record<string, unknown>;
  assert.deepEqual(p.extension, [{ url: "http://example.org/unmodelled", valueString: "passes through" }]);
  const o = sample("Observation");
  o.note = [{ text: "free text" }];
  o.code = { coding: [{ system: "http://loinc.org", code: "8867-4", userSelected: true }] };
  assert.deepEqual(validateFhir(o), o);
});

test("input that is not a FHIR resource object is EHR_FHIR_INVALID at resourceType", () => {
  for (const v of [null, undefined, 42, "Patient", true, [], [sample("Patient")], {}]) {
    assert.throws(() => validateFhir(v), invalidAt(/^resourceType$/), JSON.stringify(v));
  }
  for (const t of ["Consent", "patient", "", "Bundle ", 7, null]) {
    assert.throws(
      () => validateFhir({ ...sample("Patient"), resourceType: t }),
      invalidAt(/^resourceType$/),
      String(t),
    );
  }
  for (const text of ["", "{", "{'resourceType':'Patient'}", "\u0000", "[1,]"]) {
    assert.throws(() => parseFhir(text), invalidAt(/not JSON/), JSON.stringify(text));
  }
  assert.throws(() => parseFhir(new Uint8Array([0xff, 0xfe, 0x00])), invalidAt(/not JSON/));
});

test("structural errors name the offending element", () => {
  const cases: Array<[string, (r: Record<string, unknown>) => void, string, RegExp]> = [
    ["missing required status", (r) => delete r.status, "Observation", /^Observation\.status$/],
    ["unknown status code", (r) => (r.status = "done"), "Observation", /^Observation\.status$/],
    ["required code missing", (r) => delete r.code, "Observation", /^Observation\.code$/],
    ["CodeableConcept without coding or text", (r) => (r.code = {}), "Observation", /^Observation\.code/],
    ["empty coding list", (r) => (r.code = { coding: [] }), "Observation", /^Observation\.code\.coding/],
    [
      "code with a leading space",
      (r) => (r.code = { coding: [{ code: " 8867-4" }] }),
      "Observation",
      /^Observation\.code\.coding\.0\.code$/,
    ],
    ["month 13", (r) => (r.effectiveDateTime = "2026-13-01"), "Observation", /effectiveDateTime$/],
    [
      "time without zone",
      (r) => (r.effectiveDateTime = "2026-11-22T08:30:00"),
      "Observation",
      /effectiveDateTime$/,
    ],
    ["instant without time", (r) => (r.issued = "2026-11-22"), "Observation", /issued$/],
    [
      "quantity value as text",
      (r) => (r.valueQuantity = { value: "72" }),
      "Observation",
      /valueQuantity\.value$/,
    ],
    ["id with a space", (r) => (r.id = "p 4711"), "Patient", /^Patient\.id$/],
    ["id too long", (r) => (r.id = "a".repeat(65)), "Patient", /^Patient\.id$/],
    ["gender not in the value set", (r) => (r.gender = "m"), "Patient", /^Patient\.gender$/],
    [
      "birthDate as dateTime",
      (r) => (r.birthDate = "1974-12-25T00:00:00Z"),
      "Patient",
      /^Patient\.birthDate$/,
    ],
    ["name as a string", (r) => (r.name = "Peter"), "Patient", /^Patient\.name$/],
    [
      "meta.lastUpdated not an instant",
      (r) => (r.meta = { lastUpdated: "yesterday" }),
      "Patient",
      /meta\.lastUpdated$/,
    ],
    ["subject missing", (r) => delete r.subject, "Condition", /^Condition\.subject$/],
    ["empty reference", (r) => (r.subject = {}), "Condition", /^Condition\.subject/],
    ["class missing", (r) => delete r.class, "Encounter", /^Encounter\.class$/],
    ["period end not a dateTime", (r) => (r.period = { end: "soon" }), "Encounter", /period\.end$/],
    [
      "both medication[x]",
      (r) => (r.medicationReference = { reference: "Medication/m" }),
      "MedicationRequest",
      /^MedicationRequest/,
    ],
    [
      "no medication[x]",
      (r) => delete r.medicationCodeableConcept,
      "MedicationRequest",
      /^MedicationRequest/,
    ],
    ["intent missing", (r) => delete r.intent, "MedicationRequest", /^MedicationRequest\.intent$/],
    [
      "result not a list",
      (r) => (r.result = { reference: "Observation/o-1" }),
      "DiagnosticReport",
      /result$/,
    ],
    ["patient missing", (r) => delete r.patient, "AllergyIntolerance", /^AllergyIntolerance\.patient$/],
    ["criticality", (r) => (r.criticality = "severe"), "AllergyIntolerance", /criticality$/],
    ["procedure status", (r) => (r.status = "finished"), "Procedure", /^Procedure\.status$/],
    ["both occurrence[x]", (r) => (r.occurrenceString = "last year"), "Immunization", /^Immunization/],
    ["no occurrence[x]", (r) => delete r.occurrenceDateTime, "Immunization", /^Immunization/],
    ["bundle type", (r) => (r.type = "bag"), "Bundle", /^Bundle\.type$/],
    [
      "invalid resource inside a bundle",
      (r) => ((r.entry as Array<{ resource: Record<string, unknown> }>)[1]!.resource.status = "done"),
      "Bundle",
      /^Bundle\.entry\.1\.resource/,
    ],
    [
      "unsupported resource inside a bundle",
      (r) =>
        ((r.entry as Array<{ resource: Record<string, unknown> }>)[0]!.resource = {
          resourceType: "Consent",
        }),
      "Bundle",
      /^Bundle\.entry\.0\.resource/,
    ],
    [
      "a bundle inside a bundle",
      (r) => ((r.entry as Array<{ resource: unknown }>)[0]!.resource = sample("Bundle")),
      "Bundle",
      /^Bundle\.entry\.0\.resource/,
    ],
  ];
  for (const [name, mutate, type, where] of cases) {
    const r = sample(type);
    mutate(r);
    assert.throws(() => validateFhir(r), invalidAt(where), name);
    assert.throws(() => parseFhir(JSON.stringify(r)), invalidAt(where), `${name} (text)`);
  }
});

test("size bounds: the text limit and the Bundle entry limit", () => {
  const head = '{"resourceType":"Patient","text":"';
  const big = `${head}${"a".repeat(MAX_FHIR_BYTES - head.length - 2 + 1)}"}`;
  assert.equal(Buffer.byteLength(big), MAX_FHIR_BYTES + 1);
  assert.throws(() => parseFhir(big), invalidAt(/exceeds/));
  const justFits = `${head}${"a".repeat(MAX_FHIR_BYTES - head.length - 2)}"}`;
  assert.equal(parseFhir(justFits).resourceType, "Patient");

  const entry = { resource: { resourceType: "Patient" } };
  const ok = {
    resourceType: "Bundle",
    type: "collection",
    entry: Array.from({ length: 10_000 }, () => entry),
  };
  assert.equal(validateFhir(ok).resourceType, "Bundle");
  const tooMany = { ...ok, entry: [...ok.entry, entry] };
  assert.throws(() => validateFhir(tooMany), invalidAt(/^Bundle\.entry$/));
});
