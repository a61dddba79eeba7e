import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { keyPairFromSeed } from "../../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import {
  bucketOf,
  NONCE_BUCKET_PREFIX,
  NONCE_PREFIX,
  NONCE_QUEUE_KEY,
} from "../../../src/modules/access/nonces.js";
import { PENALIZED, type Purpose, type Reason } from "../../../src/modules/access/policy.js";
import { signRetrievalRequest } from "../../../src/modules/access/request.js";
import {
  accessLogLength,
  getAccessLogEntry,
  getConsent,
  getLiveConsentIds,
  getPatientConsentIds,
  getPenalties,
  getUserStatus,
} from "../../../src/modules/access/state.js";
import { compareEntries, indexCount, indexPage } from "../../../src/modules/records/ordered.js";
import { holderIndex, patientIndex } from "../../../src/modules/records/state.js";
import { type Actor, EhrHarness } from "../records/harness.js";

/**
 * Random blocks of records/access transactions — valid and invalid retrievals (fresh, replayed,
 * stale, wrong holder, forged), puts with colliding ids, grants, revokes, affiliation churn —
 * under random windows and clock jumps. After every block:
 *   each patient's log is exactly the accepted retrievals of their records, seq 1..n, in order
 *     (a failed retrieval leaves no entry and no penalty);
 *   each requester's penalty count and log equal its penalised denials across all logs, and it is
 *     suspended (at the height of its maxPenalties-th penalty) iff the count reached maxPenalties;
 *   the nonce store holds exactly the accepted (key, nonce) pairs whose bucket is still open, and
 *     the bucket index and queue agree with it;
 *   record indexes hold each patient's / holder's records, strictly ordered by (height, id);
 *   live consents are unrevoked, include every unexpired unrevoked consent, and respect the limit.
 */

const MAX_PENALTIES = 3;
const MAX_CONSENTS = 3;

type Op =
  | { kind: "put"; holder: number; patient: number; seed: number }
  | { kind: "fresh"; requester: number; record: number; purpose: Purpose }
  | { kind: "replay"; which: number }
  | { kind: "stale"; requester: number; record: number; lateBy: number }
  | { kind: "wrongHolder"; requester: number; record: number }
  | { kind: "forged"; requester: number; record: number }
  | { kind: "grant"; patient: number; recipient: number; deny: boolean; blocks: number }
  | { kind: "revoke"; patient: number; which: number }
  | { kind: "affiliate"; inst: number; user: number; add: boolean };

const purposeArb = fc.constantFrom<Purpose>("TREAT", "HRESCH");
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("put" as const),
      holder: fc.nat(1),
      patient: fc.nat(2),
      seed: fc.nat(30),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("fresh" as const),
      requester: fc.nat(5),
      record: fc.nat(40),
      purpose: purposeArb,
    }),
    weight: 8,
  },
  { arbitrary: fc.record({ kind: fc.constant("replay" as const), which: fc.nat(100) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant("stale" as const),
      requester: fc.nat(5),
      record: fc.nat(40),
      lateBy: fc.integer({ min: 1, max: 5000 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("wrongHolder" as const),
      requester: fc.nat(5),
      record: fc.nat(40),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("forged" as const), requester: fc.nat(5), record: fc.nat(40) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("grant" as const),
      patient: fc.nat(2),
      recipient: fc.nat(2),
      deny: fc.boolean(),
      blocks: fc.integer({ min: 1, max: 8 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("revoke" as const), patient: fc.nat(2), which: fc.nat(10) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("affiliate" as const),
      inst: fc.nat(1),
      user: fc.nat(2),
      add: fc.boolean(),
    }),
    weight: 2,
  },
);

const blockArb = fc.record({
  ops: fc.array(opArb, { minLength: 0, maxLength: 6 }),
  /** Extra milliseconds before the block (clock jumps across windows). */
  jumpMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12_000 })),
});

interface Accepted {
  readonly requester: Actor;
  readonly pk: string;
  readonly nonce: string;
  readonly timestampMs: bigint;
  readonly holder: Actor;
  readonly recordId: Uint8Array;
  readonly patient: string;
  readonly request: ReturnType<EhrHarness["request"]>;
}

