/**
 * The holder service at its boundary: bad input over HTTP and through the SDK against one real
 * node (solo engine, LevelDB, the EHR routes and gateway on a real HTTP server). Every refusal is
 * checked for its typed code and for leaving nothing half-way: no record indexed on chain, no
 * blocks left in the holder's store, no access-log entry where none is due.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type ApiServer, createApiServer } from "../../src/api/server.js";
import {
  addressFromPublicKey,
  formatAddress,
  generateKeyPair,
  type KeyPair,
} from "../../src/crypto/ed25519.js";
import { sealRecord } from "../../src/crypto/envelope.js";
import { fromHex, ownedBytes, sha256, toHex } from "../../src/crypto/hash.js";
import { SCRYPT_INSECURE_FAST } from "../../src/crypto/keystore.js";
import { EhrErrors } from "../../src/ehr/errors.js";
import { encryptionKeyPairOf } from "../../src/ehr/keys.js";
import { ehrGatewayPlugin, ehrRoutes } from "../../src/ehr/routes.js";
import { createEhrService, type EhrService } from "../../src/ehr/service.js";
import { envelopeAad, recipientIdOf, sealRequest, signUpload } from "../../src/ehr/wire.js";
import { isConsortiaError } from "../../src/errors.js";
import type { Purpose } from "../../src/modules/access/policy.js";
import { signRetrievalRequest } from "../../src/modules/access/request.js";
import type { Role } from "../../src/modules/identity/certificate.js";
import { loadNodeOptions } from "../../src/node/config.js";
import { SAMPLE_OBSERVATION } from "../../src/node/ehrScenario.js";
import { writeNetworkHomes } from "../../src/node/home.js";
import { createNetworkMaterial, issueCertificate, type NetworkMaterial } from "../../src/node/network.js";
import { type ConsortiaNode, startNode } from "../../src/node/node.js";
import { PRESETS } from "../../src/node/presets.js";
import { type BlockStore, openBlockstore } from "../../src/offchain/blockstore.js";
import { createContentStore } from "../../src/offchain/store.js";
import { type ConsortiaClient, createClient } from "../../src/sdk/client.js";
import {
  accessLog,
  getProfile,
  getRecord,
  grantConsent,
  listRecords,
  type Profile,
  publishEncryptionKey,
  putRecord,
} from "../../src/sdk/ehr.js";
import { buildAddUser, buildDeleteUser } from "../../src/sdk/ehrTx.js";
import { signAndSubmit, throwIfFailed } from "../../src/sdk/send.js";
import { createTtlCache } from "../../src/sdk/ttlCache.js";
import { buildRegister } from "../../src/sdk/tx.js";
import { seededBytes } from "../helpers/chain.js";

/** Small, so an oversized record is cheap to build. */
const MAX_RECORD_BYTES = 8 * 1024;
const DAY = 86_400_000n;
const enc = new TextEncoder();

interface Env {
  readonly dir: string;
  readonly material: NetworkMaterial;
  readonly node: ConsortiaNode;
  readonly blockstore: BlockStore;
  readonly service: EhrService;
  readonly server: ApiServer;
  readonly url: string;
  readonly client: ConsortiaClient;
  readonly hospital: KeyPair;
  readonly holder: string;
  readonly internalErrors: unknown[];
}

let env: Env;
let serial = 100n;
const addr = (k: KeyPair) => formatAddress(addressFromPublicKey(k.publicKey));

