/**
 * Cost of each access-control call on an in-memory Application, the counterpart of the gas table
 * of the edge-cloud paper (Table II). Run: `npx tsx bench/accessCosts.ts` (prints JSON).
 *
 * Each call is the only transaction of its block. Per call we report the block's FinalizeBlock
 * time (wall clock, one thread: decode, tx signature check, request signature check for
 * retrievals, execution, app hash) as a median, that median minus an empty block's, the process
 * CPU time of FinalizeBlock per call (process.cpuUsage summed over the phase / N), and the bytes
 * of state the block writes (Σ key + value bytes of its write set; a delete counts its key).
 * `moduleBytes` leaves out the app's per-sender nonce (`auth/n/…`), which every transaction writes.
 * Transactions and requests are signed before measuring: that is the clients' work.
 */
import { fileURLToPath } from "node:url";
import { Application } from "../src/app/application.js";
import type { CommitBatch } from "../src/app/store.js";
import { encode } from "../src/codec/schema.js";
import { addressFromPublicKey, type KeyPair, keyPairFromSeed } from "../src/crypto/ed25519.js";
import { sha256, toHex } from "../src/crypto/hash.js";
import { formatGenesis, parseGenesis } from "../src/engine/genesis.js";
import { CommonErrors, ConsortiaError } from "../src/errors.js";
import { certificateCodec, type Role } from "../src/modules/identity/certificate.js";
import { defaultModules } from "../src/node/modules.js";
import { issueCertificate } from "../src/node/network.js";
import {
  buildAddUser,
  buildDeleteUser,
  buildGrant,
  buildRecordPut,
  buildRetrieve,
  buildRevokeConsent,
  type RetrievalRequest,
  signRetrievalRequest,
} from "../src/sdk/ehrTx.js";
import { MemoryStore } from "../src/storage/memoryStore.js";
import { percentile, round } from "./stats.js";

export interface AccessCostRow {
  readonly call: string;
  /** Gas the edge-cloud paper reports for the matching contract function (Table II), if any. */
  readonly paperGas: number | null;
  readonly medianUs: number;
  readonly p90Us: number;
  /** medianUs minus the median of an empty block: the call's own share. */
  readonly netMedianUs: number;
  readonly cpuUsPerCall: number;
  readonly medianStateBytes: number;
  readonly meanStateBytes: number;
  readonly medianModuleBytes: number;
}

export interface AccessCostResult {
  readonly bench: "access-costs";
  readonly calls: number;
  readonly emptyBlockMedianUs: number;
  readonly rows: readonly AccessCostRow[];
  readonly node: string;
}

/** Remembers each commit's write set. */
class RecordingStore extends MemoryStore {
  lastWrites: ReadonlyMap<string, Uint8Array | null> = new Map();
  override async commit(batch: CommitBatch): Promise<void> {
    this.lastWrites = new Map(batch.writes);
    await super.commit(batch);
  }
}

function writeBytes(writes: ReadonlyMap<string, Uint8Array | null>, skipNonce: boolean): number {
  let n = 0;
  for (const [k, v] of writes) {
    if (skipNonce && k.startsWith("auth/n/")) continue;
    n += Buffer.byteLength(k) + (v?.length ?? 0);
  }
  return n;
}

const GENESIS_MS = 1_790_000_000_000;

