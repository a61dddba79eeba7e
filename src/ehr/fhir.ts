/**
 * Structural validation of FHIR R4 records before they are sealed (client) and again before they
 * are stored (holder). Types come from @types/fhir (fhir/r4); the schemas check what every
 * consumer of these resources relies on: the resource type, required elements and their
 * cardinality, primitive formats (id, dates, codes), references and coded values. Elements not
 * modelled here pass through unchanged, as FHIR's open model expects (docs/records.md).
 */
import type * as R4 from "fhir/r4.js";
import { z } from "zod";
import { ConsortiaError } from "../errors.js";
import { EhrErrors } from "./errors.js";

const id = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, "must be a FHIR id");
const code = z.string().regex(/^[^\s]+(\s[^\s]+)*$/, "must be a FHIR code");
const uri = z.string().min(1).max(4096);
const date = z.string().regex(/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/, "must be a FHIR date");
const dateTime = z
  .string()
  .regex(
    /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/,
    "must be a FHIR dateTime",
  );
const instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/, "must be a FHIR instant");

const coding = z.looseObject({
  system: uri.optional(),
  version: z.string().optional(),
  code: code.optional(),
  display: z.string().optional(),
});
const codeableConcept = z
  .looseObject({ coding: z.array(coding).min(1).optional(), text: z.string().optional() })
  .refine((c) => c.coding !== undefined || c.text !== undefined, "needs coding or text");
const reference = z
  .looseObject({
    reference: z.string().min(1).optional(),
    display: z.string().optional(),
    identifier: z.unknown().optional(),
  })
  .refine(
    (r) => r.reference !== undefined || r.display !== undefined || r.identifier !== undefined,
    "empty reference",
  );
const period = z.looseObject({ start: dateTime.optional(), end: dateTime.optional() });
const quantity = z.looseObject({
  value: z.number().finite().optional(),
  unit: z.string().optional(),
  system: uri.optional(),
  code: code.optional(),
});
const meta = z.looseObject({
  versionId: id.optional(),
  lastUpdated: instant.optional(),
  profile: z.array(uri).optional(),
});
const base = { id: id.optional(), meta: meta.optional(), language: code.optional() };

const patient = z.looseObject({
  ...base,
  resourceType: z.literal("Patient"),
  identifier: z.array(z.looseObject({ system: uri.optional(), value: z.string().optional() })).optional(),
  name: z
    .array(
      z.looseObject({
        family: z.string().optional(),
        given: z.array(z.string()).optional(),
        text: z.string().optional(),
      }),
    )
    .optional(),
  gender: z.enum(["male", "female", "other", "unknown"]).optional(),
  birthDate: date.optional(),
});
const observation = z.looseObject({
  ...base,
  resourceType: z.literal("Observation"),
  status: z.enum([
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
  ]),
  code: codeableConcept,
  subject: reference.optional(),
  effectiveDateTime: dateTime.optional(),
  issued: instant.optional(),
  valueQuantity: quantity.optional(),
  valueString: z.string().optional(),
  valueCodeableConcept: codeableConcept.optional(),
});
const condition = z.looseObject({
  ...base,
  resourceType: z.literal("Condition"),
  subject: reference,
  code: codeableConcept.optional(),
  clinicalStatus: codeableConcept.optional(),
  verificationStatus: codeableConcept.optional(),
  onsetDateTime: dateTime.optional(),
  recordedDate: dateTime.optional(),
});
const encounter = z.looseObject({
  ...base,
  resourceType: z.literal("Encounter"),
  status: z.enum([
    "planned",
    "arrived",
    "triaged",
    "in-progress",
    "onleave",
    "finished",
    "cancelled",
    "entered-in-error",
    "unknown",
  ]),
  class: coding,
  subject: reference.optional(),
  period: period.optional(),
});
const medicationRequest = z
  .looseObject({
    ...base,
    resourceType: z.literal("MedicationRequest"),
    status: z.enum([
      "active",
      "on-hold",
      "cancelled",
      "completed",
      "entered-in-error",
      "stopped",
      "draft",
      "unknown",
    ]),
    intent: z.enum([
      "proposal",
      "plan",
      "order",
      "original-order",
      "reflex-order",
      "filler-order",
      "instance-order",
      "option",
    ]),
    medicationCodeableConcept: codeableConcept.optional(),
    medicationReference: reference.optional(),
    subject: reference,
    authoredOn: dateTime.optional(),
  })
  .refine(
    (m) => (m.medicationCodeableConcept === undefined) !== (m.medicationReference === undefined),
    "needs exactly one medication[x]",
  );
