/**
 * The health-record walk-through (issue 4; `npm start` runs it after the payment scenario): three
 * hospitals, a patient, two treating doctors and one doctor without consent. Every step goes
 * through the public API of the nodes and the holders' own endpoints, like a real client would.
 */
import { addressFromPublicKey, formatAddress, generateKeyPair, type KeyPair } from "../crypto/ed25519.js";
import { fromHex } from "../crypto/hash.js";
import { isConsortiaError } from "../errors.js";
import type { ConsortiaClient } from "../sdk/client.js";
import { createClient } from "../sdk/client.js";
import {
  accessLog,
  getRecord,
  grantConsent,
  publishEncryptionKey,
  putRecord,
  revokeConsent,
} from "../sdk/ehr.js";
import { buildAddUser } from "../sdk/ehrTx.js";
import { signAndSubmit, throwIfFailed } from "../sdk/send.js";
import { buildRegister, buildTransfer } from "../sdk/tx.js";
import { issueDemoCertificate, type NetworkMaterial } from "./network.js";

export interface EhrScenarioReport {
  readonly recordId: string;
  readonly holder: string;
  readonly patient: string;
  readonly doctors: { readonly a: string; readonly b: string; readonly c: string };
  /** Outcome of each retrieval in order: "granted" or the typed error code. */
  readonly outcomes: Readonly<Record<string, string>>;
  readonly accessLog: readonly Readonly<Record<string, unknown>>[];
  readonly keys: { readonly patient: KeyPair; readonly a: KeyPair; readonly b: KeyPair; readonly c: KeyPair };
}

export const SAMPLE_OBSERVATION = {
  resourceType: "Observation",
  status: "final",
  code: { coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }] },
  effectiveDateTime: "2026-11-22T08:30:00Z",
  valueQuantity: { value: 72, unit: "beats/minute", system: "http://unitsofmeasure.org", code: "/min" },
};

