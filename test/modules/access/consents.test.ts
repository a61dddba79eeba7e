import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toHex } from "../../../src/crypto/hash.js";
import { MAX_TIME_MS } from "../../../src/modules/access/policy.js";
import { getLiveConsentIds } from "../../../src/modules/access/state.js";
import { EhrHarness, T0 } from "../records/harness.js";

interface ConsentResource {
  resourceType: string;
  id: string;
  status: string;
  decision: string;
  subject: { identifier: { system: string; value: string } };
  provision: {
    period: { start: string; end: string };
    actor: { reference: { identifier: { value: string } } }[];
    purpose: { system: string; code: string }[];
    data: { meaning: string; reference: { identifier: { value: string } } }[];
    documentType: { code: string }[];
  }[];
  consortia: { revoked: boolean; revokedHeight: bigint; createdHeight: bigint };
}

function setup(access: Record<string, unknown> = {}) {
  const h = new EhrHarness({ access });
  const hosp = h.actor("hospital", "institution");
  const pat = h.actor("patient", "patient");
  const pat2 = h.actor("patient-2", "patient");
  const doc = h.actor("doctor", "doctor");
  const rec = h.put(hosp, pat).id;
  const rec2 = h.put(hosp, pat2).id;
  return { h, hosp, pat, pat2, doc, rec, rec2 };
}

describe("access/grant", () => {
  test("validation, ownership and recipient checks", () => {
    const { h, hosp, pat, doc, rec, rec2 } = setup();
    assert.equal(h.grant(doc, pat).code, "IDENTITY_WRONG_ROLE");
    assert.equal(h.grant(pat, pat).code, "ACCESS_BAD_RECIPIENT");
    assert.equal(
      h.tx(pat, "access/grant", {
        recipient: new Uint8Array(20),
        decision: "permit",
        purposes: ["TREAT"],
        recordIds: [],
        recordTypes: [],
        periodStartMs: T0,
        periodEndMs: T0 + 10n ** 9n,
      }).code,
      "ACCESS_BAD_RECIPIENT",
    );
    assert.equal(h.grant(pat, doc, { purposes: [] }).code, "ACCESS_INVALID");
    assert.equal(h.grant(pat, doc, { purposes: ["TREAT", "TREAT"] }).code, "ACCESS_INVALID");
    assert.equal(h.grant(pat, doc, { recordIds: [rec, rec] }).code, "ACCESS_INVALID");
    assert.equal(
      h.grant(pat, doc, { recordTypes: ["fhir:Observation", "fhir:Observation"] }).code,
      "ACCESS_INVALID",
    );
    assert.equal(h.grant(pat, doc, { recordTypes: ["Observation"] }).code, "ACCESS_INVALID");
    assert.equal(h.grant(pat, doc, { startMs: T0 + 5n, endMs: T0 + 5n }).code, "ACCESS_BAD_PERIOD");
    assert.equal(
      h.grant(pat, doc, { startMs: 0n, endMs: h.timeAt(h.height + 1n) }).code,
      "ACCESS_BAD_PERIOD",
    );
    assert.equal(h.grant(pat, doc, { endMs: MAX_TIME_MS + 1n }).code, "ACCESS_BAD_PERIOD");
    assert.equal(h.grant(pat, doc, { recordIds: [rec2] }).code, "ACCESS_RECORD_NOT_OWNED");
    assert.equal(h.grant(pat, doc, { recordIds: [new Uint8Array(32)] }).code, "ACCESS_RECORD_NOT_OWNED");
    assert.equal(h.grant(pat, hosp, { recordIds: [rec], endMs: MAX_TIME_MS }).code, "");
  });

  test("the consent id is the tx hash; queries return a FHIR Consent", () => {
    const { h, pat, doc, rec } = setup();
    const g = h.grant(pat, doc, {
      decision: "deny",
      purposes: ["HRESCH", "PUBHLTH"],
      recordIds: [rec],
      recordTypes: ["binary:application/pdf"],
      startMs: T0,
      endMs: T0 + 86_400_000n,
    });
    assert.equal(g.code, "");
    assert.equal(g.events[0]?.attrs.consentId, toHex(g.txHash));
    const { consents } = h.query<{ consents: ConsentResource[] }>(`access/consents/${pat.hex}`);
    assert.equal(consents.length, 1);
    const c = consents[0]!;
    assert.equal(c.resourceType, "Consent");
    assert.equal(c.id, toHex(g.txHash));
    assert.equal(c.status, "active");
    assert.equal(c.decision, "deny");
    assert.deepEqual(c.subject.identifier, { system: "urn:consortia:address", value: pat.hex });
    const p = c.provision[0]!;
    assert.deepEqual(p.period, {
      start: new Date(Number(T0)).toISOString(),
      end: new Date(Number(T0 + 86_400_000n)).toISOString(),
    });
    assert.equal(p.actor[0]?.reference.identifier.value, doc.hex);
    assert.deepEqual(
      p.purpose.map((x) => [x.system, x.code]),
      [
        ["http://terminology.hl7.org/CodeSystem/v3-ActReason", "HRESCH"],
        ["http://terminology.hl7.org/CodeSystem/v3-ActReason", "PUBHLTH"],
      ],
    );
    assert.deepEqual(
      p.data.map((d) => [d.meaning, d.reference.identifier.value]),
      [["instance", toHex(rec)]],
    );
    assert.deepEqual(
      p.documentType.map((d) => d.code),
      ["binary:application/pdf"],
    );
    assert.equal(c.consortia.createdHeight, 3n);
  });

  test("at most maxConsentsPerPatient live consents; expired ones stop counting", () => {
    const { h, pat, doc } = setup({ maxConsentsPerPatient: 2 });
    const soon = h.timeAt(h.height + 4n);
    assert.equal(h.grant(pat, doc, { endMs: soon }).code, "");
    assert.equal(h.grant(pat, doc).code, "");
    assert.equal(h.grant(pat, doc).code, "ACCESS_TOO_MANY_CONSENTS");
    assert.equal(getLiveConsentIds(h.mem, pat.address).length, 2);
    // Height 6: the first consent's period [T0, T0+6000) has ended at block time T0+6000.
    const g = h.grant(pat, doc);
    assert.equal(g.code, "");
    assert.equal(getLiveConsentIds(h.mem, pat.address).length, 2);
    const { consents } = h.query<{ consents: ConsentResource[] }>(`access/consents/${pat.hex}`);
    assert.deepEqual(
      consents.map((c) => c.status),
      ["inactive", "active", "active"],
    );
  });
});

