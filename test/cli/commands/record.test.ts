/**
 * `record`, `consent` and `access-log` against a real 3-validator devnet (CometBFT + the EHR holder
 * service on every validator) started in this process; the CLI runs as child processes, signing
 * with keystores from a keys directory exactly as a user would. People are certified and funded
 * in-process (that path is tested elsewhere) so the children spend their time on the commands.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { purposesFlag, untilFlag } from "../../../src/cli/commands/consent.js";
import { binaryRecordType } from "../../../src/cli/commands/record.js";
import { CliErrors } from "../../../src/cli/errors.js";
import { sha256 } from "../../../src/crypto/hash.js";
import { SCRYPT_INSECURE_FAST } from "../../../src/crypto/keystore.js";
import { isConsortiaError } from "../../../src/errors.js";
import { DEVNET_PASSWORD, type Devnet, startDevnet } from "../../../src/node/devnet.js";
import { SAMPLE_OBSERVATION } from "../../../src/node/ehrScenario.js";
import { issueCertificate } from "../../../src/node/network.js";
import { PRESETS } from "../../../src/node/presets.js";
import { createClient } from "../../../src/sdk/client.js";
import { listRecords, type RecordInfo } from "../../../src/sdk/ehr.js";
import { createKey, type KeyInfo, unlockKey } from "../../../src/sdk/keyring.js";
import { signAndSubmit, throwIfFailed } from "../../../src/sdk/send.js";
import { buildRegister, buildTransfer } from "../../../src/sdk/tx.js";
import { type CliResult, cliAll, describeRun, errorCodeOf, jsonOf } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "consortia-cli-record-"));
const keysDir = join(dir, "keys");
let devnet: Devnet;
let api: string;
/** name -> public facts of the users' keys: patient, drA (hospital-0), drC (hospital-2), bob (no profile). */
const users: Record<string, KeyInfo> = {};
const hospitalKey = (i: number) => join(devnet.nodes[i]!.home, "keys", "validator.keystore.json");
let hospital: string[] = [];

/** printHelp.ts output; started before the devnet so its tsx start-up overlaps devnet start-up. */
let helpTexts: Promise<{ status: number | null; stdout: string; stderr: string }>;

function printAllHelp(): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL("../printHelp.ts", import.meta.url));
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script],
      { cwd: root, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== "number") reject(err);
        else resolve({ status: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

before(async () => {
  helpTexts = printAllHelp();
  devnet = await startDevnet({ validators: 3, preset: PRESETS.healthchain, basePort: 0, nowMs: Date.now() });
  api = devnet.nodes[0]!.apiUrl;
  const material = devnet.material!;
  hospital = material.validators.map((v) => Buffer.from(v.address).toString("hex"));
  const client = createClient(api);
  const now = BigInt(Date.now());
  const roles = { patient: "patient", drA: "doctor", drC: "doctor", bob: "patient" } as const;
  let serial = 9000n;
  for (const [name, role] of Object.entries(roles)) {
    // The devnet password for every key: one --password-file unlocks users and hospitals alike.
    const info = await createKey(keysDir, name, DEVNET_PASSWORD, {
      createdAt: new Date().toISOString(),
      scrypt: SCRYPT_INSECURE_FAST,
    });
    users[name] = info;
    const pk = Buffer.from(info.publicKey, "hex");
    const cert = issueCertificate(material.ca.secretKey, {
      chainId: devnet.chainId,
      serial: serial++,
      subjectPublicKey: pk,
      subject: sha256(pk),
      role,
      notBeforeMs: now - 60_000n,
      notAfterMs: now + 86_400_000n,
    });
    const key = await unlockKey(keysDir, name, DEVNET_PASSWORD);
    throwIfFailed(
      await signAndSubmit(client, key.secretKey, (sk, env) => buildRegister(sk, env, cert), {
        wait: true,
        fee: 0n,
        nonce: 0n,
      }),
    );
    throwIfFailed(
      await signAndSubmit(
        client,
        material.validators[0]!.keys.secretKey,
        (sk, env) => buildTransfer(sk, env, Buffer.from(info.address, "hex"), 1_000_000n),
        { wait: true },
      ),
    );
  }
  writeFileSync(join(dir, "pw"), DEVNET_PASSWORD);
  writeFileSync(join(dir, "obs.json"), JSON.stringify(SAMPLE_OBSERVATION, null, 2));
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ resourceType: "Observation", code: { text: "x" } }));
  writeFileSync(join(dir, "scan.bin"), randomBytes(3000));
});

