/**
 * Health records end to end on a 3-hospital devnet (CometBFT, one directory this file owns): the
 * walk-through (cases 1 and 2, an unauthorised doctor, revocation), erasure, a plaintext canary
 * searched for in every file the network wrote, and a tampered block found after a restart.
 * Subtests share the network and run in order.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, test } from "node:test";
import { ClassicLevel } from "classic-level";
import type { KeyPair } from "../../src/crypto/ed25519.js";
import { fromHex } from "../../src/crypto/hash.js";
import { EhrErrors } from "../../src/ehr/errors.js";
import { isConsortiaError } from "../../src/errors.js";
import { type Devnet, startDevnet } from "../../src/node/devnet.js";
import { type EhrScenarioReport, runEhrScenario, SAMPLE_OBSERVATION } from "../../src/node/ehrScenario.js";
import { PRESETS } from "../../src/node/presets.js";
import { openBlockstore } from "../../src/offchain/blockstore.js";
import { parseCid } from "../../src/offchain/cid.js";
import { type ConsortiaClient, createClient } from "../../src/sdk/client.js";
import {
  accessLog,
  eraseRecord,
  getRecord,
  getRecordInfo,
  grantConsent,
  listConsents,
  listRecords,
  putRecord,
} from "../../src/sdk/ehr.js";
import { filesContaining } from "../offchain/helpers.js";

const root = mkdtempSync(join(tmpdir(), "consortia-ehr-e2e-"));
const dir = join(root, "devnet");
let net: Devnet | undefined;
after(async () => {
  await net?.stop();
  rmSync(root, { recursive: true, force: true });
});

const enc = new TextEncoder();
const dec = new TextDecoder();
const lines: string[] = [];
let report: EhrScenarioReport;
let keys: EhrScenarioReport["keys"];

const startNet = (): Promise<Devnet> =>
  startDevnet({
    validators: 3,
    preset: PRESETS.healthchain,
    dir,
    basePort: 0,
    nowMs: Date.now(),
    log: (l) => lines.push(l),
  });
const running = (): Devnet => {
  assert.ok(net, "the devnet is running");
  return net;
};
const api = (i: number): ConsortiaClient => createClient(running().nodes[i]!.apiUrl);

/**
 * Waits until every node has committed the highest height any node has. A write returns once its
 * own node (or the holder) committed it; reading it back through another node needs this.
 */
