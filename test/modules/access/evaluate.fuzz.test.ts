import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { keyPairFromSeed } from "../../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import { evaluateAccess } from "../../../src/modules/access/evaluate.js";
import { PENALIZED, type Purpose, type Reason } from "../../../src/modules/access/policy.js";
import type { Role } from "../../../src/modules/identity/certificate.js";
import { getRecord } from "../../../src/modules/records/state.js";
import { type Actor, EhrHarness } from "../records/harness.js";

/**
 * evaluateAccess on state built by random transactions (add/delete users, grants, revokes,
 * erasures, identity revocations, retrievals, clock jumps) against a brute-force reference that
 * scans a plain model of everything that happened — every consent ever granted, every affiliation
 * — instead of the module's live lists and indexes. Also checks each transaction's success
 * against the model and every retrieval's logged outcome against the reference.
 */

const INSTITUTIONS = ["i0", "i1", "i2"];
const USERS: [string, Role][] = [
  ["u0", "doctor"],
  ["u1", "doctor"],
  ["u2", "researcher"],
  ["u3", "insurer"],
];
const PATIENTS = ["p0", "p1"];
const TYPES = ["fhir:Observation", "fhir:Condition", "binary:application/pdf"];
const MAX_PENALTIES = 4;
const MAX_CONSENTS = 2;

interface ModelConsent {
  id: string;
  patient: string;
  recipient: string;
  decision: "permit" | "deny";
  purposes: Set<Purpose>;
  ids: Set<string>;
  types: Set<string>;
  start: bigint;
  end: bigint;
  revoked: boolean;
}
interface ModelRecord {
  id: string;
  patient: string;
  holder: string;
  type: string;
  erased: boolean;
}

class Model {
  revoked = new Set<string>();
  aff = new Map<string, boolean>(); // "inst/user" → active
  deleted = new Set<string>();
  penalties = new Map<string, number>();
  consents: ModelConsent[] = [];
  records: ModelRecord[] = [];

  valid(a: string): boolean {
    return !this.revoked.has(a);
  }

  affiliated(user: string): boolean {
    for (const [k, active] of this.aff) {
      const [inst, u] = k.split("/") as [string, string];
      if (u === user && active && this.valid(inst)) return true;
    }
    return false;
  }

  reference(t: bigint, req: string, registered: boolean, rec: ModelRecord, purpose: Purpose): Reason {
    if (!registered || !this.valid(req)) return "identity-invalid";
    if ((this.penalties.get(req) ?? 0) >= MAX_PENALTIES) return "suspended";
    if (rec.erased) return "erased";
    if (req === rec.patient) return "owner";
    if (!this.affiliated(req)) return this.deleted.has(req) ? "user-deleted" : "not-affiliated";
    const matching = this.consents.filter(
      (c) =>
        c.patient === rec.patient &&
        !c.revoked &&
        c.recipient === req &&
        c.purposes.has(purpose) &&
        c.start <= t &&
        t < c.end &&
        ((c.ids.size === 0 && c.types.size === 0) || c.ids.has(rec.id) || c.types.has(rec.type)),
    );
    if (matching.some((c) => c.decision === "deny")) return "consent-deny";
    if (matching.some((c) => c.decision === "permit")) return "consent";
    return "no-consent";
  }

  liveCount(patient: string, t: bigint): number {
    return this.consents.filter((c) => c.patient === patient && !c.revoked && c.end > t).length;
  }
}

type Op =
  | { kind: "add"; inst: number; user: number }
  | { kind: "delete"; inst: number; user: number }
  | {
      kind: "grant";
      patient: number;
      recipient: number;
      deny: boolean;
      purposes: Purpose[];
      ids: number[];
      types: number[];
      startBlocks: number;
      lengthBlocks: number;
    }
  | { kind: "revoke"; patient: number; which: number }
  | { kind: "erase"; record: number }
  | { kind: "revokeIdentity"; who: number }
  | { kind: "retrieve"; requester: number; record: number; purpose: Purpose }
  | { kind: "blocks"; n: number };