after(async () => {
  await devnet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const signer = (key: string) => ["--key", key, "--keys-dir", keysDir, "--password-file", join(dir, "pw")];
const at = () => ["--api", api];

function ok(r: CliResult | undefined): Record<string, unknown> {
  assert.ok(r);
  assert.equal(r.code, 0, describeRun(r));
  return jsonOf(r);
}

function fails(r: CliResult | undefined, exit: number, code: string): void {
  assert.ok(r);
  assert.equal(r.code, exit, describeRun(r));
  assert.equal(errorCodeOf(r), code, describeRun(r));
}

test("flag parsers refuse what the chain would refuse, naming the flag", () => {
  const refused = (flag: string) => (err: unknown) =>
    isConsortiaError(err, CliErrors.CLI_INVALID_PARAM) && err.details.flag === flag;
  assert.deepEqual(purposesFlag("TREAT,HRESCH"), ["TREAT", "HRESCH"]);
  for (const v of ["", "TREAT,FOO", "TREAT,TREAT", "treat", "TREAT,"]) {
    assert.throws(() => purposesFlag(v), refused("--purpose"), v);
  }
  assert.equal(untilFlag("2026-12-31"), Date.UTC(2026, 11, 31));
  assert.equal(untilFlag("2026-12-31T18:00Z"), Date.UTC(2026, 11, 31, 18));
  assert.equal(untilFlag("2026-12-31T18:00:00+02:00"), Date.UTC(2026, 11, 31, 16));
  // No zone would mean "local time of whoever typed it"; Feb 30 would roll over into March.
  for (const v of ["", "2026-12-31T18:00", "2026-02-30", "2026-13-01", "31/12/2026", "2026-12-31T24:00Z"]) {
    assert.throws(() => untilFlag(v), refused("--until"), v);
  }
  assert.equal(binaryRecordType("Application/PDF"), "binary:application/pdf");
  for (const v of ["pdf", "not a/mime", "application/", "a/b/c"]) {
    assert.throws(() => binaryRecordType(v), refused("--type"), v);
  }
});

test("--help of every health-record command lists its flags and an example", async () => {
  const all = await helpTexts;
  assert.equal(all.status, 0, all.stderr);
  const texts = JSON.parse(all.stdout) as Record<string, string>;
  const signed = ["--key", "--keys-dir", "--password-file", "--api", "--json"];
  const expected: Record<string, readonly string[]> = {
    "record keys publish": signed,
    "record put": [...signed, "--patient", "--holder", "--fhir", "--file", "--type"],
    "record get": [...signed, "<id>", "--purpose", "--out", "TREAT", "PUBHLTH"],
    "record list": ["--patient", "--api", "--json"],
    "record erase": [...signed, "<id>"],
    "record add-user": [...signed, "--user", "--role", "researcher"],
    "record delete-user": [...signed, "--user"],
    "consent grant": [...signed, "--to", "--purpose", "--record", "--type", "--days", "--until", "--deny"],
    "consent revoke": [...signed, "<consent-id>"],
    "consent list": ["--patient", "--api", "--json"],
    "access-log": ["--patient", "--api", "--json"],
  };
  for (const [cmd, flags] of Object.entries(expected)) {
    const text = texts[cmd];
    assert.ok(text !== undefined, `${cmd} is registered`);
    assert.ok(text.startsWith(`Usage: consortia ${cmd} `), text);
    assert.match(text, /\nExample:\n {2}consortia /, `${cmd} has an example`);
    for (const f of flags) assert.ok(text.includes(f), `${cmd} --help mentions ${f}`);
    assert.ok(!text.includes("(default: [])"), `${cmd}: no empty-list defaults`);
  }
});

test("records, consents and the access log end to end through the CLI", async () => {
  const { patient, drA, drC, bob } = users as Record<string, KeyInfo>;
  assert.ok(patient && drA && drC && bob);
  const put = (key: string, holder: string, what: string[]) => [
    "record",
    "put",
    ...signer(key),
    "--patient",
    key === "bob" ? bob.address : patient.address,
    "--holder",
    holder,
    ...what,
    ...at(),
    "--json",
  ];
  const grant = (extra: string[]) => [
    "consent",
    "grant",
    ...signer("patient"),
    "--to",
    drA.address,
    ...extra,
    ...at(),
    "--json",
  ];
  const publish = (key: string) => ["record", "keys", "publish", ...signer(key), ...at(), "--json"];

  // ---- encryption keys; input errors are refused before any network or key use (exit 2) ----
  const [pubP, pubA, pubC, noProfile, holderPublish, both, badFhir, past] = await cliAll([
    publish("patient"),
    publish("drA"),
    publish("drC"),
    put("bob", hospital[0]!, ["--fhir", join(dir, "obs.json")]),
    publish(hospitalKey(0)),
    put("patient", hospital[0]!, ["--fhir", join(dir, "obs.json"), "--file", join(dir, "scan.bin")]),
    put("patient", hospital[0]!, ["--fhir", join(dir, "bad.json")]),
    grant(["--purpose", "TREAT", "--until", "2020-01-01"]),
  ]);
  for (const r of [pubP, pubA, pubC]) {
    const j = ok(r);
    assert.equal(j.published, true);
    assert.match(String(j.encryptionKey), /^[0-9a-f]{64}$/);
  }
  assert.match(pubP!.stderr, /waiting for the block/);
  // Bob never published a key: nothing can be sealed to him.
  fails(noProfile, 1, "EHR_NO_PROFILE");
  // A holder's key would lose its endpoint if published from here.
  fails(holderPublish, 2, "CLI_INVALID_PARAM");
  fails(both, 2, "CLI_INVALID_PARAM");
  fails(badFhir, 2, "EHR_FHIR_INVALID");
  assert.match(JSON.stringify(jsonOf(badFhir!)), /Observation\.status/);
  fails(past, 2, "CLI_INVALID_PARAM");

  // ---- institutions vouch for their doctors; the FHIR record and a binary scan are stored ----
  const userCmd = (sub: string, i: number, user: string, extra: string[] = []) => [
    "record",
    sub,
    ...signer(hospitalKey(i)),
    "--user",
    user,
    ...extra,
    ...at(),
    "--json",
  ];
  const [addA, addC, again] = await cliAll([
    userCmd("add-user", 0, drA.address, ["--role", "doctor"]),
    userCmd("add-user", 2, drC.address, ["--role", "doctor"]),
    publish("patient"),
  ]);
  assert.equal(ok(addA).role, "doctor");
  assert.equal(ok(addC).institution, hospital[2]);
  assert.equal(ok(again).published, false, "an unchanged key is not published twice");

  const [putFhir, putBin] = await cliAll([
    put("patient", hospital[0]!, ["--fhir", join(dir, "obs.json")]),
    put("patient", hospital[1]!, ["--file", join(dir, "scan.bin"), "--type", "Application/Octet-Stream"]),
  ]);
  const fhir = ok(putFhir) as { id: string; cid: string; height: string; recordType: string };
  const bin = ok(putBin) as { id: string; recordType: string };
  assert.match(fhir.id, /^[0-9a-f]{64}$/);
  assert.match(fhir.cid, /^b[a-z2-7]+$/);
  assert.match(fhir.height, /^[1-9][0-9]*$/);
  assert.equal(fhir.recordType, "fhir:Observation");
  assert.equal(bin.recordType, "binary:application/octet-stream");

  // ---- consent for doctor A on the FHIR record only; doctor C has none ----
  const binOut = join(dir, "scan.out");
  const [granted, ownBin, deniedC] = await cliAll([
    grant(["--purpose", "TREAT,ETREAT", "--record", fhir.id, "--days", "1"]),
    ["record", "get", bin.id, ...signer("patient"), "--purpose", "TREAT", "--out", binOut, ...at(), "--json"],
    ["record", "get", fhir.id, ...signer("drC"), "--purpose", "TREAT", ...at(), "--json"],
  ]);
  const consent = ok(granted) as { consentId: string; purposes: string[]; recordIds: string[] };
  assert.deepEqual(consent.purposes, ["TREAT", "ETREAT"]);
  assert.deepEqual(consent.recordIds, [fhir.id]);
  assert.equal(ok(ownBin).saved, binOut);
  assert.deepEqual(readFileSync(binOut), readFileSync(join(dir, "scan.bin")), "binary bytes round-trip");
  fails(deniedC, 1, "EHR_DENIED");

  const aOut = join(dir, "a.json");
  const [readA, ownStdout, consents, records] = await cliAll([
    ["record", "get", fhir.id, ...signer("drA"), "--purpose", "TREAT", "--out", aOut, ...at()],
    ["record", "get", fhir.id, ...signer("patient"), "--purpose", "TREAT", ...at()],
    ["consent", "list", "--patient", patient.address, ...at(), "--json"],
    ["record", "list", "--patient", patient.address, ...at()],
  ]);
  assert.equal(readA!.code, 0, describeRun(readA!));
  assert.equal(readFileSync(aOut, "utf8"), readFileSync(join(dir, "obs.json"), "utf8"));
  assert.equal(statSync(aOut).mode & 0o777, 0o600, "plaintext is written owner-only");
  assert.equal(ownStdout!.code, 0, describeRun(ownStdout!));
  // Human mode: stdout carries the record exactly, the rest goes to stderr.
  assert.equal(ownStdout!.stdout, readFileSync(join(dir, "obs.json"), "utf8"));
  assert.match(ownStdout!.stderr, /granted: fhir:Observation/);
  const list = ok(consents) as { consents: { id: string; status: string; decision: string }[] };
  assert.deepEqual(
    list.consents.map((c) => [c.id, c.status, c.decision]),
    [[consent.consentId, "active", "permit"]],
  );
  assert.equal(records!.code, 0, describeRun(records!));
  assert.match(records!.stdout, /^id +type +sealed +holder +height +created +state\n/);
  assert.ok(records!.stdout.includes(fhir.id) && records!.stdout.includes(bin.id), records!.stdout);

  // ---- revocation: doctor A is denied afterwards; only the patient may erase ----
  const [revoked, eraseByA] = await cliAll([
    ["consent", "revoke", consent.consentId, ...signer("patient"), ...at(), "--json"],
    ["record", "erase", fhir.id, ...signer("drA"), ...at(), "--json"],
  ]);
  assert.equal(ok(revoked).consentId, consent.consentId);
  fails(eraseByA, 1, "EHR_DENIED");
  const [afterRevoke, removeC] = await cliAll([
    ["record", "get", fhir.id, ...signer("drA"), "--purpose", "TREAT", ...at(), "--json"],
    userCmd("delete-user", 2, drC.address),
  ]);
  fails(afterRevoke, 1, "EHR_DENIED");
  assert.equal(ok(removeC).user, drC.address);

  const [erased, logTable, logJson] = await cliAll([
    ["record", "erase", fhir.id, ...signer("patient"), ...at(), "--json"],
    ["access-log", "--patient", patient.address, ...at()],
    ["access-log", "--patient", patient.address, ...at(), "--json"],
  ]);
  assert.equal(ok(erased).recordId, fhir.id);
  assert.equal(logTable!.code, 0, describeRun(logTable!));
  const lines = logTable!.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^seq +time +requester +record +purpose +outcome +reason$/);
  // Reads in batches run concurrently, so compare as a set: who, outcome, why.
  const rows = lines
    .slice(1)
    .map((l) => l.split(/ +/))
    .map((c) => `${c[2]} ${c[5]} ${c[6]}`)
    .sort();
  assert.deepEqual(
    rows,
    [
      `${drA.address} denied no-consent`,
      `${drA.address} granted consent`,
      `${drC.address} denied no-consent`,
      `${patient.address} granted owner`,
      `${patient.address} granted owner`,
    ].sort(),
  );

  const log = ok(logJson) as { total: string; entries: { seq: string; purpose: string }[] };
  assert.equal(log.total, "5");
  assert.deepEqual(
    log.entries.map((e) => e.seq),
    ["1", "2", "3", "4", "5"],
  );
  const recs = ((await listRecords(createClient(api), patient.address)) as { records: RecordInfo[] }).records;
  assert.deepEqual(
    recs.map((r) => [r.id, r.erased]).sort(),
    [
      [fhir.id, true],
      [bin.id, false],
    ].sort(),
  );
});
