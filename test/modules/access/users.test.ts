import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isConsortiaError } from "../../../src/errors.js";
import { isEndpoint } from "../../../src/modules/access/users.js";
import { EhrHarness } from "../records/harness.js";

interface UserView {
  address: string;
  affiliations: { institution: string; role: string; addedHeight: bigint; vouching: boolean }[];
  penalties: number;
  suspended: boolean;
  lastDeletedHeight: bigint;
}

function setup() {
  const h = new EhrHarness();
  return {
    h,
    hosp: h.actor("hospital", "institution"),
    other: h.actor("other-hospital", "institution"),
    pat: h.actor("patient", "patient"),
    doc: h.actor("doctor", "doctor"),
    res: h.actor("researcher", "researcher"),
  };
}

describe("access/add-user and access/delete-user", () => {
  test("only institutions add; the role must be a user role and equal the certified one", () => {
    const { h, hosp, pat, doc, res } = setup();
    assert.equal(h.addUser(pat, doc).code, "IDENTITY_WRONG_ROLE");
    assert.equal(h.addUser(hosp, pat).code, "ACCESS_BAD_ROLE");
    assert.equal(h.addUser(hosp, h.actor("bank", "bank")).code, "ACCESS_BAD_ROLE");
    assert.equal(h.addUser(hosp, doc, "researcher").code, "ACCESS_ROLE_MISMATCH");
    assert.equal(
      h.tx(hosp, "access/add-user", { user: new Uint8Array(20), role: "doctor" }).code,
      "IDENTITY_NOT_REGISTERED",
    );
    const r = h.addUser(hosp, doc);
    assert.equal(r.code, "");
    assert.deepEqual(r.events[0], {
      type: "access.add_user",
      attrs: { institution: hosp.hex, user: doc.hex, role: "doctor", readded: "false" },
    });
    assert.equal(h.addUser(hosp, doc).code, "ACCESS_ALREADY_ADDED");
    for (const role of ["auditor", "insurer"] as const)
      assert.equal(h.addUser(hosp, h.actor(role, role)).code, "");
    assert.equal(h.addUser(hosp, res).code, "");
    h.revoke(res);
    assert.equal(h.addUser(h.actor("h3", "institution"), res).code, "IDENTITY_REVOKED");
  });

  test("delete by that institution only; re-adding re-activates; the user view follows", () => {
    const { h, hosp, other, doc } = setup();
    assert.equal(h.tx(hosp, "access/delete-user", { user: doc.address }).code, "ACCESS_NOT_AFFILIATED");
    assert.equal(h.addUser(hosp, doc).code, "");
    assert.equal(h.addUser(other, doc).code, "");
    let v = h.query<UserView>(`access/user/${doc.hex}`);
    assert.deepEqual(
      v.affiliations.map((a) => [a.institution, a.role, a.vouching]),
      [
        [hosp.hex, "doctor", true],
        [other.hex, "doctor", true],
      ],
    );
    assert.equal(
      h.tx(other, "access/delete-user", { user: h.actor("x", "doctor").address }).code,
      "ACCESS_NOT_AFFILIATED",
    );
    const d = h.tx(hosp, "access/delete-user", { user: doc.address });
    assert.equal(d.code, "");
    assert.equal(d.events[0]?.type, "access.delete_user");
    assert.equal(h.tx(hosp, "access/delete-user", { user: doc.address }).code, "ACCESS_NOT_AFFILIATED");
    v = h.query<UserView>(`access/user/${doc.hex}`);
    assert.deepEqual(
      v.affiliations.map((a) => a.institution),
      [other.hex],
    );
    assert.equal(v.lastDeletedHeight, 5n);
    const again = h.addUser(hosp, doc);
    assert.equal(again.events[0]?.attrs.readded, "true");
    v = h.query<UserView>(`access/user/${doc.hex}`);
    assert.deepEqual(
      v.affiliations.map((a) => [a.institution, a.addedHeight]),
      [
        [other.hex, 3n],
        [hosp.hex, 7n],
      ],
    );
    // An institution whose own identity is revoked no longer vouches.
    h.revoke(other);
    v = h.query<UserView>(`access/user/${doc.hex}`);
    assert.deepEqual(
      v.affiliations.map((a) => a.vouching),
      [false, true],
    );
  });

  test("a user belongs to at most 32 institutions at once", () => {
    const { h, doc } = setup();
    for (let i = 0; i < 32; i++) assert.equal(h.addUser(h.actor(`inst-${i}`, "institution"), doc).code, "");
    const extra = h.actor("inst-32", "institution");
    assert.equal(h.addUser(extra, doc).code, "ACCESS_TOO_MANY_AFFILIATIONS");
    assert.equal(
      h.tx(h.actor("inst-0", "institution"), "access/delete-user", { user: doc.address }).code,
      "",
    );
    assert.equal(h.addUser(extra, doc).code, "");
  });
});

describe("access/set-profile", () => {
  const key = new Uint8Array(32).fill(7);

  test("holders publish key and endpoint; others a key only", () => {
    const { h, hosp, pat } = setup();
    const store = h.actor("storage", "storage");
    assert.equal(
      h.tx(hosp, "access/set-profile", { encryptionKey: key, endpoint: "https://h1.example.org:8443/api" })
        .code,
      "",
    );
    assert.equal(
      h.tx(store, "access/set-profile", { encryptionKey: key, endpoint: "http://10.0.0.7" }).code,
      "",
    );
    assert.deepEqual(h.query(`access/profile/${hosp.hex}`), {
      address: hosp.hex,
      encryptionKey: "07".repeat(32),
      endpoint: "https://h1.example.org:8443/api",
      updatedHeight: 1n,
    });
    assert.equal(
      h.tx(pat, "access/set-profile", { encryptionKey: key, endpoint: "https://p.example" }).code,
      "ACCESS_BAD_ENDPOINT",
    );
    assert.equal(h.tx(pat, "access/set-profile", { encryptionKey: key, endpoint: "" }).code, "");
    assert.equal(
      h.tx(pat, "access/set-profile", { encryptionKey: new Uint8Array(32), endpoint: "" }).code,
      "ACCESS_BAD_KEY",
    );
    assert.throws(
      () => h.query(`access/profile/${h.actor("nobody", "doctor").hex}`),
      (e) => isConsortiaError(e, "NOT_FOUND"),
    );
  });

  test("endpoint syntax", () => {
    for (const ok of [
      "",
      "http://a",
      "https://h.example.org/consortia/v1",
      "https://[::1]:8080/",
      "http://10.1.2.3:26657",
    ]) {
      assert.equal(isEndpoint(ok), true, ok);
    }
    for (const bad of [
      "ftp://h.example",
      "https://user:pw@h.example",
      "https://h.example/?x=1",
      "https://h.example/#f",
      "https://h .example",
      "h.example",
      "https://",
      "javascript:alert(1)",
      `https://h.example/${"a".repeat(240)}`,
      "https://h.example/\u00e9",
    ]) {
      assert.equal(isEndpoint(bad), false, bad);
    }
  });
});
