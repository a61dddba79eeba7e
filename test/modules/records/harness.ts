import { MemoryKv, StateOverlay } from "../../../src/app/state.js";
import type { AnyMessageHandler, BlockInfo, Module, TxContext } from "../../../src/app/types.js";
import { addressFromPublicKey, type KeyPair, keyPairFromSeed } from "../../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import { asConsortiaError, ConsortiaError } from "../../../src/errors.js";
import { accessModule } from "../../../src/modules/access/module.js";
import { type AccessGenesisInput, accessGenesisSchema } from "../../../src/modules/access/params.js";
import type { Purpose } from "../../../src/modules/access/policy.js";
import { type RetrievalRequest, signRetrievalRequest } from "../../../src/modules/access/request.js";
import type { Role } from "../../../src/modules/identity/certificate.js";
import {
  encodeIdentity,
  getIdentity,
  identityKey,
  requireActiveIdentity,
} from "../../../src/modules/identity/state.js";
import { recordsModule } from "../../../src/modules/records/module.js";
import { type RecordsGenesisInput, recordsGenesisSchema } from "../../../src/modules/records/params.js";

export const T0 = 1_790_000_000_000n;
export const CHAIN = "ehr-test-1";
export const BLOCK_MS = 1000n;

export interface Actor {
  readonly label: string;
  readonly role: Role;
  readonly keys: KeyPair;
  readonly address: Uint8Array;
  readonly hex: string;
}

export interface TxResult {
  readonly code: string;
  readonly message: string;
  readonly txHash: Uint8Array;
  readonly events: { type: string; attrs: Readonly<Record<string, string>> }[];
}

const MODULES: readonly Module[] = [recordsModule as Module, accessModule as Module];
const HANDLERS = new Map<string, AnyMessageHandler>(
  MODULES.flatMap((m) => m.messages.map((h) => [h.type, h] as const)),
);

/** Work limit per transaction, as AppParams.maxWorkPerTx by default. */
const MAX_WORK = 1_000_000;

/**
 * The records and access modules on an in-memory store with identity records written directly,
 * driven the way Application drives them: BeginBlock, then transactions (validate, identity ante,
 * execute, atomic with work metering), then commit. Block time = T0 + height·1 s + `skewMs`.
 */
export class EhrHarness {
  readonly mem = new MemoryKv();
  height = 0n;
  /** Extra time added to every block from now on (to jump the clock). */
  skewMs = 0n;
  private blockState: StateOverlay | undefined;
  private txCounter = 0;
  readonly actors = new Map<string, Actor>();

  constructor(opts: { records?: RecordsGenesisInput; access?: AccessGenesisInput } = {}) {
    recordsModule.initGenesis(this.mem, recordsGenesisSchema.parse(opts.records ?? {}), this.block());
    accessModule.initGenesis(this.mem, accessGenesisSchema.parse(opts.access ?? {}), this.block());
  }

  /** A registered identity with a deterministic key per label. */
  actor(label: string, role: Role, notAfterMs = T0 + 10n ** 12n): Actor {
    const existing = this.actors.get(label);
    if (existing) return existing;
    const keys = keyPairFromSeed(sha256(Buffer.from(`ehr/${label}`)));
    const address = addressFromPublicKey(keys.publicKey);
    const a: Actor = { label, role, keys, address, hex: toHex(address) };
    this.actors.set(label, a);
    this.writeIdentity(address, keys.publicKey, role, notAfterMs, false);
    return a;
  }

  writeIdentity(
    address: Uint8Array,
    publicKey: Uint8Array,
    role: Role,
    notAfterMs: bigint,
    revoked: boolean,
  ) {
    this.mem.set(
      identityKey(address),
      encodeIdentity({
        role,
        subject: sha256(address),
        caPublicKey: new Uint8Array(32),
        publicKey,
        serial: BigInt(this.actors.size),
        notAfterMs,
        registeredHeight: 0n,
        revoked,
        revokedHeight: revoked ? this.height : 0n,
      }),
    );
  }

  /** The CA revokes `a` (between blocks). */
  revoke(a: Actor): void {
    const r = getIdentity(this.mem, a.address);
    if (!r) throw new ConsortiaError("NOT_FOUND", `no identity ${a.label}`);
    this.writeIdentity(a.address, a.keys.publicKey, a.role, r.notAfterMs, true);
  }

  block(): BlockInfo {
    return {
      chainId: CHAIN,
      height: this.height,
      timeMs: this.timeAt(this.height),
      proposer: new Uint8Array(20),
    };
  }

  timeAt(height: bigint): bigint {
    return T0 + height * BLOCK_MS + this.skewMs;
  }

  /** Time of the last committed block (what queries and the serving node see). */
  get now(): bigint {
    return this.timeAt(this.height);
  }

  begin(): void {
    this.height += 1n;
    this.blockState = new StateOverlay(this.mem);
    for (const m of MODULES) {
      m.beginBlock?.({
        state: this.blockState,
        block: this.block(),
        misbehavior: [],
        txCount: 0,
        emit: () => {},
      });
    }
  }