/** One node, its holder service built exactly as src/ehr/attach.ts does, but with our own handles. */
async function startHolderNode(): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), "consortia-ehr-service-"));
  const material = createNetworkMaterial({
    validators: 1,
    preset: PRESETS.healthchain,
    genesisTimeMs: Date.now() - 60_000,
    randomBytes: seededBytes("ehr-service"),
  });
  const [home] = await writeNetworkHomes(material, {
    out: dir,
    password: "test-password",
    scrypt: SCRYPT_INSECURE_FAST,
    basePort: 0,
    createdAt: "2026-11-22T00:00:00Z",
  });
  const base = loadNodeOptions(home!);
  const options = {
    ...base,
    verifyThreads: 0,
    api: { ...base.api, port: 0 },
    solo: { ...base.solo, blockIntervalMs: 25 },
  };
  const node = await startNode(home!, options);
  const blockstore = await openBlockstore(join(home!, "offchain"));
  const content = createContentStore(
    { blockstore },
    { maxAddBytes: MAX_RECORD_BYTES, maxCatBytes: MAX_RECORD_BYTES },
  );
  const hospital = material.validators[0]!.keys;
  const service = createEhrService(
    {
      node: {
        chainId: node.genesis.chainId,
        state: node.store,
        engine: node.engine,
        feeRule: () => ({ base: node.app.appParams.minFeeBase, perByte: node.app.appParams.minFeePerByte }),
      },
      content,
      institution: hospital,
    },
    { maxRecordBytes: MAX_RECORD_BYTES },
  );
  const internalErrors: unknown[] = [];
  const server = createApiServer(
    {
      node,
      extraRoutes: ehrRoutes(service, MAX_RECORD_BYTES),
      plugins: [ehrGatewayPlugin(service, blockstore)],
      onInternalError: (e) => internalErrors.push(e),
    },
    options.api,
  );
  const { url } = await server.start();
  return {
    dir,
    material,
    node,
    blockstore,
    service,
    server,
    url,
    client: createClient(url),
    hospital,
    holder: addr(hospital),
    internalErrors,
  };
}

async function register(k: KeyPair, role: Role, notAfterMs?: bigint): Promise<void> {
  const now = BigInt(Date.now());
  const cert = issueCertificate(env.material.ca.secretKey, {
    chainId: env.material.chainId,
    serial: serial++,
    subjectPublicKey: k.publicKey,
    subject: sha256(k.publicKey),
    role,
    notBeforeMs: now - 60_000n,
    notAfterMs: notAfterMs ?? now + 365n * DAY,
  });
  const r = await signAndSubmit(env.client, k.secretKey, (sk, e) => buildRegister(sk, e, cert), {
    wait: true,
    fee: 0n,
    nonce: 0n,
  });
  throwIfFailed(r);
  await publishEncryptionKey(env.client, k.secretKey);
}

async function hospitalTx(build: (sk: Uint8Array, e: Parameters<typeof buildAddUser>[1]) => Uint8Array) {
  throwIfFailed(await signAndSubmit(env.client, env.hospital.secretKey, build, { wait: true }));
}
const addUser = (k: KeyPair) =>
  hospitalTx((sk, e) => buildAddUser(sk, e, addressFromPublicKey(k.publicKey), "doctor"));
const deleteUser = (k: KeyPair) =>
  hospitalTx((sk, e) => buildDeleteUser(sk, e, addressFromPublicKey(k.publicKey)));

async function consent(patientKey: KeyPair, recipient: KeyPair): Promise<string> {
  const now = BigInt(Date.now());
  const r = await grantConsent(env.client, patientKey.secretKey, {
    recipient: addressFromPublicKey(recipient.publicKey),
    decision: "permit",
    purposes: ["TREAT"],
    recordIds: [],
    recordTypes: [],
    periodStartMs: now - 60_000n,
    periodEndMs: now + DAY,
  });
  return r.hash;
}

async function query(path: string): Promise<Record<string, unknown>> {
  const r = await env.client.query(path, { limit: "1000" });
  return (r as { value: Record<string, unknown> }).value;
}

interface LogEntry {
  readonly requester: string;
  readonly recordId: string;
  readonly outcome: string;
  readonly reason: string;
}

async function logOf(patient: KeyPair): Promise<LogEntry[]> {
  const v = (await accessLog(env.client, addr(patient))) as { entries: LogEntry[] };
  return v.entries;
}