async function settle(): Promise<void> {
  const nodes = running().nodes;
  const target = nodes.reduce((m, n) => (n.node.app.height > m ? n.node.app.height : m), 0n);
  const deadline = Date.now() + 30_000;
  while (nodes.some((n) => n.node.app.height < target)) {
    if (Date.now() > deadline) assert.fail(`nodes did not all reach height ${target}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface LogEntry {
  readonly seq: unknown;
  readonly requester: string;
  readonly recordId: string;
  readonly holder: string;
  readonly purpose: string;
  readonly outcome: string;
  readonly reason: string;
}
const logOf = async (c: ConsortiaClient): Promise<LogEntry[]> =>
  ((await accessLog(c, report.patient)) as { entries: LogEntry[] }).entries;
const row = (e: LogEntry) => [e.requester, e.recordId, e.outcome, e.reason];

const read = (k: KeyPair, recordId: string, via: number) =>
  getRecord({ client: api(via), secretKey: k.secretKey, recordId, purpose: "TREAT" });

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e) => {
    assert.ok(isConsortiaError(e), String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });

// Filled in as the subtests go, checked after the restart.
let firstCid = "";
let erasedId = "";
let erasedCid = "";
let canaryId = "";
let holderIndex = -1;
let logBeforeStop: LogEntry[] = [];
let recordsBeforeStop: unknown;
let consentsBeforeStop: unknown;

test("walk-through: A (case 1) and B (case 2) granted, C denied and penalised, B denied after revoke", async () => {
  net = await startNet();
  assert.ok(net.material, "a new network hands out its keys");
  report = await runEhrScenario(
    net.material,
    net.nodes.map((n) => n.apiUrl),
    (l) => lines.push(l),
  );
  keys = report.keys;
  assert.deepEqual(report.outcomes, {
    "doctorA-case1": "granted",
    "doctorB-case2": "granted",
    "doctorC-unauthorized": EhrErrors.EHR_DENIED,
    "doctorB-after-revoke": EhrErrors.EHR_DENIED,
  });
  // The holder the record names is the node we will tamper with later.
  const holders = await Promise.all(
    net.nodes.map(
      async (n) => (await createClient(n.apiUrl).request("GET", "/ehr/holder")) as { holder: string },
    ),
  );
  holderIndex = holders.findIndex((h) => h.holder === report.holder);
  assert.equal(holderIndex, 0, "the record is stored at hospital-0");

  await settle();
  const c = (await api(2).query(`access/user/${report.doctors.c}`)).value as {
    penalties: number;
    suspended: boolean;
    penaltyLog: { action: string }[];
  };
  assert.equal(Number(c.penalties), 1);
  assert.equal(c.suspended, false);
  assert.deepEqual(
    c.penaltyLog.map((p) => p.action),
    ["no-consent"],
  );
  // A was always granted; B's denial after the revocation is a penalised no-consent too.
  for (const [d, n] of [
    [report.doctors.a, 0],
    [report.doctors.b, 1],
  ] as const) {
    const u = (await api(0).query(`access/user/${d}`)).value as { penalties: number };
    assert.equal(Number(u.penalties), n, `penalties of ${d}`);
  }

  const log = await logOf(api(1));
  assert.deepEqual(report.accessLog, log, "the scenario reported the chain's log");
  assert.deepEqual(
    log.map((e) => [Number(e.seq), e.requester, e.outcome, e.reason]),
    [
      [1, report.doctors.a, "granted", "consent"],
      [2, report.doctors.b, "granted", "consent"],
      [3, report.doctors.c, "denied", "no-consent"],
      [4, report.doctors.b, "denied", "no-consent"],
    ],
  );
  for (const e of log) {
    assert.deepEqual([e.recordId, e.holder, e.purpose], [report.recordId, report.holder, "TREAT"]);
  }
  firstCid = (await getRecordInfo(api(0), report.recordId)).cid;
});

test("erasure: the record becomes EHR_ERASED, the log stays", async () => {
  const plaintext = enc.encode(JSON.stringify({ ...SAMPLE_OBSERVATION, valueString: "to be erased" }));
  const put = await putRecord({
    client: api(1),
    secretKey: keys.patient.secretKey,
    patient: report.patient,
    holder: report.holder,
    recordType: "fhir:Observation",
    plaintext,
  });
  erasedId = put.id;
  erasedCid = put.cid;
  await settle();
  // Readable by its owner until erased.
  assert.deepEqual((await read(keys.patient, erasedId, 2)).plaintext, plaintext);
  await settle();
  const logBefore = await logOf(api(0));

  const erased = await eraseRecord({ client: api(2), secretKey: keys.patient.secretKey, recordId: erasedId });
  assert.equal(erased.recordId, erasedId);
  await settle();
  const info = await getRecordInfo(api(1), erasedId);
  assert.equal(info.erased, true, "the index entry stays, marked erased");

  await rejectsWith(read(keys.patient, erasedId, 1), EhrErrors.EHR_ERASED);
  await rejectsWith(
    eraseRecord({ client: api(0), secretKey: keys.patient.secretKey, recordId: erasedId }),
    EhrErrors.EHR_ERASED,
  );
  // Only the patient may ask for erasure.
  await rejectsWith(
    eraseRecord({ client: api(0), secretKey: keys.a.secretKey, recordId: report.recordId }),
    EhrErrors.EHR_DENIED,
  );

  await settle();
  const log = await logOf(api(0));
  assert.deepEqual(log.slice(0, logBefore.length), logBefore, "earlier entries are untouched");
  assert.deepEqual(log.slice(logBefore.length).map(row), [[report.patient, erasedId, "denied", "erased"]]);
  assert.deepEqual(logBefore.slice(-1).map(row), [[report.patient, erasedId, "granted", "owner"]]);
});

// A 32-byte string, random per run, with no repeats for LevelDB's compressor to fold away.
const canary = randomBytes(16).toString("hex");
const canaryRecord = { ...SAMPLE_OBSERVATION, valueString: canary };

test("a record with a plaintext canary is stored at hospital-1 and read across hospitals", async () => {
  const holder1 = ((await api(1).request("GET", "/ehr/holder")) as { holder: string }).holder;
  const plaintext = enc.encode(JSON.stringify(canaryRecord));
  const put = await putRecord({
    client: api(0),
    secretKey: keys.patient.secretKey,
    patient: report.patient,
    holder: holder1,
    recordType: "fhir:Observation",
    plaintext,
  });
  canaryId = put.id;
  await settle();
  const now = BigInt(Date.now());
  await grantConsent(api(2), keys.patient.secretKey, {
    recipient: fromHex(report.doctors.a),
    decision: "permit",
    purposes: ["TREAT"],
    recordIds: [fromHex(canaryId)],
    recordTypes: [],
    periodStartMs: now - 60_000n,
    periodEndMs: now + 86_400_000n,
  });
  await settle();
  // Doctor A (hospital-0) through hospital-2's API, served by hospital-1; the patient too.
  const a = await read(keys.a, canaryId, 2);
  assert.deepEqual(JSON.parse(dec.decode(a.plaintext)), canaryRecord);
  const p = await read(keys.patient, canaryId, 0);
  assert.ok(dec.decode(p.plaintext).includes(canary));

  await settle();
  logBeforeStop = await logOf(api(0));
  recordsBeforeStop = await listRecords(api(0), report.patient);
  consentsBeforeStop = await listConsents(api(0), report.patient);
});

/** The canary as raw bytes, hex, and base64/base64url at each of the three byte alignments. */
function canaryForms(): Map<string, Uint8Array> {
  const raw = Buffer.from(canary, "utf8");
  const forms = new Map<string, Uint8Array>([
    ["raw", raw],
    ["hex", Buffer.from(raw.toString("hex"))],
    ["HEX", Buffer.from(raw.toString("hex").toUpperCase())],
  ]);
  for (const shift of [0, 1, 2]) {
    const b64 = Buffer.concat([Buffer.alloc(shift), raw]).toString("base64");
    // Drop the characters that also encode the alignment bytes or whatever follows the canary.
    const inner = b64.slice(shift === 0 ? 0 : 4, -4);
    forms.set(`base64+${shift}`, Buffer.from(inner));
    forms.set(`base64url+${shift}`, Buffer.from(inner.replaceAll("+", "-").replaceAll("/", "_")));
  }
  return forms;
}

function allFiles(d: string): string[] {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    const st = statSync(p);
    return st.isDirectory() ? allFiles(p) : st.isFile() ? [p] : [];
  });
}

test("stopped: no file of any node holds the canary; the erased record's blocks are gone", async () => {
  await running().stop();
  const nodes = running().nodes;
  net = undefined;

  const forms = canaryForms();
  // Control: some needle finds the canary in the document written raw, as hex or as base64,
  // whatever its byte alignment — so an empty scan below means absent, not mis-encoded.
  const controlDir = join(root, "control");
  mkdirSync(controlDir);
  const doc = Buffer.from(JSON.stringify(canaryRecord));
  for (const pad of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(pad, 0x20), doc]);
    for (const form of ["utf8", "hex", "base64", "base64url"] as const) {
      const file = join(controlDir, `${form}-${pad}`);
      writeFileSync(file, form === "utf8" ? padded : padded.toString(form));
      const hits = [...forms.values()].filter((needle) => filesContaining(controlDir, needle).includes(file));
      assert.ok(hits.length > 0, `control ${form}+${pad} is found`);
    }
  }
  rmSync(controlDir, { recursive: true, force: true });

  const files = allFiles(dir);
  const rel = files.map((f) => relative(dir, f));
  // The scan covers every store the network writes to.
  for (const n of nodes) {
    const h = relative(dir, n.home);
    for (const part of [
      `${h}/data/`,
      `${h}/offchain/`,
      `${h}/cometbft/data/`,
      `${h}/cometbft/cometbft.log`,
    ]) {
      assert.ok(
        rel.some((f) => f.startsWith(part)),
        `scan includes ${part}`,
      );
    }
  }
  for (const [name, needle] of forms) {
    assert.deepEqual(filesContaining(dir, needle), [], `canary (${name}) found on disk`);
  }

  const holderHome = nodes[holderIndex]!.home;
  const bs = await openBlockstore(join(holderHome, "offchain"));
  try {
    assert.equal(await bs.has(parseCid(erasedCid)), false, "erased record's blocks are deleted");
    assert.equal(await bs.has(parseCid(firstCid)), true, "the other record is still there");
  } finally {
    await bs.close();
  }
});

test("a tampered block survives a restart as EHR_TAMPERED; everything committed survived", async () => {
  const holderHome = join(dir, "hospital-0");
  // Overwrite the first record's (single, raw) block in place, as bit rot or an attacker would.
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(holderHome, "offchain"), {
    keyEncoding: "view",
    valueEncoding: "view",
  });
  const key = parseCid(firstCid).multihash.bytes;
  const block = await db.get(key);
  assert.ok(block !== undefined && block.length > 100, "the record is one stored block");
  const changed = block.slice();
  changed[changed.length >> 1]! ^= 0x01;
  await db.put(key, changed);
  await db.close();

  net = await startNet();
  assert.equal(net.material, undefined, "restarted from the manifest, not created anew");
  assert.equal(net.nodes[holderIndex]!.home, holderHome);

  assert.deepEqual(await listRecords(api(2), report.patient), recordsBeforeStop);
  assert.deepEqual(await listConsents(api(1), report.patient), consentsBeforeStop);
  const records = (recordsBeforeStop as { records: { id: string; erased: boolean }[] }).records;
  assert.deepEqual(
    records.map((r) => [r.id, r.erased]),
    [
      [report.recordId, false],
      [erasedId, true],
      [canaryId, false],
    ],
  );
  const consents = (consentsBeforeStop as { consents: { status: string }[] }).consents;
  assert.deepEqual(
    consents.map((c) => c.status),
    ["active", "inactive", "active"],
  );
  assert.deepEqual(await logOf(api(0)), logBeforeStop);
  // An untouched record at another holder still reads after the restart.
  assert.ok(dec.decode((await read(keys.a, canaryId, 1)).plaintext).includes(canary));

  await settle();
  const holderApi = createClient(net.nodes[holderIndex]!.apiUrl);
  assert.equal(((await holderApi.request("GET", "/ehr/holder")) as { corruptions: number }).corruptions, 0);
  await rejectsWith(read(keys.a, report.recordId, 0), EhrErrors.EHR_TAMPERED);
  const after = (await holderApi.request("GET", "/ehr/holder")) as { corruptions: number };
  assert.ok(after.corruptions > 0, "the holder reports the corruption");
  // The chain decided (granted) before the holder found its copy bad; the attempt is logged.
  await settle();
  const log = await logOf(api(0));
  assert.deepEqual(log.slice(logBeforeStop.length).map(row), [
    [report.doctors.a, canaryId, "granted", "consent"],
    [report.doctors.a, report.recordId, "granted", "consent"],
  ]);
});