  /** Commits the open block; returns its write set (for byte counts). */
  end(): ReadonlyMap<string, Uint8Array | null> {
    const state = this.blockState;
    if (!state) throw new ConsortiaError("INTERNAL", "no open block");
    const writes = state.pending();
    this.mem.apply(writes);
    this.blockState = undefined;
    return writes;
  }

  /** An empty block. */
  step(): void {
    this.begin();
    this.end();
  }

  /** One transaction in the open block, or in a fresh one-transaction block. */
  tx(sender: Actor | Uint8Array, type: string, msg: unknown): TxResult {
    const own = this.blockState === undefined;
    if (own) this.begin();
    const state = this.blockState!;
    const from = sender instanceof Uint8Array ? sender : sender.address;
    const txHash = sha256(Buffer.from(`tx/${this.txCounter++}`));
    const events: TxResult["events"] = [];
    const cp = state.checkpoint();
    let used = 0;
    try {
      const h = HANDLERS.get(type);
      if (!h) throw new ConsortiaError("INTERNAL", `no handler ${type}`);
      used = h.baseWork;
      h.validate(msg);
      if (h.requiresIdentity) requireActiveIdentity(state, from, this.block().timeMs);
      const ctx: TxContext = {
        state,
        block: this.block(),
        sender: from,
        senderHex: toHex(from),
        publicKey: new Uint8Array(32),
        txHash,
        fee: 0n,
        emit: (t, attrs) => events.push({ type: t, attrs }),
        work: (units) => {
          used += units;
          if (used > MAX_WORK) throw new ConsortiaError("TX_WORK_EXCEEDED", `work ${used}`);
        },
      };
      h.execute(ctx, msg);
      state.accept(cp);
    } catch (err) {
      state.revert(cp);
      if (own) this.end();
      const e = asConsortiaError(err);
      if (e.code === "INTERNAL") throw err;
      return { code: e.code, message: e.message, txHash, events: [] };
    }
    if (own) this.end();
    return { code: "", message: "", txHash, events };
  }

  /** Query at the last committed block, with its time (as Application passes it). */
  query<T>(path: string, params: Record<string, string> = {}): T {
    const [name, ...rest] = path.split("/").filter((s) => s.length > 0);
    const m = MODULES.find((x) => x.name === name);
    if (!m?.query) throw new ConsortiaError("INTERNAL", `no module ${name}`);
    return m.query(rest, params, { state: this.mem, height: this.height, timeMs: this.now }) as T;
  }

  // ---- message helpers ---------------------------------------------------------------------

  put(
    holder: Actor,
    patient: Actor,
    opts: { id?: Uint8Array; uploader?: Actor; recordType?: string; size?: bigint; cid?: string } = {},
  ): TxResult & { id: Uint8Array } {
    const id = opts.id ?? sha256(Buffer.from(`record/${this.txCounter}`));
    const r = this.tx(holder, "records/put", {
      id,
      cid: opts.cid ?? "bafkreigh2akiscaildc",
      patient: patient.address,
      uploader: (opts.uploader ?? patient).address,
      recordType: opts.recordType ?? "fhir:Observation",
      size: opts.size ?? 1024n,
    });
    return { ...r, id };
  }

  addUser(inst: Actor, user: Actor, role: Role = user.role): TxResult {
    return this.tx(inst, "access/add-user", { user: user.address, role });
  }

  grant(
    patient: Actor,
    recipient: Actor,
    opts: {
      decision?: "permit" | "deny";
      purposes?: Purpose[];
      recordIds?: Uint8Array[];
      recordTypes?: string[];
      startMs?: bigint;
      endMs?: bigint;
    } = {},
  ): TxResult {
    return this.tx(patient, "access/grant", {
      recipient: recipient.address,
      decision: opts.decision ?? "permit",
      purposes: opts.purposes ?? ["TREAT"],
      recordIds: opts.recordIds ?? [],
      recordTypes: opts.recordTypes ?? [],
      periodStartMs: opts.startMs ?? T0,
      periodEndMs: opts.endMs ?? T0 + 10n ** 9n,
    });
  }

  private nonceCounter = 0;

  /** A signed request from `requester` for `recordId` held by `holder`, stamped at block time. */
  request(
    requester: Actor,
    holder: Actor,
    recordId: Uint8Array,
    purpose: Purpose = "TREAT",
    over: Partial<RetrievalRequest> = {},
  ): { request: RetrievalRequest; signature: Uint8Array } {
    const request: RetrievalRequest = {
      chainId: CHAIN,
      requester: requester.keys.publicKey,
      recordId,
      holder: holder.address,
      purpose,
      nonce: sha256(Buffer.from(`nonce/${this.nonceCounter++}`)).slice(0, 16),
      timestampMs: this.timeAt(this.height + 1n),
      ...over,
    };
    return { request, signature: signRetrievalRequest(requester.keys.secretKey, request) };
  }

  retrieve(
    holder: Actor,
    requester: Actor,
    recordId: Uint8Array,
    purpose: Purpose = "TREAT",
    over: Partial<RetrievalRequest> = {},
  ): TxResult {
    return this.tx(holder, "access/retrieve", this.request(requester, holder, recordId, purpose, over));
  }

  /** All state keys with a prefix (the invariant checks scan the store; modules never do). */
  keys(prefix: string): string[] {
    return [...this.mem.map.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