/** What a half-way failure would leave behind. */
async function footprint(patient: KeyPair) {
  const recs = (await listRecords(env.client, addr(patient))) as { records: unknown[] };
  const held = await query(`records/holder/${env.holder}`);
  const stats = env.blockstore.stats();
  return {
    patientRecords: recs.records.length,
    holderRecords: (held.records as unknown[]).length,
    log: (await logOf(patient)).length,
    blocks: stats.blocks,
    bytes: stats.bytes,
  };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(env.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A hand-built upload (what putRecord sends), with every part overridable. */
function uploadBody(
  o: {
    uploader?: KeyPair;
    patient?: string;
    patientKey?: Uint8Array;
    recordType?: string;
    plaintext?: Uint8Array;
    envelope?: Uint8Array;
    timestampMs?: bigint;
    recipients?: { id: string; x25519PublicKey: Uint8Array }[];
  } = {},
): Record<string, string> {
  const uploader = o.uploader ?? patient;
  const patientHex = o.patient ?? addr(patient);
  const patientAddr = fromHex(patientHex, { bytes: 20 });
  const recordType = o.recordType ?? "fhir:Observation";
  const envelope =
    o.envelope ??
    sealRecord(
      o.plaintext ?? enc.encode(JSON.stringify(SAMPLE_OBSERVATION)),
      o.recipients ?? [
        {
          id: recipientIdOf(patientAddr),
          x25519PublicKey: o.patientKey ?? encryptionKeyPairOf(patient.secretKey).publicKey,
        },
        { id: recipientIdOf(env.service.address), x25519PublicKey: env.service.encryptionPublicKey },
      ],
      envelopeAad(patientAddr, recordType),
    );
  const timestampMs = o.timestampMs ?? BigInt(Date.now());
  const signature = signUpload(uploader.secretKey, {
    chainId: env.material.chainId,
    contentHash: sha256(envelope),
    patient: patientAddr,
    holder: env.service.address,
    recordType,
    timestampMs,
  });
  return {
    envelope: Buffer.from(envelope).toString("base64"),
    patient: patientHex,
    recordType,
    uploader: toHex(uploader.publicKey),
    timestampMs: timestampMs.toString(),
    signature: toHex(signature),
  };
}

/** A signed retrieval request sealed to this holder (what getRecord posts), overridable. */
function retrievalBody(
  requester: KeyPair,
  recordId: string,
  o: {
    purpose?: Purpose;
    timestampMs?: bigint;
    requestHolder?: Uint8Array;
    sealTo?: { key: Uint8Array; address: Uint8Array };
    signer?: KeyPair;
  } = {},
): { enc: string; ciphertext: string } {
  const request = {
    chainId: env.material.chainId,
    requester: requester.publicKey,
    recordId: fromHex(recordId, { bytes: 32 }),
    holder: o.requestHolder ?? env.service.address,
    purpose: o.purpose ?? "TREAT",
    nonce: ownedBytes(randomBytes(16)),
    timestampMs: o.timestampMs ?? BigInt(Date.now()),
  };
  const to = o.sealTo ?? { key: env.service.encryptionPublicKey, address: env.service.address };
  const sealed = sealRequest(
    to.key,
    to.address,
    request,
    signRetrievalRequest((o.signer ?? requester).secretKey, request),
  );
  return { enc: toHex(sealed.enc), ciphertext: Buffer.from(sealed.ciphertext).toString("base64") };
}

const read = (k: KeyPair, recordId: string) =>
  getRecord({ client: env.client, secretKey: k.secretKey, recordId, purpose: "TREAT" });

const rejectsWith = async (
  p: Promise<unknown>,
  code: string,
  check?: (e: { details: Record<string, unknown> }) => void,
) =>
  assert.rejects(p, (e) => {
    if (!isConsortiaError(e)) return false;
    assert.equal(e.code, code, e.message);
    check?.(e);
    return true;
  });

const patient = generateKeyPair();
const doctor = generateKeyPair(); // treating doctor with a consent
const expiring = generateKeyPair(); // certificate ends during this file's run
const probing = generateKeyPair(); // affiliated, no consent: gets suspended
const leaver = generateKeyPair(); // consent, then deleted by the hospital
let expiringUntil = 0n;
let record = ""; // a stored record of the patient
let record2 = "";
let recordCid = "";

before(async () => {
  env = await startHolderNode();
  // The expiring certificate is issued first so that the rest of the file runs while it ages.
  expiringUntil = BigInt(Date.now()) + 15_000n;
  await register(expiring, "doctor", expiringUntil);
  await Promise.all([
    register(patient, "patient"),
    register(doctor, "doctor"),
    register(probing, "doctor"),
    register(leaver, "doctor"),
  ]);
  // Genesis state is committed with block 1, so the holder can only check its role from here on.
  assert.equal(await env.service.ensureProfile(env.url), true);
  for (const k of [expiring, doctor, probing, leaver]) await addUser(k);
  for (const k of [expiring, doctor, leaver]) await consent(patient, k);

  const empty = await footprint(patient);
  const put = await putRecord({
    client: env.client,
    secretKey: patient.secretKey,
    patient: addr(patient),
    holder: env.holder,
    recordType: "fhir:Observation",
    plaintext: enc.encode(JSON.stringify(SAMPLE_OBSERVATION)),
  });
  record = put.id;
  recordCid = put.cid;
  // Control: the footprint does see a stored record (so "unchanged" below means something).
  const one = await footprint(patient);
  assert.equal(one.patientRecords, empty.patientRecords + 1);
  assert.equal(one.holderRecords, empty.holderRecords + 1);
  assert.ok(one.blocks > empty.blocks);
  const put2 = await putRecord({
    client: env.client,
    secretKey: doctor.secretKey,
    patient: addr(patient),
    holder: env.holder,
    recordType: "fhir:Condition",
    plaintext: enc.encode(JSON.stringify({ resourceType: "Condition", subject: { reference: "Patient/p" } })),
  });
  record2 = put2.id;
  // While its certificate is valid, the expiring doctor reads fine.
  assert.deepEqual(
    JSON.parse(new TextDecoder().decode((await read(expiring, record)).plaintext)),
    SAMPLE_OBSERVATION,
  );
});

after(async () => {
  if (!env) return;
  await env.server.stop();
  await env.node.stop();
  await env.blockstore.close();
  rmSync(env.dir, { recursive: true, force: true });
  assert.deepEqual(env.internalErrors, [], "no request may end in a 500");
});

test("malformed FHIR, over the SDK and over HTTP: EHR_FHIR_INVALID, nothing stored", async () => {
  const before = await footprint(patient);
  const put = (recordType: string, text: string) =>
    putRecord({
      client: env.client,
      secretKey: patient.secretKey,
      patient: addr(patient),
      holder: env.holder,
      recordType,
      plaintext: enc.encode(text),
    });
  const { status: _s, ...noStatus } = SAMPLE_OBSERVATION;
  const cases: Array<[string, string, string]> = [
    ["not JSON", "fhir:Observation", "{ this is not json"],
    ["missing required element", "fhir:Observation", JSON.stringify(noStatus)],
    [
      "bad date",
      "fhir:Observation",
      JSON.stringify({ ...SAMPLE_OBSERVATION, effectiveDateTime: "yesterday" }),
    ],
    ["unsupported resource", "fhir:Consent", JSON.stringify({ resourceType: "Consent", status: "active" })],
    ["resourceType mismatch", "fhir:Condition", JSON.stringify(SAMPLE_OBSERVATION)],
    [
      "resourceType mismatch (bundle)",
      "fhir:Observation",
      JSON.stringify({ resourceType: "Bundle", type: "collection" }),
    ],
  ];
  for (const [name, recordType, text] of cases) {
    await rejectsWith(put(recordType, text), EhrErrors.EHR_FHIR_INVALID);
    const http = await post("/ehr/records", uploadBody({ recordType, plaintext: enc.encode(text) }));
    assert.equal(http.status, 400, name);
    assert.equal(http.json.code, EhrErrors.EHR_FHIR_INVALID, name);
  }
  assert.deepEqual(await footprint(patient), before);
});

test("oversized records: EHR_TOO_LARGE or API_BODY_TOO_LARGE (413), nothing stored", async () => {
  const before = await footprint(patient);
  // Just over the holder's limit: the service's own check.
  const justOver = await post("/ehr/records", uploadBody({ envelope: randomBytes(MAX_RECORD_BYTES + 1) }));
  assert.equal(justOver.status, 413);
  assert.equal(justOver.json.code, EhrErrors.EHR_TOO_LARGE);
  // Through the SDK, a record a few times the limit.
  const big = { ...SAMPLE_OBSERVATION, valueString: "x".repeat(3 * MAX_RECORD_BYTES) };
  await assert.rejects(
    putRecord({
      client: env.client,
      secretKey: patient.secretKey,
      patient: addr(patient),
      holder: env.holder,
      recordType: "fhir:Observation",
      plaintext: enc.encode(JSON.stringify(big)),
    }),
    (e) => isConsortiaError(e, EhrErrors.EHR_TOO_LARGE),
  );
  // A body beyond the route's limit never reaches the service.
  const huge = await post("/ehr/records", uploadBody({ envelope: randomBytes(64 * MAX_RECORD_BYTES) }));
  assert.equal(huge.status, 413);
  assert.equal(huge.json.code, "API_BODY_TOO_LARGE");
  assert.deepEqual(await footprint(patient), before);
});

test("unknown patient: RECORDS_UNKNOWN_PATIENT, and the stored blocks are removed again", async () => {
  const before = await footprint(patient);
  // SDK: the "patient" is a registered doctor with a published key.
  await rejectsWith(
    putRecord({
      client: env.client,
      secretKey: doctor.secretKey,
      patient: addr(doctor),
      holder: env.holder,
      recordType: "fhir:Observation",
      plaintext: enc.encode(JSON.stringify(SAMPLE_OBSERVATION)),
    }),
    "RECORDS_UNKNOWN_PATIENT",
  );
  // HTTP: an address nobody registered (the envelope is sealed to a key of our own).
  const stranger = generateKeyPair();
  const http = await post(
    "/ehr/records",
    uploadBody({
      uploader: stranger,
      patient: addr(stranger),
      patientKey: encryptionKeyPairOf(stranger.secretKey).publicKey,
    }),
  );
  assert.equal(http.status, 400);
  assert.equal(http.json.code, "RECORDS_UNKNOWN_PATIENT");
  assert.deepEqual(await footprint(patient), before);
  const theirs = (await listRecords(env.client, addr(stranger))) as { records: unknown[] };
  assert.equal(theirs.records.length, 0);
  const doctors = (await listRecords(env.client, addr(doctor))) as { records: unknown[] };
  assert.equal(doctors.records.length, 0);
});

test("uploads that fail their own checks: stale, forged, or not openable by the holder", async () => {
  const before = await footprint(patient);
  const stale = await post("/ehr/records", uploadBody({ timestampMs: BigInt(Date.now() - 3_600_000) }));
  assert.equal(stale.json.code, EhrErrors.EHR_REQUEST_EXPIRED);
  const body = uploadBody();
  const forged = await post("/ehr/records", { ...body, uploader: toHex(doctor.publicKey) });
  assert.equal(forged.json.code, EhrErrors.EHR_BAD_SIGNATURE);
  const notForHolder = await post(
    "/ehr/records",
    uploadBody({
      recipients: [
        {
          id: recipientIdOf(fromHex(addr(patient))),
          x25519PublicKey: encryptionKeyPairOf(patient.secretKey).publicKey,
        },
      ],
    }),
  );
  assert.equal(notForHolder.json.code, EhrErrors.EHR_BAD_ENVELOPE);
  const garbage = await post("/ehr/records", uploadBody({ envelope: randomBytes(200) }));
  assert.equal(garbage.json.code, EhrErrors.EHR_BAD_ENVELOPE);
  const notBase64 = await post("/ehr/records", { ...body, envelope: "***" });
  assert.equal(notBase64.json.code, "API_BAD_REQUEST");
  assert.deepEqual(await footprint(patient), before);
  // The same bytes twice: the second is refused by the chain, and the first copy stays readable.
  const again = await post("/ehr/records", body);
  assert.equal(again.status, 201, JSON.stringify(again.json));
  const dup = await post("/ehr/records", body);
  assert.equal(dup.json.code, "RECORDS_EXISTS");
  assert.equal((await footprint(patient)).patientRecords, before.patientRecords + 1);
  const got = await read(patient, String(again.json.id));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(got.plaintext)), SAMPLE_OBSERVATION);
});