test("random retrieval traffic keeps the log, penalty, nonce and index invariants (seeded)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(1000, 3000, 5000),
      fc.array(blockArb, { minLength: 3, maxLength: 25, size: "max" }),
      (windowMs, blocks) => {
        const W = BigInt(windowMs);
        const h = new EhrHarness({
          access: {
            requestWindowMs: windowMs,
            maxPenalties: MAX_PENALTIES,
            maxConsentsPerPatient: MAX_CONSENTS,
          },
        });
        const holders = [h.actor("h0", "institution"), h.actor("h1", "institution")];
        const pats = [h.actor("p0", "patient"), h.actor("p1", "patient"), h.actor("p2", "patient")];
        const docs = [h.actor("d0", "doctor"), h.actor("d1", "doctor"), h.actor("r0", "researcher")];
        const requesters = [...docs, ...pats];
        const stranger = keyPairFromSeed(sha256(Buffer.from("stranger")));
        const records: { id: Uint8Array; patient: Actor; holder: Actor; height: bigint }[] = [];
        const accepted: Accepted[] = [];
        const consents: { id: Uint8Array; patient: Actor }[] = [];
        let lastBlockTime = h.now;

        for (const b of blocks) {
          h.skewMs += BigInt(b.jumpMs);
          h.begin();
          const now = h.block().timeMs;
          for (const op of b.ops) {
            const rec =
              records.length > 0 ? records[("record" in op ? op.record : 0) % records.length] : undefined;
            switch (op.kind) {
              case "put": {
                const id = sha256(Buffer.from(`id/${op.seed}`));
                const exists = records.some((r) => toHex(r.id) === toHex(id));
                const r = h.put(holders[op.holder]!, pats[op.patient]!, { id });
                assert.equal(r.code, exists ? "RECORDS_EXISTS" : "");
                if (!exists)
                  records.push({
                    id,
                    patient: pats[op.patient]!,
                    holder: holders[op.holder]!,
                    height: h.height,
                  });
                break;
              }
              case "fresh": {
                if (!rec) break;
                const who = requesters[op.requester]!;
                const request = h.request(who, rec.holder, rec.id, op.purpose, { timestampMs: now });
                const r = h.tx(rec.holder, "access/retrieve", request);
                assert.equal(r.code, "", r.message);
                accepted.push({
                  requester: who,
                  pk: toHex(who.keys.publicKey),
                  nonce: toHex(request.request.nonce),
                  timestampMs: now,
                  holder: rec.holder,
                  recordId: rec.id,
                  patient: rec.patient.hex,
                  request,
                });
                break;
              }
              case "replay": {
                const a = accepted[op.which % Math.max(accepted.length, 1)];
                if (!a) break;
                const skew = now > a.timestampMs ? now - a.timestampMs : a.timestampMs - now;
                const code = h.tx(a.holder, "access/retrieve", a.request).code;
                assert.equal(code, skew > W ? "ACCESS_REQUEST_EXPIRED" : "ACCESS_REPLAY");
                break;
              }
              case "stale": {
                if (!rec) break;
                const r = h.retrieve(rec.holder, requesters[op.requester]!, rec.id, "TREAT", {
                  timestampMs: now - W - BigInt(op.lateBy),
                });
                assert.equal(r.code, "ACCESS_REQUEST_EXPIRED");
                break;
              }
              case "wrongHolder": {
                if (!rec) break;
                const other = holders.find((x) => x !== rec.holder)!;
                const req = h.request(requesters[op.requester]!, rec.holder, rec.id, "TREAT", {
                  timestampMs: now,
                });
                assert.equal(h.tx(other, "access/retrieve", req).code, "ACCESS_WRONG_HOLDER");
                break;
              }
              case "forged": {
                if (!rec) break;
                const req = h.request(requesters[op.requester]!, rec.holder, rec.id, "TREAT", {
                  timestampMs: now,
                });
                const signature = signRetrievalRequest(stranger.secretKey, req.request);
                assert.equal(
                  h.tx(rec.holder, "access/retrieve", { ...req, signature }).code,
                  "ACCESS_BAD_SIGNATURE",
                );
                break;
              }
              case "grant": {
                const p = pats[op.patient]!;
                const r = h.grant(p, docs[op.recipient]!, {
                  decision: op.deny ? "deny" : "permit",
                  startMs: now - 1000n,
                  endMs: now + BigInt(op.blocks) * 1000n,
                });
                assert.ok(r.code === "" || r.code === "ACCESS_TOO_MANY_CONSENTS", r.code);
                if (r.code === "") consents.push({ id: r.txHash, patient: p });
                break;
              }
              case "revoke": {
                const mine = consents.filter((c) => c.patient === pats[op.patient]);
                const c = mine[op.which % Math.max(mine.length, 1)];
                if (!c) break;
                const code = h.tx(c.patient, "access/revoke", { consentId: c.id }).code;
                assert.ok(code === "" || code === "ACCESS_CONSENT_REVOKED", code);
                break;
              }
              case "affiliate": {
                const inst = holders[op.inst]!;
                const user = docs[op.user]!;
                const code = op.add
                  ? h.addUser(inst, user).code
                  : h.tx(inst, "access/delete-user", { user: user.address }).code;
                assert.ok(["", "ACCESS_ALREADY_ADDED", "ACCESS_NOT_AFFILIATED"].includes(code), code);
                break;
              }
            }
          }
          h.end();
          lastBlockTime = now;
          checkInvariants(h, { W, lastBlockTime, records, accepted, pats, requesters, holders, consents });
        }
      },
    ),
    { seed: 90_210, numRuns: 60 },
  );
});

