import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { FinalizeBlockResponse } from "../../../src/app/abci.js";
import { Application } from "../../../src/app/application.js";
import { parseGenesisAppState } from "../../../src/app/genesis.js";
import { addressFromPublicKey, type KeyPair } from "../../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import { parseGenesis } from "../../../src/engine/genesis.js";
import type { Role } from "../../../src/modules/identity/certificate.js";
import { defaultModules } from "../../../src/node/modules.js";
import { createNetworkMaterial, issueCertificate, type NetworkMaterial } from "../../../src/node/network.js";
import { PRESETS } from "../../../src/node/presets.js";
import {
  buildAddUser,
  buildDeleteUser,
  buildGrant,
  buildRecordErase,
  buildRecordPut,
  buildRetrieve,
  buildRevokeConsent,
  buildSetProfile,
  decodeRetrievalRequest,
  encodeRetrievalRequest,
  type RetrievalRequest,
  signRetrievalRequest,
  verifyRetrievalRequest,
} from "../../../src/sdk/ehrTx.js";
import { buildRegister } from "../../../src/sdk/tx.js";
import { MemoryStore } from "../../../src/storage/memoryStore.js";
import { GENESIS_MS, seededBytes, testKey } from "../../helpers/chain.js";

/**
 * Both modules inside the real Application (defaultModules, a createNetworkMaterial genesis with
 * no records/access sections), driven by signed transactions from the SDK builders and read back
 * through Application.query — which now passes the last block time to `access/check`.
 */