test("a replayed retrieval request: ACCESS_REPLAY, one log entry", async () => {
  const before = await footprint(patient);
  const body = retrievalBody(doctor, record);
  const first = await post("/ehr/retrieve", body);
  assert.equal(first.status, 200, JSON.stringify(first.json));
  const replay = await post("/ehr/retrieve", body);
  assert.equal(replay.status, 409);
  assert.equal(replay.json.code, "ACCESS_REPLAY");
  const log = await logOf(patient);
  assert.equal(log.length, before.log + 1);
  assert.deepEqual(
    { requester: log.at(-1)?.requester, outcome: log.at(-1)?.outcome },
    { requester: addr(doctor), outcome: "granted" },
  );
  assert.deepEqual(await footprint(patient), { ...before, log: before.log + 1 });
});

test("retrieval requests refused before or by the chain leave no log entry", async () => {
  const before = await footprint(patient);
  const other = generateKeyPair();
  const otherEnc = encryptionKeyPairOf(other.secretKey);
  const otherHolder = addressFromPublicKey(other.publicKey);
  const cases: Array<[string, { enc: string; ciphertext: string } | Record<string, string>, string]> = [
    [
      "sealed for another holder",
      retrievalBody(doctor, record, { sealTo: { key: otherEnc.publicKey, address: otherHolder } }),
      EhrErrors.EHR_BAD_REQUEST,
    ],
    [
      "sealed to this key under another holder's address",
      retrievalBody(doctor, record, {
        sealTo: { key: env.service.encryptionPublicKey, address: otherHolder },
      }),
      EhrErrors.EHR_BAD_REQUEST,
    ],
    [
      "names another holder",
      retrievalBody(doctor, record, { requestHolder: otherHolder }),
      EhrErrors.EHR_BAD_REQUEST,
    ],
    ["signed by someone else", retrievalBody(doctor, record, { signer: other }), EhrErrors.EHR_BAD_SIGNATURE],
    ["unknown record", retrievalBody(doctor, toHex(randomBytes(32))), EhrErrors.EHR_UNKNOWN_RECORD],
    [
      "outside the chain's request window",
      retrievalBody(doctor, record, { timestampMs: BigInt(Date.now() - 3_600_000) }),
      "ACCESS_REQUEST_EXPIRED",
    ],
    ["not hex", { enc: "zz", ciphertext: "AAAA" }, "API_BAD_REQUEST"],
  ];
  for (const [name, body, code] of cases) {
    const r = await post("/ehr/retrieve", body);
    assert.equal(r.json.code, code, `${name}: ${JSON.stringify(r.json)}`);
  }
  assert.deepEqual(await footprint(patient), before);
});