function checkInvariants(
  h: EhrHarness,
  s: {
    W: bigint;
    lastBlockTime: bigint;
    records: { id: Uint8Array; patient: Actor; holder: Actor; height: bigint }[];
    accepted: Accepted[];
    pats: Actor[];
    requesters: Actor[];
    holders: Actor[];
    consents: { id: Uint8Array; patient: Actor }[];
  },
): void {
  const state = h.mem;
  // Logs: exactly the accepted retrievals, in order.
  const penalised = new Map<string, { reason: Reason; height: bigint }[]>();
  for (const p of s.pats) {
    const mine = s.accepted.filter((a) => a.patient === p.hex);
    const n = accessLogLength(state, p.address);
    assert.equal(n, BigInt(mine.length), `log length of ${p.label}`);
    mine.forEach((a, i) => {
      const e = getAccessLogEntry(state, p.address, BigInt(i + 1));
      assert.ok(e, `log entry ${i + 1}`);
      assert.equal(toHex(e.requester), a.requester.hex);
      assert.equal(toHex(e.recordId), toHex(a.recordId));
      assert.equal(e.requestTimestampMs, a.timestampMs);
      if (e.outcome === "denied" && PENALIZED.has(e.reason)) {
        const list = penalised.get(a.requester.hex) ?? [];
        list.push({ reason: e.reason, height: e.height });
        penalised.set(a.requester.hex, list);
      }
    });
  }
  // Penalties: one per penalised denial; suspension at the maxPenalties-th.
  for (const r of s.requesters) {
    const list = (penalised.get(r.hex) ?? []).sort((a, b) =>
      a.height < b.height ? -1 : a.height > b.height ? 1 : 0,
    );
    const st = getUserStatus(state, r.address);
    assert.equal(st.penalties, list.length, `penalties of ${r.label}`);
    assert.equal(st.suspended, list.length >= MAX_PENALTIES);
    if (st.suspended) assert.equal(st.suspendedHeight, list[MAX_PENALTIES - 1]!.height);
    const logged = getPenalties(state, r.address, 0, st.penalties);
    assert.deepEqual(
      logged.map((p) => p.height),
      list.map((p) => p.height),
    );
  }
  // Nonces: exactly the pairs whose bucket is still open after the last BeginBlock.
  const open = s.accepted.filter((a) => (bucketOf(a.timestampMs, s.W) + 1n) * s.W > s.lastBlockTime);
  assert.deepEqual(h.keys(NONCE_PREFIX), open.map((a) => `${NONCE_PREFIX}${a.pk}/${a.nonce}`).sort());
  assert.equal(h.keys(NONCE_BUCKET_PREFIX).length, open.length);
  const buckets = [...new Set(open.map((a) => bucketOf(a.timestampMs, s.W)))].sort((a, b) =>
    a < b ? -1 : 1,
  );
  assert.equal(state.get(NONCE_QUEUE_KEY) !== undefined, buckets.length > 0);
  // Record indexes: complete and strictly (height, id)-ordered.
  for (const [ix, mine] of [
    ...s.pats.map((p) => [patientIndex(p.address), s.records.filter((r) => r.patient === p)] as const),
    ...s.holders.map((x) => [holderIndex(x.address), s.records.filter((r) => r.holder === x)] as const),
  ]) {
    assert.equal(indexCount(state, ix), mine.length);
    const entries = indexPage(state, ix, 0, 1_000_000);
    for (let i = 1; i < entries.length; i++) assert.ok(compareEntries(entries[i - 1]!, entries[i]!) < 0);
    assert.deepEqual(entries.map((e) => toHex(e.id)).sort(), mine.map((r) => toHex(r.id)).sort());
    for (const e of entries) assert.equal(e.height, mine.find((r) => toHex(r.id) === toHex(e.id))!.height);
  }
  // Live consents.
  for (const p of s.pats) {
    const live = getLiveConsentIds(state, p.address).map(toHex);
    assert.ok(live.length <= MAX_CONSENTS);
    for (const id of getPatientConsentIds(state, p.address)) {
      const c = getConsent(state, id)!;
      if (c.revoked) assert.ok(!live.includes(toHex(id)), "revoked consents are not live");
      else if (c.periodEndMs > s.lastBlockTime)
        assert.ok(live.includes(toHex(id)), "unexpired consents stay live");
    }
  }
}
