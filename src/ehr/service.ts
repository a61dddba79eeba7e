/**
 * The health-record service of one institution node (BEdgeHealth's MEC server, the edge-cloud
 * paper's edge node): stores encrypted records in the node's content-addressed store, indexes
 * them on chain, and serves retrievals after the chain's access-control module has decided and
 * logged them (docs/records.md "Protocol"). Plaintext never reaches the chain or any disk; the
 * only plaintext this service ever sees is a FHIR record it validates in memory on upload.
 */
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { readNonce } from "../app/nonce.js";
import type { KvReader } from "../app/state.js";
import { addressFromPublicKey, type KeyPair, type RandomBytes } from "../crypto/ed25519.js";
import {
  decodeEnvelope,
  encodeWrappedKey,
  envelopeRecipients,
  openRecord,
  rewrapKey,
} from "../crypto/envelope.js";
import { bytesEqual, ownedBytes, sha256, toHex } from "../crypto/hash.js";
import type { X25519KeyPair } from "../crypto/hpke.js";
import type { CommittedTx, TxEngine } from "../engine/types.js";
import { asConsortiaError, ConsortiaError, errorCodeInfo, registeredErrorCodes } from "../errors.js";
import { verifyRetrievalRequest } from "../modules/access/request.js";
import { getProfile } from "../modules/access/state.js";
import { getIdentity } from "../modules/identity/state.js";
import { getRecord, type RecordEntry } from "../modules/records/state.js";
import type { ContentStore } from "../offchain/store.js";
import { buildRecordErase, buildRecordPut, buildRetrieve, buildSetProfile } from "../sdk/ehrTx.js";
import { buildWithMinimumFee } from "../sdk/send.js";
import type { TxEnvelope } from "../sdk/tx.js";
import { type Clock, systemClock } from "../util/clock.js";
import { EhrErrors } from "./errors.js";
import { parseFhir } from "./fhir.js";
import { encryptionKeyPairOf } from "./keys.js";
import {
  checkGrant,
  envelopeAad,
  issueGrant,
  openRequest,
  recipientIdOf,
  type SealedRequest,
  verifyErase,
  verifyUpload,
} from "./wire.js";

export interface EhrOptions {
  /** Largest envelope accepted for storage (ciphertext + wrapped keys). */
  readonly maxRecordBytes: number;
  /** Uploads and erasures signed further than this from the node's clock are refused. */
  readonly requestWindowMs: number;
  /** How long an operation waits for its transaction to commit. */
  readonly commitTimeoutMs: number;
  /** Lifetime of a gateway grant handed to an authorized requester. */
  readonly grantTtlMs: number;
}

export const defaultEhrOptions: EhrOptions = {
  maxRecordBytes: 64 * 1024 * 1024,
  requestWindowMs: 5 * 60_000,
  commitTimeoutMs: 30_000,
  grantTtlMs: 60_000,
};

export interface EhrServiceComponents {
  readonly node: {
    readonly chainId: string;
    readonly state: KvReader;
    readonly engine: Pick<TxEngine, "submit" | "waitForCommit">;
    /** Minimum fee rule of the chain's params. */
    feeRule(): { base: bigint; perByte: bigint };
  };
  readonly content: ContentStore;
  /** The institution's account key: signs record index, retrieval and erasure transactions. */
  readonly institution: KeyPair;
  readonly clock?: Clock;
  readonly randomBytes?: RandomBytes;
}

export interface UploadInput {
  readonly envelope: Uint8Array;
  readonly patient: Uint8Array;
  readonly recordType: string;
  readonly uploaderKey: Uint8Array;
  readonly timestampMs: bigint;
  readonly signature: Uint8Array;
}

export interface UploadResult {
  readonly id: string;
  readonly cid: string;
  readonly size: number;
  readonly height: bigint;
  readonly tx: string;
}

export interface RetrievalResult {
  readonly recordId: string;
  readonly cid: string;
  readonly recordType: string;
  readonly patient: string;
  readonly holder: string;
  /** The data key wrapped for the requester's published X25519 key (envelope WrappedKey, hex). */
  readonly wrappedKey: string;
  /** Capability for GET /ipfs/{cid} on this node's trustless gateway. */
  readonly grant: string;
  readonly logSeq: string;
  readonly height: bigint;
  readonly tx: string;
}

export interface EraseInput {
  readonly recordId: Uint8Array;
  readonly requesterKey: Uint8Array;
  readonly timestampMs: bigint;
  readonly signature: Uint8Array;
}

