import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseGenesisAppState } from "../../../src/app/genesis.js";
import { MemoryKv } from "../../../src/app/state.js";
import type { Module } from "../../../src/app/types.js";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import { isConsortiaError } from "../../../src/errors.js";
import { recordsModule } from "../../../src/modules/records/module.js";
import {
  DEFAULT_RECORDS_PARAMS,
  getRecordsParams,
  RECORDS_PARAMS_KEY,
} from "../../../src/modules/records/params.js";
import { defaultModules } from "../../../src/node/modules.js";
import { EhrHarness, T0 } from "./harness.js";

interface RecordView {
  id: string;
  patient: string;
  holder: string;
  uploader: string;
  recordType: string;
  size: bigint;
  createdMs: bigint;
  height: bigint;
  erased: boolean;
  erasedHeight: bigint;
}
interface Page {
  records: RecordView[];
  next: string | null;
}

function setup(records: Record<string, unknown> = {}) {
  const h = new EhrHarness({ records });
  return {
    h,
    hosp: h.actor("hospital", "institution"),
    other: h.actor("other-hospital", "institution"),
    store: h.actor("storage", "storage"),
    pat: h.actor("patient", "patient"),
    pat2: h.actor("patient-2", "patient"),
    doc: h.actor("doctor", "doctor"),
  };
}

const idOf = (label: string) => sha256(Buffer.from(label));

describe("records/put", () => {
  test("stores eq. (12)'s entry with the sender as holder and block time", () => {
    const { h, hosp, pat } = setup();
    const r = h.put(hosp, pat, { recordType: "binary:application/pdf", size: 4242n });
    assert.equal(r.code, "", r.message);
    assert.equal(r.events[0]?.type, "records.put");
    assert.equal(r.events[0]?.attrs.holder, hosp.hex);
    const v = h.query<RecordView>(`records/record/${toHex(r.id)}`);
    assert.deepEqual(v, {
      id: toHex(r.id),
      cid: "bafkreigh2akiscaildc",
      patient: pat.hex,
      holder: hosp.hex,
      uploader: pat.hex,
      recordType: "binary:application/pdf",
      size: 4242n,
      createdMs: T0 + 1000n,
      height: 1n,
      erased: false,
      erasedHeight: 0n,
    });
  });

  test("sender roles, patient, uploader, size, duplicates, per-patient cap", () => {
    const { h, hosp, other, store, pat, pat2, doc } = setup({
      maxRecordBytes: 2000,
      maxRecordsPerPatient: 2,
    });
    assert.equal(h.put(doc, pat).code, "IDENTITY_WRONG_ROLE");
    assert.equal(h.put(pat, pat).code, "IDENTITY_WRONG_ROLE");
    assert.equal(h.put(hosp, doc).code, "RECORDS_UNKNOWN_PATIENT");
    assert.equal(
      h.tx(hosp, "records/put", { ...putMsg(pat.address), patient: new Uint8Array(20) }).code,
      "RECORDS_UNKNOWN_PATIENT",
    );
    assert.equal(h.put(hosp, pat, { size: 2001n }).code, "RECORDS_TOO_LARGE");
    assert.equal(h.put(hosp, pat, { size: 2000n }).code, "");
    // A doctor uploads only once an institution vouches for them, and only through that institution.
    assert.equal(h.put(hosp, pat, { uploader: doc }).code, "RECORDS_BAD_UPLOADER");
    assert.equal(h.addUser(other, doc).code, "");
    assert.equal(h.put(hosp, pat, { uploader: doc }).code, "RECORDS_BAD_UPLOADER");
    assert.equal(h.put(store, pat, { uploader: doc }).code, "RECORDS_BAD_UPLOADER");
    assert.equal(h.put(other, pat, { uploader: doc, id: idOf("x") }).code, "");
    assert.equal(h.put(other, pat, { id: idOf("x") }).code, "RECORDS_EXISTS");
    assert.equal(h.put(store, pat).code, "RECORDS_PATIENT_FULL");
    assert.equal(h.put(store, pat2).code, "", "storage nodes hold records too");
    assert.equal(h.tx(other, "access/delete-user", { user: doc.address }).code, "");
    assert.equal(h.put(other, pat2, { uploader: doc }).code, "RECORDS_BAD_UPLOADER");
  });

  test("validate refuses bad CIDs, record types and zero sizes before execution", () => {
    const { h, hosp, pat } = setup();
    for (const cid of ["", "bafy-with-dash", "x".repeat(129), "bafy kr"]) {
      assert.equal(h.put(hosp, pat, { cid }).code, "RECORDS_INVALID", cid);
    }
    assert.equal(h.put(hosp, pat, { cid: "Q".repeat(128) }).code, "");
    for (const t of [
      "fhir:",
      "fhir:Obs1",
      "binary:application",
      "binary:APPLICATION/pdf",
      "text/plain",
      `fhir:${"A".repeat(60)}`,
    ]) {
      assert.equal(h.put(hosp, pat, { recordType: t }).code, "RECORDS_INVALID", t);
    }
    assert.equal(h.put(hosp, pat, { recordType: "binary:application/fhir+json" }).code, "");
    assert.equal(h.put(hosp, pat, { size: 0n }).code, "RECORDS_INVALID");
  });

  test("revoked or expired patients cannot receive records", () => {
    const { h, hosp, pat } = setup();
    const expiring = h.actor("expiring", "patient", T0 + 2500n);
    assert.equal(h.put(hosp, expiring).code, "");
    assert.equal(h.put(hosp, expiring).code, "");
    assert.equal(h.put(hosp, expiring).code, "RECORDS_UNKNOWN_PATIENT", "height 3: time T0+3000 ≥ notAfter");
    h.revoke(pat);
    assert.equal(h.put(hosp, pat).code, "RECORDS_UNKNOWN_PATIENT");
  });
});