const purposeArb = fc.constantFrom<Purpose>("TREAT", "HRESCH");
/** Mostly the two doctors grants usually name; sometimes anybody, including the unregistered key. */
const requesterArb = fc.oneof(
  { arbitrary: fc.nat(1), weight: 4 },
  { arbitrary: fc.nat(USERS.length + PATIENTS.length), weight: 2 },
);
const recordArb = fc.nat(3);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant("add" as const), inst: fc.nat(2), user: fc.nat(3) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("delete" as const), inst: fc.nat(2), user: fc.nat(3) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("grant" as const),
      patient: fc.nat(PATIENTS.length - 1),
      // USERS.length stands for an address that never registered.
      recipient: fc.oneof(
        { arbitrary: fc.nat(1), weight: 6 },
        { arbitrary: fc.nat(USERS.length), weight: 1 },
      ),
      deny: fc.boolean(),
      purposes: fc.uniqueArray(purposeArb, { minLength: 1, maxLength: 2 }),
      ids: fc.uniqueArray(fc.nat(3), { maxLength: 2 }),
      types: fc.uniqueArray(fc.nat(2), { maxLength: 2 }),
      startBlocks: fc.integer({ min: -4, max: 3 }),
      lengthBlocks: fc.integer({ min: 1, max: 6 }),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("revoke" as const),
      patient: fc.nat(PATIENTS.length - 1),
      which: fc.nat(7),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant("erase" as const), record: recordArb }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant("revokeIdentity" as const), who: fc.nat(3) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("retrieve" as const),
      requester: requesterArb,
      record: recordArb,
      purpose: purposeArb,
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("blocks" as const), n: fc.integer({ min: 1, max: 4 }) }),
    weight: 2,
  },
);

const queryArb = fc.record({ requester: requesterArb, record: recordArb, purpose: purposeArb });

