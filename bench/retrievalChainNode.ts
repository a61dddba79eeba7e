/**
 * Child process of the retrieval benchmark's chain locator (bench/retrievalChain.ts spawns it): a
 * one-validator healthchain devnet whose record index names the benchmark's real holder servers.
 * Kept out of the client's process so the API answering the locator's queries does not share an
 * event loop with the fetches being timed, as a node would not in production.
 *
 * Seeding makes the index honest: one institution identity per holder server (certified by the
 * devnet's CA), each publishing that server's gateway URL as its profile endpoint, one patient,
 * and a records/put for every seeded record signed by the key of the institution holding it.
 */

import { addressFromPublicKey, generateKeyPair, type KeyPair } from "../src/crypto/ed25519.js";
import { fromHex, toHex } from "../src/crypto/hash.js";
import { encryptionKeyPairOf } from "../src/ehr/keys.js";
import { CommonErrors, ConsortiaError } from "../src/errors.js";
import { type Devnet, startDevnet } from "../src/node/devnet.js";
import { PRESETS } from "../src/node/presets.js";
import { buildRecordPut, buildSetProfile } from "../src/sdk/ehrTx.js";
import { buildRegister, buildTransfer } from "../src/sdk/tx.js";
import { certify, devnetTxs } from "./devnetTx.js";
import { type ChainSeed, zToChain } from "./retrievalChainWire.js";

let devnet: Devnet | undefined;
let stopping = false;

function send(msg: object): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(msg, undefined, {}, () => resolve());
  });
}

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await devnet?.stop().catch(() => undefined);
  }
  process.exit(code);
}

async function start(): Promise<object> {
  devnet = await startDevnet({
    validators: 1,
    preset: PRESETS.healthchain,
    basePort: 0,
    nowMs: Date.now(),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  const api = devnet.nodes[0]?.apiUrl ?? "";
  return { type: "started", api, chainId: devnet.chainId, startupMs: devnet.startupMs };
}

async function seed(s: ChainSeed): Promise<object> {
  const t0 = performance.now();
  const net = devnet;
  const node = net?.nodes[0]?.node;
  const material = net?.material;
  if (node === undefined || material === undefined) {
    throw new ConsortiaError(CommonErrors.INTERNAL, "seed before the devnet started");
  }
  const txs = devnetTxs(node);
  const now = Date.now();
  const institutions = s.holders.map(() => generateKeyPair());
  const patient = generateKeyPair();
  const addr = (k: KeyPair) => addressFromPublicKey(k.publicKey);
  // Registration is fee-exempt (the new keys hold nothing yet).
  await txs.commitAll([
    ...institutions.map((k, i) =>
      txs.sign(
        k,
        (sk, env) =>
          buildRegister(sk, env, certify(material.ca.secretKey, txs.chainId, k, "institution", i, now)),
        0n,
      ),
    ),
    txs.sign(
      patient,
      (sk, env) =>
        buildRegister(
          sk,
          env,
          certify(material.ca.secretKey, txs.chainId, patient, "patient", institutions.length, now),
        ),
      0n,
    ),
  ]);
  const funder = material.validators[0]?.keys;
  if (txs.feesCharged && funder !== undefined) {
    await txs.commitAll(
      institutions.map((k) => txs.sign(funder, (sk, env) => buildTransfer(sk, env, addr(k), 10n ** 9n))),
    );
  }
  const profiles = institutions.map((k, i) =>
    txs.sign(k, (sk, env) =>
      buildSetProfile(sk, env, encryptionKeyPairOf(k.secretKey).publicKey, s.holders[i] as string),
    ),
  );
  const puts = s.records.map((r) => {
    const holder = institutions[r.holder];
    if (holder === undefined) {
      throw new ConsortiaError(
        CommonErrors.INVALID_ARGUMENT,
        `record ${r.recordId} names holder ${r.holder} of ${institutions.length}`,
      );
    }
    return txs.sign(holder, (sk, env) =>
      buildRecordPut(sk, env, {
        id: fromHex(r.recordId),
        cid: r.cid,
        patient: addr(patient),
        uploader: addr(patient),
        recordType: "binary:application/octet-stream",
        size: BigInt(r.sizeBytes),
      }),
    );
  });
  const committed = await txs.commitAll([...profiles, ...puts]);
  const height = committed.reduce((h, c) => (c.height > h ? c.height : h), 0n);
  return {
    type: "seeded",
    institutions: institutions.map((k) => toHex(addr(k))),
    patient: toHex(addr(patient)),
    height: height.toString(),
    ms: Math.round(performance.now() - t0),
  };
}

process.on("disconnect", () => void shutdown(0));
process.on("message", (raw: unknown) => {
  const parsed = zToChain.safeParse(raw);
  if (!parsed.success) {
    void send({ type: "error", message: `bad message: ${parsed.error.message.slice(0, 500)}` });
    return;
  }
  const msg = parsed.data;
  if (msg.type === "stop") {
    void shutdown(0);
    return;
  }
  void (msg.type === "start" ? start() : seed(msg)).then(
    (reply) => send(reply),
    // The message must be out before exit, or the parent only sees an exit code.
    (err: unknown) =>
      send({ type: "error", message: String((err as Error).stack ?? err).slice(0, 4000) }).then(() =>
        shutdown(1),
      ),
  );
});