export async function runAccessCostBench(opts: { calls?: number } = {}): Promise<AccessCostResult> {
  const N = opts.calls ?? 1000;
  const chainId = "consortia-access-bench";
  const key = (label: string) => keyPairFromSeed(sha256(Buffer.from(`access-bench/${label}`)));
  const ca = key("ca");
  const hospital = key("hospital");
  const doctors = Array.from({ length: N }, (_, i) => key(`doctor/${i}`));
  const patients = Array.from({ length: N }, (_, i) => key(`patient/${i}`));
  const addr = (k: KeyPair) => addressFromPublicKey(k.publicKey);
  let serial = 0n;
  const cert = (k: KeyPair, role: Role) =>
    toHex(
      encode(
        certificateCodec,
        issueCertificate(ca.secretKey, {
          chainId,
          serial: ++serial,
          subjectPublicKey: k.publicKey,
          subject: sha256(k.publicKey),
          role,
          notBeforeMs: BigInt(GENESIS_MS),
          notAfterMs: BigInt(GENESIS_MS) + 10n ** 12n,
        }),
      ),
    );
  const genesis = parseGenesis(
    formatGenesis({
      chainId,
      genesisTimeMs: GENESIS_MS,
      validators: [{ name: "h0", pubKey: hospital.publicKey, address: addr(hospital), power: 10n }],
      appState: {
        identity: {
          cas: [{ name: "ca", publicKey: toHex(ca.publicKey) }],
          certificates: [
            cert(hospital, "institution"),
            ...doctors.map((d) => cert(d, "doctor")),
            ...patients.map((p) => cert(p, "patient")),
          ],
        },
        coin: { denom: "MED", blockReward: "0" },
        // Penalties never suspend here, so every denial costs the same path.
        access: { maxPenalties: 1_000_000 },
      },
    }),
  );
  const store = new RecordingStore();
  const app = new Application({ store, ...defaultModules() }, { chainId });
  app.initChain({
    chainId,
    timeMs: genesis.genesisTimeMs,
    initialHeight: genesis.initialHeight,
    appStateBytes: genesis.appStateBytes,
    validators: genesis.validators,
  });

  let height = 0n;
  const timeAt = (h: bigint) => BigInt(GENESIS_MS) + h * 1000n;
  const nonces = new Map<string, bigint>();
  const env = (k: KeyPair) => {
    const h = toHex(k.publicKey);
    const nonce = nonces.get(h) ?? 0n;
    nonces.set(h, nonce + 1n);
    return { chainId, nonce, fee: 0n };
  };
  /** Runs one block; returns FinalizeBlock's wall and CPU time in µs. */
  async function block(txs: Uint8Array[], expect: string): Promise<{ us: number; cpuUs: number }> {
    height += 1n;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = app.finalizeBlock({
      txs,
      height,
      timeMs: timeAt(height),
      hash: sha256(Buffer.from(`block/${height}`)),
      proposerAddress: addr(hospital),
      misbehavior: [],
    });
    const us = (performance.now() - t0) * 1000;
    const cpu = process.cpuUsage(cpu0);
    await app.commit();
    for (const r of res.txResults) {
      if (r.errorCode !== "") throw new ConsortiaError(CommonErrors.INTERNAL, `${r.errorCode}: ${r.log}`);
      if (expect !== "" && !r.events.some((e) => e.attributes.some((a) => a.value === expect))) {
        throw new ConsortiaError(CommonErrors.INTERNAL, `expected an event with ${expect}`);
      }
    }
    return { us, cpuUs: cpu.user + cpu.system };
  }

  /**
   * One call per block. All N transactions are built and signed first (signing is the clients'
   * work, not the chain's); `make(i, h)` builds the call that will run at height h.
   */
  async function phase(
    call: string,
    paperGas: number | null,
    make: (i: number, h: bigint) => Uint8Array,
    expect = "",
  ) {
    const txs = Array.from({ length: N }, (_, i) => make(i, height + 1n + BigInt(i)));
    const us: number[] = [];
    const bytes: number[] = [];
    const moduleBytes: number[] = [];
    let cpuUs = 0;
    for (const tx of txs) {
      const b = await block([tx], expect);
      us.push(b.us);
      cpuUs += b.cpuUs;
      bytes.push(writeBytes(store.lastWrites, false));
      moduleBytes.push(writeBytes(store.lastWrites, true));
    }
    const sorted = [...us].sort((a, b) => a - b);
    const sortedBytes = [...bytes].sort((a, b) => a - b);
    return {
      call,
      paperGas,
      medianUs: percentile(sorted, 0.5),
      p90Us: percentile(sorted, 0.9),
      cpuUsPerCall: cpuUs / N,
      medianStateBytes: percentile(sortedBytes, 0.5),
      meanStateBytes: bytes.reduce((s, b) => s + b, 0) / N,
      medianModuleBytes: percentile(
        [...moduleBytes].sort((a, b) => a - b),
        0.5,
      ),
    };
  }

  const empty: number[] = [];
  for (let i = 0; i < 200; i++) empty.push((await block([], "")).us);
  const emptyMedian = percentile(
    [...empty].sort((a, b) => a - b),
    0.5,
  );

  const recordIds = patients.map((p) => sha256(p.publicKey));
  const grantTx = (i: number) =>
    buildGrant(patients[i]!.secretKey, env(patients[i]!), {
      recipient: addr(doctors[i]!),
      decision: "permit",
      purposes: ["TREAT"],
      recordIds: [],
      recordTypes: [],
      periodStartMs: BigInt(GENESIS_MS),
      periodEndMs: BigInt(GENESIS_MS) + 10n ** 10n,
    });
  const consentIds: Uint8Array[] = [];
  const retrieveTx = (requester: KeyPair, record: number, n: string, at: bigint) => {
    const request: RetrievalRequest = {
      chainId,
      requester: requester.publicKey,
      recordId: recordIds[record]!,
      holder: addr(hospital),
      purpose: "TREAT",
      nonce: sha256(Buffer.from(n)).slice(0, 16),
      timestampMs: timeAt(at),
    };
    const sig = signRetrievalRequest(requester.secretKey, request);
    return buildRetrieve(hospital.secretKey, env(hospital), request, sig);
  };

  const rows: Omit<AccessCostRow, "netMedianUs">[] = [];
  rows.push(
    await phase("records/put", null, (i) =>
      buildRecordPut(hospital.secretKey, env(hospital), {
        id: recordIds[i]!,
        cid: `bafkrei${i.toString(36)}`,
        patient: addr(patients[i]!),
        uploader: addr(patients[i]!),
        recordType: "fhir:Observation",
        size: 4096n,
      }),
    ),
  );
  rows.push(
    await phase("access/add-user (AddUser)", 34_603, (i) =>
      buildAddUser(hospital.secretKey, env(hospital), addr(doctors[i]!), "doctor"),
    ),
  );
  rows.push(
    await phase("access/grant (PolicyList)", 90_684, (i) => {
      const tx = grantTx(i);
      consentIds[i] = sha256(tx);
      return tx;
    }),
  );
  rows.push(
    await phase("access/revoke", null, (i) =>
      buildRevokeConsent(patients[i]!.secretKey, env(patients[i]!), consentIds[i]!),
    ),
  );
  // Not measured: fresh consents for the granted retrievals, many per block.
  for (let i = 0; i < N; i += 250) {
    await block(
      Array.from({ length: Math.min(250, N - i) }, (_, k) => grantTx(i + k)),
      "",
    );
  }
  rows.push(
    await phase(
      "access/retrieve granted (RetrieveEHRs)",
      862_409,
      (i, h) => retrieveTx(doctors[i]!, i, `g${i}`, h),
      "consent",
    ),
  );
  rows.push(
    await phase(
      "access/retrieve denied + penalty (Penalty)",
      573_783,
      (i, h) => retrieveTx(doctors[i]!, (i + 1) % N, `d${i}`, h),
      "no-consent",
    ),
  );
  rows.push(
    await phase("access/delete-user (DeleteUser)", 12_098, (i) =>
      buildDeleteUser(hospital.secretKey, env(hospital), addr(doctors[i]!)),
    ),
  );

  return {
    bench: "access-costs",
    calls: N,
    emptyBlockMedianUs: round(emptyMedian, 1),
    rows: rows.map((r) => ({
      ...r,
      medianUs: round(r.medianUs, 1),
      p90Us: round(r.p90Us, 1),
      netMedianUs: round(r.medianUs - emptyMedian, 1),
      cpuUsPerCall: round(r.cpuUsPerCall, 1),
      meanStateBytes: round(r.meanStateBytes, 1),
    })),
    node: process.version,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await runAccessCostBench();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