let putCounter = 0;
function putMsg(patient: Uint8Array) {
  return {
    id: idOf(`m/${putCounter++}`),
    cid: "bafy",
    patient,
    uploader: patient,
    recordType: "fhir:Observation",
    size: 10n,
  };
}

describe("records indexes and paging", () => {
  test("lists by patient and by holder in (height, id) order, whatever the tx order in a block", () => {
    const { h, hosp, other, pat, pat2 } = setup();
    const ids: { height: bigint; id: string }[] = [];
    for (let block = 0; block < 4; block++) {
      h.begin();
      // Ids arrive in descending order inside each block, so every insert moves entries.
      const batch = [0, 1, 2, 3, 4]
        .map((i) => idOf(`b${block}/${i}`))
        .sort((a, b) => (toHex(a) < toHex(b) ? 1 : -1));
      for (const id of batch) {
        assert.equal(h.put(block % 2 === 0 ? hosp : other, pat, { id }).code, "");
        ids.push({ height: h.height, id: toHex(id) });
      }
      assert.equal(h.put(hosp, pat2, { id: idOf(`p2/${block}`) }).code, "");
      h.end();
    }
    const expected = ids
      .sort((a, b) => (a.height !== b.height ? Number(a.height - b.height) : a.id < b.id ? -1 : 1))
      .map((e) => e.id);
    const all = h.query<Page>(`records/patient/${pat.hex}`, { limit: "1000" });
    assert.deepEqual(
      all.records.map((r) => r.id),
      expected,
    );
    assert.equal(all.next, null);
    // Paging with the cursor walks the same sequence.
    const walked: string[] = [];
    let after: string | undefined;
    for (;;) {
      const p = h.query<Page>(`records/patient/${pat.hex}`, after ? { limit: "3", after } : { limit: "3" });
      walked.push(...p.records.map((r) => r.id));
      if (p.next === null) break;
      after = p.next;
    }
    assert.deepEqual(walked, expected);
    const byHolder = h.query<Page>(`records/holder/${other.hex}`);
    assert.equal(byHolder.records.length, 10);
    assert.ok(byHolder.records.every((r) => r.holder === other.hex));
    assert.equal(h.query<Page>(`records/holder/${hosp.hex}`).records.length, 14);
  });

  test("bad query parameters are typed errors", () => {
    const { h, hosp, pat, pat2 } = setup();
    const r = h.put(hosp, pat2);
    const bad = (path: string, params: Record<string, string> = {}) =>
      assert.throws(
        () => h.query(path, params),
        (e) => isConsortiaError(e, "QUERY_BAD_PARAMS"),
        path,
      );
    bad(`records/patient/${pat.hex}`, { limit: "0" });
    bad(`records/patient/${pat.hex}`, { limit: "1001" });
    bad(`records/patient/${pat.hex}`, { after: toHex(r.id) }); // a record of another patient
    bad(`records/patient/${pat.hex}`, { after: "zz" });
    bad(`records/record/${pat.hex}`);
    assert.throws(
      () => h.query(`records/record/${toHex(idOf("none"))}`),
      (e) => isConsortiaError(e, "RECORDS_NOT_FOUND"),
    );
    assert.throws(
      () => h.query("records/nothing"),
      (e) => isConsortiaError(e, "QUERY_UNKNOWN_PATH"),
    );
  });
});