test("evaluateAccess equals a brute-force reference over the history (seeded)", () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { minLength: 5, maxLength: 45, size: "max" }),
      fc.array(queryArb, { minLength: 8, maxLength: 8 }),
      (ops, queries) => {
        const h = new EhrHarness({
          access: { maxPenalties: MAX_PENALTIES, maxConsentsPerPatient: MAX_CONSENTS },
        });
        const m = new Model();
        const inst = INSTITUTIONS.map((l) => h.actor(l, "institution"));
        const users = USERS.map(([l, r]) => h.actor(l, r));
        const pats = PATIENTS.map((l) => h.actor(l, "patient"));
        const ghost: Actor = {
          label: "ghost",
          role: "doctor",
          keys: keyPairFromSeed(sha256(Buffer.from("ghost"))),
          address: sha256(Buffer.from("ghost-address")).slice(0, 20),
          hex: "",
        };
        // Requesters: users, patients, and one key that never registered.
        const requesters = [...users, ...pats, ghost];
        for (let i = 0; i < 4; i++) {
          const holder = inst[i % 2]!;
          const patient = pats[i >> 1]!;
          const type = TYPES[i % 3]!;
          const r = h.put(holder, patient, { recordType: type });
          assert.equal(r.code, "");
          m.records.push({ id: toHex(r.id), patient: patient.hex, holder: holder.hex, type, erased: false });
        }
        // Every user starts at one of the two holding institutions; ops then churn affiliations.
        users.forEach((u, i) => {
          const at = inst[i % 2]!;
          assert.equal(h.addUser(at, u).code, "");
          m.aff.set(`${at.hex}/${u.hex}`, true);
        });
        const recordOf = (i: number) => m.records[i % m.records.length]!;
        const actorByHex = (hex: string) => [...inst, ...users, ...pats].find((a) => a.hex === hex)!;

        const check = (): void => {
          const t = h.now;
          for (const q of queries) {
            const req = requesters[q.requester % requesters.length]!;
            const rec = recordOf(q.record);
            const registered = req !== ghost;
            const addr = registered ? req.address : addressOfGhost(ghost);
            const stored = getRecord(h.mem, Buffer.from(rec.id, "hex"))!;
            const got = evaluateAccess(h.mem, t, addr, stored, q.purpose);
            const want = m.reference(t, registered ? req.hex : "ghost", registered, rec, q.purpose);
            assert.equal(got.reason, want, `${req.label} → ${rec.id.slice(0, 8)} ${q.purpose} at ${t}`);
            assert.equal(got.outcome, want === "owner" || want === "consent" ? "granted" : "denied");
          }
        };

        for (const op of ops) {
          const t = h.timeAt(h.height + 1n); // time of the block the op's transaction lands in
          switch (op.kind) {
            case "add": {
              const i = inst[op.inst]!;
              const u = users[op.user]!;
              const key = `${i.hex}/${u.hex}`;
              const ok = m.valid(i.hex) && m.valid(u.hex) && m.aff.get(key) !== true;
              assert.equal(h.addUser(i, u).code === "", ok, `add ${i.label} ${u.label}`);
              if (ok) m.aff.set(key, true);
              break;
            }
            case "delete": {
              const i = inst[op.inst]!;
              const u = users[op.user]!;
              const key = `${i.hex}/${u.hex}`;
              const ok = m.valid(i.hex) && m.aff.get(key) === true;
              assert.equal(h.tx(i, "access/delete-user", { user: u.address }).code === "", ok);
              if (ok) {
                m.aff.set(key, false);
                m.deleted.add(u.hex);
              }
              break;
            }
            case "grant": {
              const p = pats[op.patient]!;
              const recipient = op.recipient < users.length ? users[op.recipient]! : ghost;
              const own = m.records.filter((r) => r.patient === p.hex);
              const ids = op.ids.map((i) => own[i % Math.max(own.length, 1)]).filter((r) => r !== undefined);
              const idSet = new Set(ids.map((r) => r.id));
              const start = t + BigInt(op.startBlocks) * 1000n;
              const end = start + BigInt(op.lengthBlocks) * 1000n;
              const r = h.grant(p, recipient, {
                decision: op.deny ? "deny" : "permit",
                purposes: op.purposes,
                recordIds: [...idSet].map((x) => Buffer.from(x, "hex")),
                recordTypes: [...new Set(op.types.map((i) => TYPES[i]!))],
                startMs: start < 0n ? 0n : start,
                endMs: end,
              });
              const ok =
                m.valid(p.hex) &&
                recipient !== ghost &&
                m.valid(recipient.hex) &&
                end > t &&
                m.liveCount(p.hex, t) < MAX_CONSENTS;
              assert.equal(r.code === "", ok, `grant: ${r.code}`);
              if (ok) {
                m.consents.push({
                  id: toHex(r.txHash),
                  patient: p.hex,
                  recipient: recipient.hex,
                  decision: op.deny ? "deny" : "permit",
                  purposes: new Set(op.purposes),
                  ids: idSet,
                  types: new Set(op.types.map((i) => TYPES[i]!)),
                  start: start < 0n ? 0n : start,
                  end,
                  revoked: false,
                });
              }
              break;
            }
            case "revoke": {
              const p = pats[op.patient]!;
              const mine = m.consents.filter((c) => c.patient === p.hex);
              const c = mine[op.which % Math.max(mine.length, 1)];
              if (!c) break;
              const ok = m.valid(p.hex) && !c.revoked;
              assert.equal(h.tx(p, "access/revoke", { consentId: Buffer.from(c.id, "hex") }).code === "", ok);
              if (ok) c.revoked = true;
              break;
            }
            case "erase": {
              const rec = recordOf(op.record);
              const holder = actorByHex(rec.holder);
              const ok = m.valid(holder.hex) && !rec.erased;
              const code = h.tx(holder, "records/erase", { id: Buffer.from(rec.id, "hex"), reason: "" }).code;
              assert.equal(code === "", ok);
              if (ok) rec.erased = true;
              break;
            }
            case "revokeIdentity": {
              // Institution i2 (holds nothing), users u0..u2: holders stay able to submit.
              const who = [inst[2]!, users[0]!, users[1]!, users[2]!][op.who % 4]!;
              if (m.valid(who.hex)) {
                h.revoke(who);
                m.revoked.add(who.hex);
              }
              break;
            }
            case "retrieve": {
              const rec = recordOf(op.record);
              const req = requesters[op.requester % requesters.length]!;
              const registered = req !== ghost;
              const holder = actorByHex(rec.holder);
              const want = m.reference(t, registered ? req.hex : "ghost", registered, rec, op.purpose);
              const r = h.retrieve(holder, req, Buffer.from(rec.id, "hex"), op.purpose);
              assert.equal(r.code, "");
              assert.equal(r.events[0]?.attrs.reason, want, `retrieve by ${req.label}`);
              if (PENALIZED.has(want)) {
                const k = registered ? req.hex : "ghost";
                m.penalties.set(k, (m.penalties.get(k) ?? 0) + 1);
              }
              break;
            }
            case "blocks":
              for (let i = 0; i < op.n; i++) h.step();
              break;
          }
          check();
        }
      },
    ),
    { seed: 4_343, numRuns: 250 },
  );
});

function addressOfGhost(ghost: Actor): Uint8Array {
  // The ghost signs with its key; its address is derived from that key, as the module does.
  return sha256(ghost.keys.publicKey).slice(0, 20);
}
