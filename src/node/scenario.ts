import { addressFromPublicKey, formatAddress, generateKeyPair, type KeyPair } from "../crypto/ed25519.js";
import { fromHex } from "../crypto/hash.js";
import { isConsortiaError } from "../errors.js";
import { verifyReceipt } from "../ledger/receipt.js";
import { createClient } from "../sdk/client.js";
import { signAndSubmit, throwIfFailed } from "../sdk/send.js";
import { buildRegister, buildTransfer } from "../sdk/tx.js";
import type { NetworkMaterial } from "./network.js";
import { issueDemoCertificate } from "./network.js";

export interface ScenarioReport {
  readonly patient: string;
  readonly doctor: string;
  readonly transferTx: string;
  readonly receiptHeight: string;
  readonly receiptAnchor: string;
  readonly balances: Readonly<Record<string, string>>;
  readonly supply: Readonly<Record<string, unknown>>;
}

/**
 * The walk-through `npm start` runs against a live network: the consortium CA certifies a patient
 * and a doctor, they register, a hospital pays the patient, the patient pays the doctor, and the
 * receipt of that payment is fetched from one node and verified offline against the block hash
 * another node reports. Every step talks to the public HTTP API only.
 */
export async function runScenario(
  material: NetworkMaterial,
  apis: readonly string[],
  log: (line: string) => void,
): Promise<ScenarioReport> {
  const clients = apis.map((u) => createClient(u));
  const first = clients[0]!;
  const last = clients[clients.length - 1]!;
  const { chainId } = await first.chain();
  const denom = material.preset.denom;

  const certify = (k: KeyPair, role: "patient" | "doctor", serial: bigint) =>
    issueDemoCertificate(material.ca.secretKey, chainId, k.publicKey, role, serial, BigInt(Date.now()));
  const patient = generateKeyPair();
  const doctor = generateKeyPair();
  const addr = (k: KeyPair) => formatAddress(addressFromPublicKey(k.publicKey));
  const serialBase = BigInt(Date.now()) * 10n;

  log(`1/5 the consortium CA certifies a patient (${addr(patient)}) and a doctor (${addr(doctor)})`);
  for (const [k, role, i] of [
    [patient, "patient", 1n],
    [doctor, "doctor", 2n],
  ] as const) {
    const r = await signAndSubmit(
      first,
      k.secretKey,
      (sk, env) => buildRegister(sk, env, certify(k, role, serialBase + i)),
      {
        wait: true,
        fee: 0n,
        nonce: 0n,
      },
    );
    throwIfFailed(r);
    log(`    ${role} registered in block ${r.committed?.height} (tx ${r.hash.slice(0, 16)}…)`);
  }

  const hospital = material.validators[0]!;
  log(`2/5 ${hospital.name} pays the patient 1000 ${denom}`);
  const pay = await signAndSubmit(
    first,
    hospital.keys.secretKey,
    (sk, env) => buildTransfer(sk, env, fromHex(addr(patient)), 1000n),
    {
      wait: true,
    },
  );
  throwIfFailed(pay);

  log(`3/5 the patient pays the doctor 250 ${denom} through ${apis[apis.length - 1]}`);
  const fee = await signAndSubmit(
    last,
    patient.secretKey,
    (sk, env) => buildTransfer(sk, env, fromHex(addr(doctor)), 250n),
    {
      wait: true,
    },
  );
  throwIfFailed(fee);
  log(`    committed in block ${fee.committed?.height}`);

  log("4/5 fetch the payment's receipt and verify it offline against a block hash from another node");
  // The payment went through the last node; the first may still be a block behind, so wait for it.
  const receipt = await eventually(() => first.getReceipt(fee.hash));
  const block = await last.getBlock(BigInt(fee.committed!.height));
  const v = verifyReceipt(receipt, { trustedHeaderHash: fromHex(block.hash.toLowerCase()), chainId });
  log(
    `    receipt OK: tx ${v.txHash.slice(0, 16)}… in block ${v.height} (${v.blockHash.slice(0, 16)}…), anchor ${v.anchor}`,
  );

  log("5/5 balances");
  const balances: Record<string, string> = {};
  for (const [name, a] of [
    ["patient", addr(patient)],
    ["doctor", addr(doctor)],
    [hospital.name, formatAddress(hospital.address)],
  ] as const) {
    const acct = await first.getAccount(a);
    balances[name] = String(acct.balance);
    log(`    ${name.padEnd(12)} ${String(acct.balance).padStart(16)} ${denom}`);
  }
  const supply = (await first.query("coin/supply")).value as Record<string, unknown>;
  return {
    patient: addr(patient),
    doctor: addr(doctor),
    transferTx: fee.hash,
    receiptHeight: v.height.toString(),
    receiptAnchor: v.anchor,
    balances,
    supply,
  };
}

/** Retries a read for up to 10 s while the node answers "not there yet" (another node is ahead). */
async function eventually<T>(read: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await read();
    } catch (err) {
      const notYet = isConsortiaError(err) && (err.code === "TX_NOT_FOUND" || err.code === "BLOCK_NOT_FOUND");
      if (!notYet || i >= 200) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
