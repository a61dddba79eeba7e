import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { keyPairFromSeed } from "../../../src/crypto/ed25519.js";
import { sha256, toHex } from "../../../src/crypto/hash.js";
import { NONCE_PREFIX, NONCE_QUEUE_KEY } from "../../../src/modules/access/nonces.js";
import { signRetrievalRequest } from "../../../src/modules/access/request.js";
import { type Actor, CHAIN, EhrHarness } from "../records/harness.js";

interface LogPage {
  total: bigint;
  next: bigint | null;
  entries: {
    seq: bigint;
    requester: string;
    recordId: string;
    holder: string;
    purpose: string;
    requestTimestampMs: bigint;
    blockTimeMs: bigint;
    height: bigint;
    outcome: string;
    reason: string;
  }[];
}
interface UserView {
  penalties: number;
  penaltyLog: { n: number; action: string; height: bigint }[];
  suspended: boolean;
  suspendedHeight: bigint;
}

function world(access: Record<string, unknown> = {}) {
  const h = new EhrHarness({ access });
  const a = {
    h,
    hosp: h.actor("hospital", "institution"),
    hosp2: h.actor("hospital-2", "institution"),
    pat: h.actor("patient", "patient"),
    pat2: h.actor("patient-2", "patient"),
    doc: h.actor("doctor", "doctor"),
    doc2: h.actor("doctor-2", "doctor"),
    res: h.actor("researcher", "researcher"),
  };
  assert.equal(h.addUser(a.hosp, a.doc).code, "");
  assert.equal(h.addUser(a.hosp, a.doc2).code, "");
  const obs = h.put(a.hosp, a.pat, { recordType: "fhir:Observation" }).id;
  const pdf = h.put(a.hosp, a.pat, { recordType: "binary:application/pdf" }).id;
  const other = h.put(a.hosp2, a.pat2).id;
  return { ...a, obs, pdf, other };
}

function outcome(r: {
  code: string;
  message: string;
  events: { type: string; attrs: Record<string, string> }[];
}) {
  assert.equal(r.code, "", r.message);
  const e = r.events.find((x) => x.type === "access.retrieve");
  assert.ok(e, "access.retrieve event");
  return `${e.attrs.outcome}/${e.attrs.reason}`;
}

describe("access/retrieve: invalid requests fail and store nothing", () => {
  test("signature, chain, holder, record, window, replay", () => {
    const { h, hosp, hosp2, doc, obs, pat } = world({ requestWindowMs: 10_000 });
    const good = h.request(doc, hosp, obs);
    const forged = { ...good, request: { ...good.request, purpose: "HRESCH" as const } };
    assert.equal(h.tx(hosp, "access/retrieve", forged).code, "ACCESS_BAD_SIGNATURE");
    const stranger = keyPairFromSeed(sha256(Buffer.from("stranger")));
    assert.equal(
      h.tx(hosp, "access/retrieve", {
        ...good,
        signature: signRetrievalRequest(stranger.secretKey, good.request),
      }).code,
      "ACCESS_BAD_SIGNATURE",
    );
    assert.equal(h.retrieve(hosp, doc, obs, "TREAT", { chainId: `${CHAIN}x` }).code, "ACCESS_WRONG_CHAIN");
    // The request names hosp but hosp2 submits it; or hosp2 names itself for hosp's record.
    assert.equal(h.tx(hosp2, "access/retrieve", h.request(doc, hosp, obs)).code, "ACCESS_WRONG_HOLDER");
    assert.equal(h.retrieve(hosp2, doc, obs).code, "ACCESS_WRONG_HOLDER");
    assert.equal(h.retrieve(hosp, doc, sha256(Buffer.from("none"))).code, "RECORDS_NOT_FOUND");
    const t = h.timeAt(h.height + 1n);
    assert.equal(
      h.retrieve(hosp, doc, obs, "TREAT", { timestampMs: t - 10_001n }).code,
      "ACCESS_REQUEST_EXPIRED",
    );
    assert.equal(
      h.retrieve(hosp, doc, obs, "TREAT", { timestampMs: t + 1000n + 10_001n }).code,
      "ACCESS_REQUEST_EXPIRED",
    );
    assert.equal(h.query<LogPage>(`access/log/${pat.hex}`).total, 0n, "nothing logged so far");
    // Exactly at the window edges is accepted.
    const edge = h.timeAt(h.height + 1n);
    assert.equal(h.retrieve(hosp, doc, obs, "TREAT", { timestampMs: edge - 10_000n }).code, "");
    assert.equal(h.retrieve(hosp, doc, obs, "TREAT", { timestampMs: edge + 1000n + 10_000n }).code, "");
    const once = h.request(doc, hosp, obs);
    assert.equal(h.tx(hosp, "access/retrieve", once).code, "");
    assert.equal(h.tx(hosp, "access/retrieve", once).code, "ACCESS_REPLAY");
    // Same nonce, new timestamp (so a new signature): still the same (requester, nonce).
    const reused = h.request(doc, hosp, obs, "TREAT", { nonce: once.request.nonce });
    assert.equal(h.tx(hosp, "access/retrieve", reused).code, "ACCESS_REPLAY");
    assert.equal(h.query<LogPage>(`access/log/${pat.hex}`).total, 3n);
  });
});

