/** One valid FHIR R4 record per supported resource type (and a Bundle), shared by the FHIR tests. */
export const FHIR_SAMPLES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  Patient: {
    resourceType: "Patient",
    id: "p-4711",
    meta: {
      versionId: "1",
      lastUpdated: "2026-11-22T08:30:00.123Z",
      profile: ["http://hl7.org/fhir/StructureDefinition/Patient"],
    },
    identifier: [{ system: "urn:oid:1.2.36.146.595.217.0.1", value: "12345" }],
    name: [{ family: "Chalmers", given: ["Peter", "James"] }],
    gender: "male",
    birthDate: "1974-12-25",
    extension: [{ url: "http://example.org/unmodelled", valueString: "passes through" }],
  },
  Observation: {
    resourceType: "Observation",
    status: "final",
    code: { coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }] },
    subject: { reference: "Patient/p-4711" },
    effectiveDateTime: "2026-11-22T08:30:00Z",
    issued: "2026-11-22T08:31:00+01:00",
    valueQuantity: { value: 72, unit: "beats/minute", system: "http://unitsofmeasure.org", code: "/min" },
  },
  Condition: {
    resourceType: "Condition",
    subject: { reference: "Patient/p-4711" },
    code: { coding: [{ system: "http://snomed.info/sct", code: "44054006" }], text: "Diabetes type 2" },
    clinicalStatus: { coding: [{ code: "active" }] },
    onsetDateTime: "2019",
    recordedDate: "2019-03-04",
  },
  Encounter: {
    resourceType: "Encounter",
    status: "finished",
    class: { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "AMB" },
    subject: { reference: "Patient/p-4711" },
    period: { start: "2026-11-22T08:00:00Z", end: "2026-11-22T09:00:00Z" },
  },
  MedicationRequest: {
    resourceType: "MedicationRequest",
    status: "active",
    intent: "order",
    medicationCodeableConcept: { text: "Metformin 500 mg" },
    subject: { display: "Peter Chalmers" },
    authoredOn: "2026-11-22",
  },
  DiagnosticReport: {
    resourceType: "DiagnosticReport",
    status: "final",
    code: { text: "Complete blood count" },
    subject: { reference: "Patient/p-4711" },
    result: [{ reference: "Observation/o-1" }],
    conclusion: "Normal",
  },
  AllergyIntolerance: {
    resourceType: "AllergyIntolerance",
    patient: { reference: "Patient/p-4711" },
    code: { text: "Penicillin" },
    criticality: "high",
  },
  Procedure: {
    resourceType: "Procedure",
    status: "completed",
    subject: { reference: "Patient/p-4711" },
    code: { text: "Appendectomy" },
    performedDateTime: "2013-04-05",
  },
  Immunization: {
    resourceType: "Immunization",
    status: "completed",
    vaccineCode: { coding: [{ system: "http://hl7.org/fhir/sid/cvx", code: "140" }] },
    patient: { reference: "Patient/p-4711" },
    occurrenceDateTime: "2025-10-01T10:00:00Z",
  },
};

export const FHIR_BUNDLE_SAMPLE: Readonly<Record<string, unknown>> = {
  resourceType: "Bundle",
  type: "collection",
  timestamp: "2026-11-22T08:30:00Z",
  entry: Object.values(FHIR_SAMPLES).map((resource, i) => ({ fullUrl: `urn:uuid:entry-${i}`, resource })),
};

/** Deep copy, so a test can mutate a sample without touching the shared one. */
export function sample(type: string): Record<string, unknown> {
  const s = type === "Bundle" ? FHIR_BUNDLE_SAMPLE : FHIR_SAMPLES[type];
  if (s === undefined) throw new TypeError(`no FHIR sample for ${type}`);
  return structuredClone(s) as Record<string, unknown>;
}