export async function runEhrScenario(
  material: NetworkMaterial,
  apis: readonly string[],
  log: (line: string) => void,
): Promise<EhrScenarioReport> {
  if (apis.length < 3) log("(fewer than 3 hospitals: doctors share hospitals)");
  const clients = apis.map((u) => createClient(u));
  const api = (i: number): ConsortiaClient => clients[i % clients.length]!;
  const hospital = (i: number) => material.validators[i % material.validators.length]!;
  const { chainId } = await api(0).chain();
  // A write returns when its own node committed it; another node may be a block behind. Before
  // reading through a different node, wait until every node has reached the same height.
  const settle = async () => {
    const target = Math.max(
      ...(await Promise.all(clients.map(async (cl) => Number((await cl.health()).height)))),
    );
    for (const cl of clients) {
      for (let i = 0; i < 200 && Number((await cl.health()).height) < target; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const addr = (k: KeyPair) => formatAddress(addressFromPublicKey(k.publicKey));
  const now = BigInt(Date.now());
  const serialBase = now * 10n + 5n;
  const certify = (k: KeyPair, role: "patient" | "doctor", serial: bigint) =>
    issueDemoCertificate(material.ca.secretKey, chainId, k.publicKey, role, serial, now);

  const patient = generateKeyPair();
  const a = generateKeyPair();
  const b = generateKeyPair();
  const c = generateKeyPair();
  const people: [string, KeyPair, "patient" | "doctor"][] = [
    ["patient", patient, "patient"],
    [`doctor A (${hospital(0).name})`, a, "doctor"],
    [`doctor B (${hospital(1).name})`, b, "doctor"],
    [`doctor C (${hospital(2).name}, no consent)`, c, "doctor"],
  ];
  log("ehr 1/7 the CA certifies a patient and three doctors; each publishes an encryption key");
  await Promise.all(
    people.map(async ([name, k, role], i) => {
      const reg = await signAndSubmit(
        api(i),
        k.secretKey,
        (sk, env) => buildRegister(sk, env, certify(k, role, serialBase + BigInt(i))),
        {
          wait: true,
          fee: 0n,
          nonce: 0n,
        },
      );
      throwIfFailed(reg);
      log(`    ${name}: ${addr(k)}`);
    }),
  );
  await settle();
  // Fees, if the chain charges any, come from a small allowance the first hospital pays.
  const funder = hospital(0).keys.secretKey;
  for (const [, k] of people) {
    throwIfFailed(
      await signAndSubmit(api(0), funder, (sk, env) => buildTransfer(sk, env, fromHex(addr(k)), 1_000_000n), {
        wait: true,
      }),
    );
  }
  await settle();
  await Promise.all(people.map(([, k], i) => publishEncryptionKey(api(i), k.secretKey)));
  await settle();

  log("ehr 2/7 each hospital adds its doctor (AddUser)");
  await Promise.all(
    [a, b, c].map(async (k, i) => {
      const r = await signAndSubmit(
        api(i),
        hospital(i).keys.secretKey,
        (sk, env) => buildAddUser(sk, env, fromHex(addr(k)), "doctor"),
        {
          wait: true,
        },
      );
      throwIfFailed(r);
    }),
  );

  await settle();
  const holder = formatAddress(hospital(0).address);
  log(`ehr 3/7 the patient stores a FHIR Observation at ${hospital(0).name} (encrypted on this machine)`);
  const put = await putRecord({
    client: api(0),
    secretKey: patient.secretKey,
    patient: addr(patient),
    holder,
    recordType: "fhir:Observation",
    plaintext: new TextEncoder().encode(JSON.stringify(SAMPLE_OBSERVATION)),
  });
  log(`    record ${put.id.slice(0, 16)}… CID ${put.cid} in block ${put.height}`);

  log("ehr 4/7 the patient grants doctor A and doctor B treatment access for a day");
  const day = 86_400_000n;
  const grants: Record<string, string> = {};
  for (const [name, k] of [
    ["a", a],
    ["b", b],
  ] as const) {
    const g = await grantConsent(api(0), patient.secretKey, {
      recipient: fromHex(addr(k)),
      decision: "permit",
      purposes: ["TREAT"],
      recordIds: [fromHex(put.id)],
      recordTypes: [],
      periodStartMs: now - 60_000n,
      periodEndMs: now + day,
    });
    grants[name] = g.hash;
  }

  await settle();
  const outcomes: Record<string, string> = {};
  const read = async (label: string, k: KeyPair, via: number) => {
    try {
      const r = await getRecord({
        client: api(via),
        secretKey: k.secretKey,
        recordId: put.id,
        purpose: "TREAT",
      });
      const same = new TextDecoder().decode(r.plaintext) === JSON.stringify(SAMPLE_OBSERVATION);
      outcomes[label] = same ? "granted" : "granted-but-wrong-bytes";
      log(`    ${label}: granted, decrypted ${r.plaintext.length} bytes (log #${r.logSeq})`);
    } catch (err) {
      if (!isConsortiaError(err)) throw err;
      outcomes[label] = err.code;
      log(`    ${label}: ${err.code} ${err.message}`);
    }
  };
  log("ehr 5/7 doctor A reads at the same hospital (case 1); doctor B reads from another hospital (case 2)");
  await read("doctorA-case1", a, 0);
  await read("doctorB-case2", b, 1);
  log("ehr 6/7 doctor C, without consent, is denied and penalised; the patient revokes B, and B is denied");
  await read("doctorC-unauthorized", c, 2);
  await revokeConsent(api(0), patient.secretKey, grants.b!);
  await settle();
  await read("doctorB-after-revoke", b, 1);

  log("ehr 7/7 the patient's access log: who accessed my data, when, for what, granted or denied");
  await settle();
  const logValue = (await accessLog(api(0), addr(patient))) as
    | { entries?: Record<string, unknown>[] }
    | Record<string, unknown>[];
  const entries = Array.isArray(logValue) ? logValue : (logValue.entries ?? []);
  for (const e of entries) {
    log(
      `    #${String(e.seq)} ${String(e.requester).slice(0, 12)}… ${String(e.purpose)} ${String(e.outcome)} (${String(e.reason)}) at block ${String(e.height)}`,
    );
  }
  return {
    recordId: put.id,
    holder,
    patient: addr(patient),
    doctors: { a: addr(a), b: addr(b), c: addr(c) },
    outcomes,
    accessLog: entries,
    keys: { patient, a, b, c },
  };
}