test("a user suspended after maxPenalties denials is denied even with a consent", async () => {
  const before = (await logOf(patient)).length;
  for (let i = 1; i <= 3; i++) {
    await rejectsWith(read(probing, record), EhrErrors.EHR_DENIED, (e) =>
      assert.equal(e.details.reason, "no-consent"),
    );
  }
  const status = await query(`access/user/${addr(probing)}`);
  assert.equal(status.suspended, true);
  assert.equal(Number(status.penalties), 3);
  await consent(patient, probing);
  await rejectsWith(read(probing, record), EhrErrors.EHR_DENIED, (e) =>
    assert.equal(e.details.reason, "suspended"),
  );
  assert.equal(Number((await query(`access/user/${addr(probing)}`)).penalties), 4);
  const log = (await logOf(patient)).slice(before);
  assert.deepEqual(
    log.map((e) => [e.requester, e.outcome, e.reason]),
    [
      [addr(probing), "denied", "no-consent"],
      [addr(probing), "denied", "no-consent"],
      [addr(probing), "denied", "no-consent"],
      [addr(probing), "denied", "suspended"],
    ],
  );
  // A suspended user is no longer a valid uploader either; nothing is left behind.
  const fp = await footprint(patient);
  await rejectsWith(
    putRecord({
      client: env.client,
      secretKey: probing.secretKey,
      patient: addr(patient),
      holder: env.holder,
      recordType: "fhir:Observation",
      plaintext: enc.encode(JSON.stringify(SAMPLE_OBSERVATION)),
    }),
    "RECORDS_BAD_UPLOADER",
  );
  assert.deepEqual(await footprint(patient), fp);
});