describe("access/retrieve: evaluation, log and penalties", () => {
  test("every outcome of the evaluation order", () => {
    const { h, hosp, hosp2, pat, pat2, doc, doc2, res, obs, pdf } = world({ maxPenalties: 100 });
    assert.equal(outcome(h.retrieve(hosp, pat, obs)), "granted/owner");
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "denied/no-consent");
    assert.equal(outcome(h.retrieve(hosp, res, obs)), "denied/not-affiliated");
    assert.equal(outcome(h.retrieve(hosp, pat2, obs)), "denied/not-affiliated", "another patient");
    const unknown: Actor = { ...doc, keys: keyPairFromSeed(sha256(Buffer.from("unregistered"))) };
    assert.equal(outcome(h.retrieve(hosp, unknown, obs)), "denied/identity-invalid");

    // Permit by type: covers the Observation only, for TREAT only.
    assert.equal(h.grant(pat, doc, { recordTypes: ["fhir:Observation"] }).code, "");
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "granted/consent");
    assert.equal(outcome(h.retrieve(hosp, doc, pdf)), "denied/no-consent");
    assert.equal(outcome(h.retrieve(hosp, doc, obs, "HRESCH")), "denied/no-consent");
    // Permit by id adds the PDF; a deny for all records and HRESCH does not touch TREAT.
    assert.equal(h.grant(pat, doc, { recordIds: [pdf], purposes: ["TREAT", "HRESCH"] }).code, "");
    assert.equal(outcome(h.retrieve(hosp, doc, pdf)), "granted/consent");
    assert.equal(h.grant(pat, doc, { decision: "deny", purposes: ["HRESCH"] }).code, "");
    assert.equal(outcome(h.retrieve(hosp, doc, pdf, "HRESCH")), "denied/consent-deny");
    assert.equal(outcome(h.retrieve(hosp, doc, pdf)), "granted/consent");
    // Consents name one recipient: doc2 gets nothing from doc's.
    assert.equal(outcome(h.retrieve(hosp, doc2, obs)), "denied/no-consent");

    // Deletion: a removed user is "user-deleted" (no penalty) until another institution adds it.
    assert.equal(h.tx(hosp, "access/delete-user", { user: doc.address }).code, "");
    const before = h.query<UserView>(`access/user/${doc.hex}`).penalties;
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "denied/user-deleted");
    assert.equal(h.query<UserView>(`access/user/${doc.hex}`).penalties, before);
    assert.equal(h.addUser(hosp2, doc).code, "");
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "granted/consent");
    // A revoked institution vouches for nobody.
    h.revoke(hosp2);
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "denied/user-deleted");

    // Erased beats everything after suspension, and is not penalised.
    assert.equal(h.tx(pat, "records/erase", { id: obs, reason: "" }).code, "");
    const resBefore = h.query<UserView>(`access/user/${res.hex}`).penalties;
    assert.equal(outcome(h.retrieve(hosp, res, obs)), "denied/erased");
    assert.equal(outcome(h.retrieve(hosp, pat, obs)), "denied/erased");
    assert.equal(h.query<UserView>(`access/user/${res.hex}`).penalties, resBefore);
    // A revoked requester is identity-invalid.
    h.revoke(doc2);
    assert.equal(outcome(h.retrieve(hosp, doc2, pdf)), "denied/identity-invalid");
  });

  test("consent periods are [start, end) in block time; a revoke applies to the next tx", () => {
    const { h, hosp, pat, doc, obs } = world();
    const t = h.timeAt(h.height + 3n);
    assert.equal(h.grant(pat, doc, { startMs: t, endMs: t + 2000n }).code, ""); // height +1
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "denied/no-consent"); // +2: before start
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "granted/consent"); // +3: start
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "granted/consent"); // +4
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "denied/no-consent"); // +5: end
    const g = h.grant(pat, doc);
    h.begin();
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "granted/consent");
    assert.equal(h.tx(pat, "access/revoke", { consentId: g.txHash }).code, "");
    assert.equal(outcome(h.retrieve(hosp, doc, obs)), "denied/no-consent");
    h.end();
  });

  test("penalties accumulate to suspension; the log and user queries show it", () => {
    const { h, hosp, pat, doc, res, obs } = world({ maxPenalties: 3 });
    const r1 = h.retrieve(hosp, res, obs);
    assert.deepEqual(
      r1.events.map((e) => e.type),
      ["access.retrieve", "access.penalty"],
    );
    assert.deepEqual(r1.events[1]?.attrs, { requester: res.hex, action: "not-affiliated", penalties: "1" });
    h.retrieve(hosp, res, obs);
    const r3 = h.retrieve(hosp, res, obs, "PUBHLTH");
    assert.deepEqual(
      r3.events.map((e) => e.type),
      ["access.retrieve", "access.penalty", "access.suspend"],
    );
    const suspendedAt = h.height;
    const r4 = h.retrieve(hosp, res, obs);
    assert.equal(outcome(r4), "denied/suspended");
    assert.deepEqual(
      r4.events.map((e) => e.type),
      ["access.retrieve", "access.penalty"],
      "suspension is announced once; suspended requests still cost a penalty",
    );
    const u = h.query<UserView>(`access/user/${res.hex}`);
    assert.equal(u.penalties, 4);
    assert.equal(u.suspended, true);
    assert.equal(u.suspendedHeight, suspendedAt);
    assert.deepEqual(
      u.penaltyLog.map((p) => [p.n, p.action]),
      [
        [0, "not-affiliated"],
        [1, "not-affiliated"],
        [2, "not-affiliated"],
        [3, "suspended"],
      ],
    );
    // Suspension comes before ownership in the order: a suspended patient loses its own records too.
    for (let i = 0; i < 3; i++) h.retrieve(hosp, pat, h.put(hosp, h.actor("p3", "patient")).id);
    assert.equal(outcome(h.retrieve(hosp, pat, obs)), "denied/suspended");
    // Granted requests cost nothing.
    assert.equal(h.grant(pat, doc).code, "");
    assert.equal(h.retrieve(hosp, doc, obs).events.length, 1);
    assert.equal(h.query<UserView>(`access/user/${doc.hex}`).penalties, 0);

    const log = h.query<LogPage>(`access/log/${pat.hex}`, { limit: "2", after: "3" });
    assert.deepEqual(
      log.entries.map((e) => [e.seq, e.requester, e.reason]),
      [
        [4n, res.hex, "suspended"],
        [5n, pat.hex, "suspended"],
      ],
    );
    assert.equal(log.total, 6n);
    assert.equal(log.next, 5n);
    const last = h.query<LogPage>(`access/log/${pat.hex}`, { after: "5" });
    assert.equal(last.next, null);
    const e = last.entries[0]!;
    assert.deepEqual(
      [e.requester, e.recordId, e.holder, e.purpose, e.outcome, e.reason, e.height, e.blockTimeMs],
      [doc.hex, toHex(obs), hosp.hex, "TREAT", "granted", "consent", h.height, h.now],
    );
  });

  test("access/check answers what access/retrieve will record, without writing", () => {
    const { h, hosp, pat, doc, res, obs } = world();
    const check = (who: Actor, purpose = "TREAT") =>
      h.query<{ outcome: string; reason: string; penalized: boolean }>(
        `access/check/${who.hex}/${toHex(obs)}/${purpose}`,
      );
    assert.deepEqual(check(res), {
      ...check(res),
      outcome: "denied",
      reason: "not-affiliated",
      penalized: true,
    });
    assert.equal(h.query<UserView>(`access/user/${res.hex}`).penalties, 0);
    assert.equal(h.grant(pat, doc).code, "");
    assert.equal(check(doc).reason, "consent");
    assert.equal(check(doc, "HPAYMT").reason, "no-consent");
    assert.equal(outcome(h.retrieve(hosp, doc, obs, "HPAYMT")), "denied/no-consent");
    assert.throws(() => check(doc, "FUN"), /purpose/);
    assert.throws(
      () => h.query(`access/check/${doc.hex}/${toHex(sha256(Buffer.from("x")))}/TREAT`),
      /no record/,
    );
  });
});