describe("access/revoke", () => {
  test("only the grantor, once; the consent stays listed as inactive", () => {
    const { h, pat, pat2, doc } = setup();
    const g = h.grant(pat, doc);
    const other = h.grant(pat, doc, { purposes: ["ETREAT"] });
    assert.equal(h.tx(pat2, "access/revoke", { consentId: g.txHash }).code, "ACCESS_NOT_GRANTOR");
    assert.equal(
      h.tx(pat, "access/revoke", { consentId: new Uint8Array(32) }).code,
      "ACCESS_CONSENT_NOT_FOUND",
    );
    const r = h.tx(pat, "access/revoke", { consentId: g.txHash });
    assert.equal(r.code, "");
    assert.deepEqual(r.events[0], {
      type: "access.revoke",
      attrs: { consentId: toHex(g.txHash), patient: pat.hex },
    });
    assert.equal(h.tx(pat, "access/revoke", { consentId: g.txHash }).code, "ACCESS_CONSENT_REVOKED");
    assert.deepEqual(getLiveConsentIds(h.mem, pat.address).map(toHex), [toHex(other.txHash)]);
    const { consents } = h.query<{ consents: ConsentResource[] }>(`access/consents/${pat.hex}`);
    assert.deepEqual(
      consents.map((c) => [c.id, c.status, c.consortia.revoked, c.consortia.revokedHeight]),
      [
        [toHex(g.txHash), "inactive", true, 7n],
        [toHex(other.txHash), "active", false, 0n],
      ],
    );
  });
});