const diagnosticReport = z.looseObject({
  ...base,
  resourceType: z.literal("DiagnosticReport"),
  status: z.enum([
    "registered",
    "partial",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "appended",
    "cancelled",
    "entered-in-error",
    "unknown",
  ]),
  code: codeableConcept,
  subject: reference.optional(),
  result: z.array(reference).optional(),
  conclusion: z.string().optional(),
});
const allergyIntolerance = z.looseObject({
  ...base,
  resourceType: z.literal("AllergyIntolerance"),
  patient: reference,
  code: codeableConcept.optional(),
  criticality: z.enum(["low", "high", "unable-to-assess"]).optional(),
});
const procedure = z.looseObject({
  ...base,
  resourceType: z.literal("Procedure"),
  status: z.enum([
    "preparation",
    "in-progress",
    "not-done",
    "on-hold",
    "stopped",
    "completed",
    "entered-in-error",
    "unknown",
  ]),
  subject: reference,
  code: codeableConcept.optional(),
  performedDateTime: dateTime.optional(),
});
const immunization = z
  .looseObject({
    ...base,
    resourceType: z.literal("Immunization"),
    status: z.enum(["completed", "entered-in-error", "not-done"]),
    vaccineCode: codeableConcept,
    patient: reference,
    occurrenceDateTime: dateTime.optional(),
    occurrenceString: z.string().optional(),
  })
  .refine(
    (i) => (i.occurrenceDateTime === undefined) !== (i.occurrenceString === undefined),
    "needs exactly one occurrence[x]",
  );

const resource = z.discriminatedUnion("resourceType", [
  patient,
  observation,
  condition,
  encounter,
  medicationRequest,
  diagnosticReport,
  allergyIntolerance,
  procedure,
  immunization,
]);

/** Resource types accepted as records (a Bundle of them is accepted too). */
export const FHIR_RESOURCE_TYPES = [
  "Patient",
  "Observation",
  "Condition",
  "Encounter",
  "MedicationRequest",
  "DiagnosticReport",
  "AllergyIntolerance",
  "Procedure",
  "Immunization",
  "Bundle",
] as const;

const bundle = z.looseObject({
  ...base,
  resourceType: z.literal("Bundle"),
  type: z.enum([
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
  ]),
  timestamp: instant.optional(),
  entry: z
    .array(z.looseObject({ fullUrl: uri.optional(), resource }))
    .max(10_000)
    .optional(),
});

const record = z.union([resource, bundle]);

export type FhirRecord =
  | R4.Patient
  | R4.Observation
  | R4.Condition
  | R4.Encounter
  | R4.MedicationRequest
  | R4.DiagnosticReport
  | R4.AllergyIntolerance
  | R4.Procedure
  | R4.Immunization
  | R4.Bundle;

/** Bound on the JSON text of one record, checked before parsing. */
export const MAX_FHIR_BYTES = 16 * 1024 * 1024;

/**
 * Parses and validates a FHIR R4 record from JSON text or bytes; EHR_FHIR_INVALID names the first
 * offending element (as a FHIRPath-like path) and why.
 */
export function parseFhir(input: string | Uint8Array): FhirRecord {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("utf8");
  if (Buffer.byteLength(text) > MAX_FHIR_BYTES) {
    throw new ConsortiaError(EhrErrors.EHR_FHIR_INVALID, `FHIR record exceeds ${MAX_FHIR_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConsortiaError(
      EhrErrors.EHR_FHIR_INVALID,
      `FHIR record is not JSON: ${(err as Error).message}`,
    );
  }
  return validateFhir(json);
}

export function validateFhir(json: unknown): FhirRecord {
  const t = (json as { resourceType?: unknown } | null)?.resourceType;
  if (typeof t !== "string" || !(FHIR_RESOURCE_TYPES as readonly string[]).includes(t)) {
    throw new ConsortiaError(
      EhrErrors.EHR_FHIR_INVALID,
      `resourceType must be one of ${FHIR_RESOURCE_TYPES.join(", ")}`,
      { path: "resourceType", got: typeof t === "string" ? t.slice(0, 64) : typeof t },
    );
  }
  const r = record.safeParse(json);
  if (!r.success) {
    // The union reports per-branch issues; the branch matching resourceType is the one that matters.
    const branch = (t === "Bundle" ? bundle : resource).safeParse(json);
    const issue = (branch.success ? r.error : branch.error).issues[0];
    const path = [t, ...(issue?.path ?? []).map(String)].join(".");
    throw new ConsortiaError(EhrErrors.EHR_FHIR_INVALID, `${path}: ${issue?.message ?? "invalid"}`, { path });
  }
  return r.data as FhirRecord;
}

/** The on-chain record type of a FHIR record: "fhir:<resourceType>". */
export function fhirRecordType(r: FhirRecord): string {
  return `fhir:${r.resourceType}`;
}