describe("retrieval nonces are pruned once their window has passed", () => {
  test("keys exist while a replay could be accepted and are gone after", () => {
    const { h, hosp, doc, obs } = world({ requestWindowMs: 3000 });
    const req = h.request(doc, hosp, obs);
    assert.equal(h.tx(hosp, "access/retrieve", req).code, "");
    assert.equal(h.keys(NONCE_PREFIX).length, 1);
    assert.ok(h.mem.get(NONCE_QUEUE_KEY));
    const t = req.request.timestampMs;
    // Kept while block time ≤ t + window: the timestamp check alone would still accept a replay.
    while (h.timeAt(h.height + 1n) <= t + 3000n) {
      assert.equal(h.tx(hosp, "access/retrieve", req).code, "ACCESS_REPLAY");
      assert.equal(h.keys(NONCE_PREFIX).length, 1);
    }
    // Pruned by the bucket's end at the latest (≤ one window later), never before it is safe.
    for (let i = 0; i < 4 && h.keys(NONCE_PREFIX).length > 0; i++) {
      assert.equal(h.tx(hosp, "access/retrieve", req).code, "ACCESS_REQUEST_EXPIRED");
    }
    assert.deepEqual(h.keys("access/n"), []);
    assert.equal(h.mem.get(NONCE_QUEUE_KEY), undefined);
  });
});