test("a user the institution deleted is denied user-deleted, without a penalty", async () => {
  const before = (await logOf(patient)).length;
  await read(leaver, record2);
  await deleteUser(leaver);
  await rejectsWith(read(leaver, record2), EhrErrors.EHR_DENIED, (e) =>
    assert.equal(e.details.reason, "user-deleted"),
  );
  const status = await query(`access/user/${addr(leaver)}`);
  assert.equal(Number(status.penalties), 0);
  assert.equal(status.suspended, false);
  const log = (await logOf(patient)).slice(before);
  assert.deepEqual(
    log.map((e) => [e.requester, e.recordId, e.outcome, e.reason]),
    [
      [addr(leaver), record2, "granted", "consent"],
      [addr(leaver), record2, "denied", "user-deleted"],
    ],
  );
});

test("the gateway serves a CID only with a valid grant for it (EHR_BAD_GRANT 403)", async () => {
  const r = await post("/ehr/retrieve", retrievalBody(doctor, record));
  assert.equal(r.status, 200);
  const grant = String(r.json.grant);
  const cid2 = String((await query(`records/record/${record2}`)).cid);
  const get = async (cid: string, authorization?: string) => {
    const res = await fetch(`${env.url}/ipfs/${cid}?format=raw`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, body };
  };
  const refused = async (cid: string, authorization?: string) => {
    const res = await get(cid, authorization);
    assert.equal(res.status, 403, `${authorization}`);
    assert.equal(JSON.parse(Buffer.from(res.body).toString()).code, EhrErrors.EHR_BAD_GRANT);
  };
  await refused(recordCid);
  await refused(recordCid, "Bearer ");
  await refused(recordCid, "Bearer v1.garbage");
  await refused(recordCid, `Basic ${grant}`);
  await refused(recordCid, `Bearer ${grant.slice(0, -1)}${grant.endsWith("0") ? "1" : "0"}`);
  await refused(cid2, `Bearer ${grant}`);
  // Control: the same grant on its own CID works, and the bytes are the indexed envelope.
  const ok = await get(recordCid, `Bearer ${grant}`);
  assert.equal(ok.status, 200);
  assert.equal(toHex(sha256(ok.body)), record);
});