describe("records and access in the application", () => {
  let material: NetworkMaterial;
  let app: Application;
  let height = 0n;
  const nonces = new Map<string, bigint>();
  const patient = testKey("ehr/patient");
  const doctor = testKey("ehr/doctor");
  const nurse = testKey("ehr/nurse");
  let hospital: KeyPair;
  const addr = (k: KeyPair) => addressFromPublicKey(k.publicKey);
  const env = (k: KeyPair) => {
    const h = toHex(k.publicKey);
    const nonce = nonces.get(h) ?? 0n;
    nonces.set(h, nonce + 1n);
    return { chainId: material.chainId, nonce, fee: 0n };
  };
  const timeAt = (h: bigint) => BigInt(GENESIS_MS) + h * 1000n;

  async function block(txs: Uint8Array[]): Promise<FinalizeBlockResponse> {
    height += 1n;
    const res = app.finalizeBlock({
      txs,
      height,
      timeMs: timeAt(height),
      hash: new Uint8Array(32).fill(Number(height % 255n)),
      proposerAddress: material.validators[0]!.address,
      misbehavior: [],
    });
    await app.commit();
    return res;
  }
  const codes = (r: FinalizeBlockResponse) => r.txResults.map((x) => x.errorCode);
  function q<T>(path: string, params: Record<string, string> = {}): T {
    const r = app.query({ path, params });
    assert.equal(r.code, 0, r.log);
    return r.value as T;
  }
  const cert = (k: KeyPair, role: Role, serial: bigint) =>
    issueCertificate(material.ca.secretKey, {
      chainId: material.chainId,
      serial,
      subjectPublicKey: k.publicKey,
      subject: sha256(k.publicKey),
      role,
      notBeforeMs: BigInt(GENESIS_MS),
      notAfterMs: BigInt(GENESIS_MS) + 10n ** 10n,
    });

  before(async () => {
    material = createNetworkMaterial({
      validators: 1,
      preset: PRESETS.healthchain,
      genesisTimeMs: GENESIS_MS,
      randomBytes: seededBytes("ehr-chain"),
    });
    const genesis = parseGenesis(material.genesisJson);
    const appState = genesis.appState as Record<string, unknown>;
    assert.equal(appState.records, undefined, "presets write no records/access section");
    assert.equal(appState.access, undefined);
    hospital = material.validators[0]!.keys;
    app = new Application({ store: new MemoryStore(), ...defaultModules() }, { chainId: material.chainId });
    app.initChain({
      chainId: genesis.chainId,
      timeMs: genesis.genesisTimeMs,
      initialHeight: genesis.initialHeight,
      appStateBytes: genesis.appStateBytes,
      validators: genesis.validators,
    });
    const r = await block([
      buildRegister(patient.secretKey, env(patient), cert(patient, "patient", 10n)),
      buildRegister(doctor.secretKey, env(doctor), cert(doctor, "doctor", 11n)),
      buildRegister(nurse.secretKey, env(nurse), cert(nurse, "doctor", 12n)),
    ]);
    assert.deepEqual(codes(r), ["", "", ""]);
  });

  test("the access genesis section is optional, validated and strict", () => {
    const parse = (access: unknown) =>
      parseGenesisAppState(
        Buffer.from(
          JSON.stringify({
            identity: { cas: [{ name: "ca", publicKey: "00".repeat(32) }] },
            coin: { denom: "MED" },
            access,
          }),
        ),
        defaultModules().modules,
      ).modules.get("access");
    assert.deepEqual(parse(undefined), {
      maxConsentsPerPatient: 256,
      requestWindowMs: 300_000,
      maxPenalties: 3,
    });
    assert.deepEqual(parse({ maxPenalties: 5 }), {
      maxConsentsPerPatient: 256,
      requestWindowMs: 300_000,
      maxPenalties: 5,
    });
    assert.throws(() => parse({ requestWindowMs: 999 }), /access\.requestWindowMs/);
    assert.throws(() => parse({ maxPenalty: 5 }), /genesis access/);
  });

  test("default params are in force", () => {
    assert.deepEqual(q("records/params"), {
      maxRecordBytes: 64n * 1024n * 1024n,
      maxRecordsPerPatient: 100_000,
    });
    assert.deepEqual(q("access/params"), {
      maxConsentsPerPatient: 256,
      requestWindowMs: 300_000n,
      maxPenalties: 3,
    });
  });

  test("put, consent, retrieve, revoke, erase with signed transactions", async () => {
    const id = sha256(Buffer.from("envelope bytes"));
    const r1 = await block([
      buildSetProfile(
        hospital.secretKey,
        env(hospital),
        new Uint8Array(32).fill(1),
        "https://h0.example/api",
      ),
      buildAddUser(hospital.secretKey, env(hospital), addr(doctor), "doctor"),
      buildAddUser(hospital.secretKey, env(hospital), addr(nurse), "doctor"),
      buildRecordPut(hospital.secretKey, env(hospital), {
        id,
        cid: "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        patient: addr(patient),
        uploader: addr(doctor),
        recordType: "fhir:DiagnosticReport",
        size: 5120n,
      }),
    ]);
    assert.deepEqual(codes(r1), ["", "", "", ""]);
    const grantTx = buildGrant(patient.secretKey, env(patient), {
      recipient: addr(doctor),
      decision: "permit",
      purposes: ["TREAT"],
      recordIds: [],
      recordTypes: ["fhir:DiagnosticReport"],
      periodStartMs: BigInt(GENESIS_MS),
      periodEndMs: BigInt(GENESIS_MS) + 86_400_000n,
    });
    assert.deepEqual(codes(await block([grantTx])), [""]);
    const consentId = sha256(grantTx);

    const ask = (k: KeyPair, n: number): { request: RetrievalRequest; signature: Uint8Array } => {
      const request: RetrievalRequest = {
        chainId: material.chainId,
        requester: k.publicKey,
        recordId: id,
        holder: addr(hospital),
        purpose: "TREAT",
        nonce: sha256(Buffer.from(`n${n}`)).slice(0, 16),
        timestampMs: timeAt(height + 1n),
      };
      const signature = signRetrievalRequest(k.secretKey, request);
      assert.ok(verifyRetrievalRequest(request, signature));
      assert.deepEqual(decodeRetrievalRequest(encodeRetrievalRequest(request)), request);
      return { request, signature };
    };
    // The serving node's pre-check and the chain agree.
    assert.deepEqual(
      q<{ outcome: string; reason: string; timeMs: bigint }>(
        `access/check/${toHex(addr(doctor))}/${toHex(id)}/TREAT`,
      ),
      {
        requester: toHex(addr(doctor)),
        recordId: toHex(id),
        purpose: "TREAT",
        timeMs: timeAt(height),
        outcome: "granted",
        reason: "consent",
        penalized: false,
      },
    );
    const d = ask(doctor, 1);
    const n = ask(nurse, 2);
    const r3 = await block([
      buildRetrieve(hospital.secretKey, env(hospital), d.request, d.signature),
      buildRetrieve(hospital.secretKey, env(hospital), n.request, n.signature),
      buildRetrieve(hospital.secretKey, env(hospital), d.request, d.signature),
    ]);
    assert.deepEqual(codes(r3), ["", "", "ACCESS_REPLAY"]);
    const reasons = r3.txResults.flatMap((t) =>
      t.events
        .filter((e) => e.type === "access.retrieve")
        .map((e) => e.attributes.find((a) => a.key === "reason")?.value),
    );
    assert.deepEqual(reasons, ["consent", "no-consent"]);
    assert.equal(
      r3.txResults[1]!.events.some((e) => e.type === "access.penalty"),
      true,
    );

    const log = q<{ total: bigint; entries: { requester: string; outcome: string }[] }>(
      `access/log/${toHex(addr(patient))}`,
    );
    assert.equal(log.total, 2n);
    assert.deepEqual(
      log.entries.map((e) => [e.requester, e.outcome]),
      [
        [toHex(addr(doctor)), "granted"],
        [toHex(addr(nurse)), "denied"],
      ],
    );
    assert.equal(
      q<{ endpoint: string }>(`access/profile/${toHex(addr(hospital))}`).endpoint,
      "https://h0.example/api",
    );

    assert.deepEqual(
      codes(
        await block([
          buildRevokeConsent(patient.secretKey, env(patient), consentId),
          buildDeleteUser(hospital.secretKey, env(hospital), addr(nurse)),
          buildRecordErase(patient.secretKey, env(patient), id, "withdrawn"),
        ]),
      ),
      ["", "", ""],
    );
    const consents = q<{ consents: { id: string; status: string }[] }>(
      `access/consents/${toHex(addr(patient))}`,
    );
    assert.deepEqual(consents.consents, [
      { ...consents.consents[0]!, id: toHex(consentId), status: "inactive" },
    ]);
    assert.equal(
      q<{ reason: string }>(`access/check/${toHex(addr(doctor))}/${toHex(id)}/TREAT`).reason,
      "erased",
    );
    assert.equal(q<{ erased: boolean }>(`records/record/${toHex(id)}`).erased, true);
    const page = q<{ records: { id: string }[] }>(`records/holder/${toHex(addr(hospital))}`);
    assert.deepEqual(
      page.records.map((r) => r.id),
      [toHex(id)],
    );
  });

  test("a forged request is refused at the door (CheckTx), before any fee or nonce", () => {
    const id = sha256(Buffer.from("envelope bytes"));
    const request: RetrievalRequest = {
      chainId: material.chainId,
      requester: doctor.publicKey,
      recordId: id,
      holder: addr(hospital),
      purpose: "TREAT",
      nonce: new Uint8Array(16),
      timestampMs: timeAt(height),
    };
    const signature = signRetrievalRequest(nurse.secretKey, request);
    const r = app.checkTx(
      buildRetrieve(
        hospital.secretKey,
        { chainId: material.chainId, nonce: nonces.get(toHex(hospital.publicKey)) ?? 0n, fee: 0n },
        request,
        signature,
      ),
      "new",
    );
    assert.equal(r.errorCode, "ACCESS_BAD_SIGNATURE");
  });
});