export interface EhrService {
  readonly address: Uint8Array;
  readonly encryptionPublicKey: Uint8Array;
  /**
   * Publishes this node's encryption key and endpoint on chain unless already there; false when
   * the node's account is not a record-holding institution.
   */
  ensureProfile(endpoint: string): Promise<boolean>;
  upload(input: UploadInput): Promise<UploadResult>;
  retrieve(sealed: SealedRequest): Promise<RetrievalResult>;
  erase(input: EraseInput): Promise<{ recordId: string; height: bigint; tx: string }>;
  /** The gateway's authorize hook: throws EHR_BAD_GRANT unless `token` grants `cid` now. */
  authorizeGateway(token: string | undefined, cid: string): void;
  /** Called by the gateway when a block fails its CID check: the holder's copy is corrupt. */
  reportCorruption(cid: string, reason: string): void;
  readonly corruptions: readonly { readonly cid: string; readonly reason: string; readonly atMs: number }[];
}

export function createEhrService(c: EhrServiceComponents, opts: Partial<EhrOptions> = {}): EhrService {
  const o = { ...defaultEhrOptions, ...opts };
  const clock = c.clock ?? systemClock;
  const random = c.randomBytes ?? ((n: number) => ownedBytes(nodeRandomBytes(n)));
  const me = addressFromPublicKey(c.institution.publicKey);
  const myId = recipientIdOf(me);
  const enc: X25519KeyPair = encryptionKeyPairOf(c.institution.secretKey);
  // Grants are only honoured by the process that issued them; a restart simply invalidates them.
  const grantKey = random(32);
  const corruptions: { cid: string; reason: string; atMs: number }[] = [];
  let nextNonce = 0n;
  let lock: Promise<unknown> = Promise.resolve();

  /** Nonce order needs one admission at a time; waiting for the commit happens outside the lock. */
  const submitOwn = async (build: (env: TxEnvelope) => Uint8Array): Promise<CommittedTx> => {
    const admit = async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const committed = readNonce(c.node.state, me);
        const nonce = nextNonce > committed ? nextNonce : committed;
        const { raw } = buildWithMinimumFee(build, { chainId: c.node.chainId, nonce }, c.node.feeRule());
        const res = await c.node.engine.submit(raw);
        if (res.code === 0) {
          nextNonce = nonce + 1n;
          return res.hash;
        }
        // Our own view of the nonce was stale (a restart, a tx evicted): start again from the chain.
        if (res.errorCode === "TX_BAD_NONCE") {
          nextNonce = 0n;
          await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
          continue;
        }
        throw txError(res.errorCode, res.log);
      }
      throw new ConsortiaError(EhrErrors.EHR_TX_FAILED, "could not agree on a nonce with the mempool", {});
    };
    const admitted = lock.then(admit, admit);
    lock = admitted.catch(() => undefined);
    const hash = await admitted;
    const tx = await c.node.engine.waitForCommit(hash, o.commitTimeoutMs);
    if (tx.result.code !== 0) throw txError(tx.result.errorCode, tx.result.log);
    return tx;
  };

  const fresh = (timestampMs: bigint, what: string) => {
    const now = BigInt(clock.now());
    const window = BigInt(o.requestWindowMs);
    if (timestampMs < now - window || timestampMs > now + window) {
      throw new ConsortiaError(
        EhrErrors.EHR_REQUEST_EXPIRED,
        `${what} timestamp ${timestampMs} is more than ${o.requestWindowMs} ms from now`,
      );
    }
  };

  const recordOrThrow = (id: Uint8Array): RecordEntry => {
    const r = getRecord(c.node.state, id);
    if (!r) throw new ConsortiaError(EhrErrors.EHR_UNKNOWN_RECORD, `no record ${toHex(id)} on chain`);
    if (!bytesEqual(r.holder, me)) {
      throw new ConsortiaError(
        EhrErrors.EHR_NOT_HOLDER,
        `record ${toHex(id)} is held by ${toHex(r.holder)}`,
        {
          holder: toHex(r.holder),
        },
      );
    }
    return r;
  };

  /** The stored envelope, re-hashed block by block (content store) and as a whole (on-chain hash). */
  const readVerified = async (r: RecordEntry): Promise<Uint8Array> => {
    let bytes: Uint8Array;
    try {
      bytes = await c.content.cat(r.cid, { maxBytes: o.maxRecordBytes });
    } catch (err) {
      const e = asConsortiaError(err);
      if (e.code === "OFFCHAIN_HASH_MISMATCH") {
        service.reportCorruption(r.cid, e.message);
        throw new ConsortiaError(
          EhrErrors.EHR_TAMPERED,
          `stored copy of ${toHex(r.id)} fails its CID check`,
          {
            recordId: toHex(r.id),
          },
        );
      }
      throw e;
    }
    if (!bytesEqual(sha256(bytes), r.id)) {
      service.reportCorruption(r.cid, "content hash differs from the on-chain record id");
      throw new ConsortiaError(
        EhrErrors.EHR_TAMPERED,
        `stored copy of ${toHex(r.id)} differs from its on-chain hash`,
        {
          recordId: toHex(r.id),
        },
      );
    }
    return bytes;
  };

  const service: EhrService = {
    address: me,
    encryptionPublicKey: enc.publicKey,
    corruptions,

    async ensureProfile(endpoint) {
      // Only institutions hold records (an energy network's aggregators run no record service).
      const role = getIdentity(c.node.state, me)?.role;
      if (role !== "institution" && role !== "storage") return false;
      const p = getProfile(c.node.state, me);
      if (p && bytesEqual(p.encryptionKey, enc.publicKey) && p.endpoint === endpoint) return true;
      await submitOwn((env) => buildSetProfile(c.institution.secretKey, env, enc.publicKey, endpoint));
      return true;
    },

    async upload(u) {
      if (u.envelope.length > o.maxRecordBytes) {
        throw new ConsortiaError(
          EhrErrors.EHR_TOO_LARGE,
          `record of ${u.envelope.length} bytes exceeds ${o.maxRecordBytes}`,
          {
            max: o.maxRecordBytes,
          },
        );
      }
      fresh(u.timestampMs, "upload");
      const id = sha256(u.envelope);
      const auth = {
        chainId: c.node.chainId,
        contentHash: id,
        patient: u.patient,
        holder: me,
        recordType: u.recordType,
        timestampMs: u.timestampMs,
      };
      if (!verifyUpload(u.uploaderKey, auth, u.signature)) {
        throw new ConsortiaError(
          EhrErrors.EHR_BAD_SIGNATURE,
          "upload signature does not verify for this holder",
        );
      }
      let env: ReturnType<typeof decodeEnvelope>;
      try {
        env = decodeEnvelope(u.envelope);
      } catch (err) {
        throw new ConsortiaError(
          EhrErrors.EHR_BAD_ENVELOPE,
          `envelope does not decode: ${asConsortiaError(err).message}`,
        );
      }
      const ids = envelopeRecipients(env);
      if (!ids.includes(myId) || !ids.includes(recipientIdOf(u.patient))) {
        throw new ConsortiaError(
          EhrErrors.EHR_BAD_ENVELOPE,
          "the data key must be wrapped for the patient and for this holder",
          { recipients: ids },
        );
      }
      // The holder can open what it must be able to re-wrap; for FHIR it also checks the content.
      let plaintext: Uint8Array;
      try {
        plaintext = openRecord(env, myId, enc.secretKey, envelopeAad(u.patient, u.recordType));
      } catch (err) {
        throw new ConsortiaError(
          EhrErrors.EHR_BAD_ENVELOPE,
          `this holder cannot open the envelope (wrong key, patient or record type): ${asConsortiaError(err).code}`,
        );
      }
      try {
        if (u.recordType.startsWith("fhir:")) {
          const fhir = parseFhir(plaintext);
          if (`fhir:${fhir.resourceType}` !== u.recordType) {
            throw new ConsortiaError(
              EhrErrors.EHR_FHIR_INVALID,
              `record type ${u.recordType} but the resource is a ${fhir.resourceType}`,
            );
          }
        }
      } finally {
        plaintext.fill(0);
      }
      const added = await c.content.add(u.envelope, { maxBytes: o.maxRecordBytes });
      const cid = added.cid.toString();
      try {
        const tx = await submitOwn((e) =>
          buildRecordPut(c.institution.secretKey, e, {
            id,
            cid,
            patient: u.patient,
            uploader: addressFromPublicKey(u.uploaderKey),
            recordType: u.recordType,
            size: BigInt(u.envelope.length),
          }),
        );
        return { id: toHex(id), cid, size: u.envelope.length, height: tx.height, tx: tx.hash };
      } catch (err) {
        // Nothing half-way: a record the chain did not index does not stay on this disk, unless
        // the same bytes were already indexed here before (then they are still referenced).
        if (!getRecord(c.node.state, id)) await c.content.remove(cid).catch(() => undefined);
        throw err;
      }
    },

    async retrieve(sealed) {
      const { request, signature } = openRequest(sealed, enc.secretKey, me);
      if (request.chainId !== c.node.chainId || !bytesEqual(request.holder, me)) {
        throw new ConsortiaError(EhrErrors.EHR_BAD_REQUEST, "the request names another chain or holder");
      }
      if (!verifyRetrievalRequest(request, signature)) {
        throw new ConsortiaError(EhrErrors.EHR_BAD_SIGNATURE, "retrieval request signature does not verify");
      }
      const record = recordOrThrow(request.recordId);
      const requester = addressFromPublicKey(request.requester);
      // The chain decides and logs (granted or denied, with penalties) before anything is served.
      const tx = await submitOwn((env) =>
        buildRetrieve(c.institution.secretKey, env, { ...request }, signature),
      );
      const ev = tx.result.events.find((e) => e.type === "access.retrieve");
      const attr = (k: string) => ev?.attributes.find((a) => a.key === k)?.value ?? "";
      const outcome = attr("outcome");
      const reason = attr("reason");
      const logSeq = attr("seq");
      if (outcome !== "granted") {
        if (reason === "erased") {
          throw new ConsortiaError(EhrErrors.EHR_ERASED, `record ${toHex(record.id)} was erased`, { logSeq });
        }
        throw new ConsortiaError(EhrErrors.EHR_DENIED, `access denied: ${reason || "unknown"}`, {
          reason,
          logSeq,
          height: tx.height.toString(),
        });
      }
      const envelope = await readVerified(record);
      const profile = getProfile(c.node.state, requester);
      if (!profile) {
        throw new ConsortiaError(
          EhrErrors.EHR_NO_PROFILE,
          `requester ${toHex(requester)} has published no encryption key`,
        );
      }
      const wrapped = rewrapKey(envelope, myId, enc.secretKey, {
        id: recipientIdOf(requester),
        x25519PublicKey: profile.encryptionKey,
      });
      return {
        recordId: toHex(record.id),
        cid: record.cid,
        recordType: record.recordType,
        patient: toHex(record.patient),
        holder: toHex(me),
        wrappedKey: toHex(encodeWrappedKey(wrapped)),
        grant: issueGrant(grantKey, record.cid, requester, clock.now() + o.grantTtlMs),
        logSeq,
        height: tx.height,
        tx: tx.hash,
      };
    },

    async erase(e) {
      fresh(e.timestampMs, "erasure");
      const record = recordOrThrow(e.recordId);
      const requester = addressFromPublicKey(e.requesterKey);
      if (!bytesEqual(requester, record.patient)) {
        throw new ConsortiaError(EhrErrors.EHR_DENIED, "only the patient may ask for erasure", {
          reason: "not-patient",
        });
      }
      const auth = { chainId: c.node.chainId, recordId: e.recordId, holder: me, timestampMs: e.timestampMs };
      if (!verifyErase(e.requesterKey, auth, e.signature)) {
        throw new ConsortiaError(EhrErrors.EHR_BAD_SIGNATURE, "erasure signature does not verify");
      }
      if (record.erased)
        throw new ConsortiaError(EhrErrors.EHR_ERASED, `record ${toHex(record.id)} is already erased`);
      // Ciphertext (and with it every wrapped key, ours included) leaves the disk first; the
      // on-chain mark follows, so a crash in between leaves an unreadable record, never a readable one.
      await c.content.remove(record.cid);
      const tx = await submitOwn((env) =>
        buildRecordErase(c.institution.secretKey, env, record.id, "erasure requested by the patient"),
      );
      return { recordId: toHex(record.id), height: tx.height, tx: tx.hash };
    },

    authorizeGateway(token, cid) {
      if (token === undefined) {
        throw new ConsortiaError(
          EhrErrors.EHR_BAD_GRANT,
          "a retrieval grant is required (Authorization: Bearer <grant>)",
        );
      }
      checkGrant(grantKey, token, cid, clock.now());
    },

    reportCorruption(cid, reason) {
      corruptions.push({ cid, reason, atMs: clock.now() });
      if (corruptions.length > 1000) corruptions.shift();
      process.stderr.write(`ehr: stored copy of ${cid} is corrupt (${reason}); not served\n`);
    },
  };
  return service;
}

/** A failed transaction keeps the module's own stable code when it is a registered one. */
function txError(code: string, log: string): ConsortiaError {
  const known = code !== "" && registeredErrorCodes().some(([k]) => k === code);
  if (known && errorCodeInfo(code).http < 500) return new ConsortiaError(code, log, {});
  return new ConsortiaError(EhrErrors.EHR_TX_FAILED, `transaction failed: ${code} ${log}`, { code });
}