describe("records/erase", () => {
  test("holder or patient only, once; the entry stays with erasedHeight", () => {
    const { h, hosp, other, pat } = setup();
    const a = h.put(hosp, pat).id;
    const b = h.put(hosp, pat).id;
    assert.equal(h.tx(other, "records/erase", { id: a, reason: "" }).code, "RECORDS_NOT_AUTHORIZED");
    assert.equal(h.tx(hosp, "records/erase", { id: idOf("none"), reason: "" }).code, "RECORDS_NOT_FOUND");
    const e = h.tx(hosp, "records/erase", { id: a, reason: "retention period over" });
    assert.equal(e.code, "");
    assert.deepEqual(e.events[0], {
      type: "records.erase",
      attrs: { id: toHex(a), by: hosp.hex, reason: "retention period over" },
    });
    assert.equal(h.tx(pat, "records/erase", { id: a, reason: "" }).code, "RECORDS_ERASED");
    assert.equal(h.tx(pat, "records/erase", { id: b, reason: "withdrawn" }).code, "");
    const v = h.query<RecordView>(`records/record/${toHex(a)}`);
    assert.equal(v.erased, true);
    assert.equal(v.erasedHeight, 5n);
    assert.equal(h.query<Page>(`records/patient/${pat.hex}`).records.length, 2, "erased entries stay listed");
    assert.equal(h.tx(pat, "records/erase", { id: b, reason: "é".repeat(129) }).code, "RECORDS_INVALID");
  });
});

describe("records genesis", () => {
  const modules = defaultModules().modules as Module[];
  const parse = (appState: unknown) => parseGenesisAppState(Buffer.from(JSON.stringify(appState)), modules);
  const identity = { cas: [{ name: "ca", publicKey: "00".repeat(32) }] };
  const coin = { denom: "MED" };

  test("absent section = defaults; explicit values and unknown keys", () => {
    assert.deepEqual(parse({ identity, coin }).modules.get("records"), {
      maxRecordBytes: 64 * 1024 * 1024,
      maxRecordsPerPatient: 100_000,
    });
    assert.deepEqual(parse({ identity, coin, records: { maxRecordBytes: 10 } }).modules.get("records"), {
      maxRecordBytes: 10,
      maxRecordsPerPatient: 100_000,
    });
    assert.throws(() => parse({ identity, coin, records: { maxRecordByte: 10 } }), /genesis records/);
    assert.throws(() => parse({ identity, coin, records: { maxRecordBytes: 0 } }), /records\.maxRecordBytes/);
  });

  test("a chain whose state predates the module reads default params", () => {
    const mem = new MemoryKv();
    assert.deepEqual(getRecordsParams(mem), DEFAULT_RECORDS_PARAMS);
    recordsModule.initGenesis(
      mem,
      { maxRecordBytes: 5, maxRecordsPerPatient: 7 },
      {
        chainId: "c",
        height: 0n,
        timeMs: T0,
        proposer: new Uint8Array(20),
      },
    );
    assert.ok(mem.get(RECORDS_PARAMS_KEY));
    assert.deepEqual(getRecordsParams(mem), { maxRecordBytes: 5n, maxRecordsPerPatient: 7 });
  });
});