test("an expired certificate: denied identity-invalid, logged, no penalty", async () => {
  const wait = Number(expiringUntil) + 1_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const before = (await logOf(patient)).length;
  await rejectsWith(read(expiring, record), EhrErrors.EHR_DENIED, (e) =>
    assert.equal(e.details.reason, "identity-invalid"),
  );
  const log = (await logOf(patient)).slice(before);
  assert.deepEqual(
    log.map((e) => [e.requester, e.outcome, e.reason]),
    [[addr(expiring), "denied", "identity-invalid"]],
  );
  assert.equal(Number((await query(`access/user/${addr(expiring)}`)).penalties), 0);
});

test("a cached holder profile: a stale key is dropped and retried once; a denial is never retried", async () => {
  const profiles = createTtlCache<Profile>();
  const holder = toHex(env.service.address);
  const real = await getProfile(env.client, holder);
  // The holder rotated its key since this reader cached its profile.
  const staleKey = toHex(encryptionKeyPairOf(generateKeyPair().secretKey).publicKey);
  await profiles.get(holder, async () => ({ ...real, encryptionKey: staleKey }));
  const before = (await logOf(patient)).length;
  const got = await getRecord({
    client: env.client,
    secretKey: doctor.secretKey,
    recordId: record,
    purpose: "TREAT",
    profiles,
  });
  assert.equal(got.record.id, record);
  assert.deepEqual(
    await profiles.get(holder, () => assert.fail("cached")),
    real,
    "the fresh profile replaced the stale one",
  );
  assert.equal((await logOf(patient)).length, before + 1, "one logged access, not two");

  // With a correct cached profile, a denial comes from the chain: logged and penalised once.
  const stranger = generateKeyPair();
  await register(stranger, "doctor");
  await addUser(stranger);
  const before2 = (await logOf(patient)).length;
  await rejectsWith(
    getRecord({
      client: env.client,
      secretKey: stranger.secretKey,
      recordId: record,
      purpose: "TREAT",
      profiles,
    }),
    EhrErrors.EHR_DENIED,
  );
  assert.equal((await logOf(patient)).length, before2 + 1, "the denial was not retried");
});

test("lists follow the chain's page cursor: every page, or up to maxEntries with the cursor to go on", async () => {
  const whole = (await listRecords(env.client, addr(patient))) as {
    records: { id: string }[];
    next: unknown;
  };
  assert.ok(whole.records.length >= 2, "the patient has several records");
  assert.equal(whole.next, null);
  const paged = (await listRecords(env.client, addr(patient), { pageSize: 1 })) as typeof whole;
  assert.deepEqual(
    paged.records.map((r) => r.id),
    whole.records.map((r) => r.id),
  );
  assert.equal(paged.next, null);
  const capped = (await listRecords(env.client, addr(patient), {
    pageSize: 1,
    maxEntries: 1,
  })) as typeof whole;
  assert.deepEqual(
    capped.records.map((r) => r.id),
    [whole.records[0]!.id],
  );
  assert.equal(capped.next, whole.records[0]!.id, "the cursor to continue from");

  const log = (await accessLog(env.client, addr(patient))) as { entries: { seq: unknown }[]; total: unknown };
  assert.ok(log.entries.length >= 2);
  const logPaged = (await accessLog(env.client, addr(patient), { pageSize: 1 })) as typeof log;
  assert.deepEqual(logPaged.entries, log.entries);
  assert.equal(logPaged.total, log.total);
  await assert.rejects(listRecords(env.client, addr(patient), { pageSize: 1001 }), (e) =>
    isConsortiaError(e, "INVALID_ARGUMENT"),
  );
});
