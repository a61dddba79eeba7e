import { type AnyMessageHandler, defineMessage } from "../../app/types.js";
import { toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { requireActiveIdentity } from "../identity/state.js";
import { HOLDER_ROLES } from "../records/state.js";
import { AccessErrors } from "./errors.js";
import { MAX_AFFILIATIONS_PER_USER, MAX_ENDPOINT_BYTES, USER_ROLES } from "./policy.js";
import {
  getAffiliation,
  getUserInstitutions,
  getUserStatus,
  setAffiliation,
  setProfile,
  setUserInstitutions,
  setUserStatus,
} from "./state.js";
import { addUserMsg, deleteUserMsg, setProfileMsg } from "./wire.js";

/**
 * A syntactic http(s) base URL: no credentials, query or fragment (a holder's API root).
 * WHATWG URL parsing is a pure function of the string, so every validator agrees.
 */
export function isEndpoint(s: string): boolean {
  if (s === "") return true;
  if (Buffer.byteLength(s, "utf8") > MAX_ENDPOINT_BYTES || !/^https?:\/\/[\x21-\x7e]+$/.test(s)) return false;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  return (
    (u.protocol === "http:" || u.protocol === "https:") &&
    u.hostname !== "" &&
    u.username === "" &&
    u.password === "" &&
    u.search === "" &&
    u.hash === ""
  );
}

export const userMessages: readonly AnyMessageHandler[] = [
  defineMessage({
    type: "access/add-user",
    codec: addUserMsg,
    baseWork: 2_000,
    validate(msg) {
      if (!USER_ROLES.includes(msg.role)) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_BAD_ROLE,
          `role must be one of ${USER_ROLES.join(", ")}, got ${msg.role}`,
          { field: "role" },
        );
      }
    },
    execute(ctx, msg) {
      const { state } = ctx;
      const now = ctx.block.timeMs;
      requireActiveIdentity(state, ctx.sender, now, ["institution"]);
      // The CA's certificate is the source of truth for the role; the institution only vouches.
      const id = requireActiveIdentity(state, msg.user, now);
      if (id.role !== msg.role) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_ROLE_MISMATCH,
          `${toHex(msg.user)} is certified as ${id.role}, not ${msg.role}`,
          { certified: id.role, requested: msg.role },
        );
      }
      const before = getAffiliation(state, ctx.sender, msg.user);
      if (before?.active) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_ALREADY_ADDED,
          `${toHex(msg.user)} is already a user of ${ctx.senderHex}`,
        );
      }
      const list = getUserInstitutions(state, msg.user);
      ctx.work(list.length);
      if (list.length >= MAX_AFFILIATIONS_PER_USER) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_TOO_MANY_AFFILIATIONS,
          `${toHex(msg.user)} already belongs to ${MAX_AFFILIATIONS_PER_USER} institutions`,
        );
      }
      setAffiliation(state, ctx.sender, msg.user, {
        role: msg.role,
        active: true,
        addedHeight: ctx.block.height,
        deletedHeight: before?.deletedHeight ?? 0n,
      });
      setUserInstitutions(state, msg.user, [...list, ctx.sender]);
      ctx.emit("access.add_user", {
        institution: ctx.senderHex,
        user: toHex(msg.user),
        role: msg.role,
        readded: String(before !== undefined),
      });
    },
  }),
  defineMessage({
    type: "access/delete-user",
    codec: deleteUserMsg,
    baseWork: 1_500,
    execute(ctx, msg) {
      const { state } = ctx;
      const a = getAffiliation(state, ctx.sender, msg.user);
      if (!a?.active) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_NOT_AFFILIATED,
          `${toHex(msg.user)} is not an active user of ${ctx.senderHex}`,
        );
      }
      // The pair entry stays (with its heights) as the affiliation's history; only the index shrinks.
      setAffiliation(state, ctx.sender, msg.user, { ...a, active: false, deletedHeight: ctx.block.height });
      const list = getUserInstitutions(state, msg.user);
      ctx.work(list.length);
      setUserInstitutions(
        state,
        msg.user,
        list.filter((x) => toHex(x) !== ctx.senderHex),
      );
      // Remembered so that a removed user's later requests read "user-deleted", not "not-affiliated".
      setUserStatus(state, msg.user, {
        ...getUserStatus(state, msg.user),
        lastDeletedHeight: ctx.block.height,
      });
      ctx.emit("access.delete_user", { institution: ctx.senderHex, user: toHex(msg.user) });
    },
  }),
  defineMessage({
    type: "access/set-profile",
    codec: setProfileMsg,
    baseWork: 1_000,
    validate(msg) {
      // An all-zero X25519 key is the identity point: anything sealed to it is readable by anyone.
      if (msg.encryptionKey.every((b) => b === 0)) {
        throw new ConsortiaError(AccessErrors.ACCESS_BAD_KEY, "encryptionKey must not be all zeros", {
          field: "encryptionKey",
        });
      }
      if (!isEndpoint(msg.endpoint)) {
        throw new ConsortiaError(
          AccessErrors.ACCESS_BAD_ENDPOINT,
          `endpoint must be "" or an http(s) URL without credentials, query or fragment, ≤ ${MAX_ENDPOINT_BYTES} bytes`,
          { field: "endpoint" },
        );
      }
    },
    execute(ctx, msg) {
      if (msg.endpoint !== "") {
        const id = requireActiveIdentity(ctx.state, ctx.sender, ctx.block.timeMs);
        if (!HOLDER_ROLES.includes(id.role)) {
          throw new ConsortiaError(
            AccessErrors.ACCESS_BAD_ENDPOINT,
            `only ${HOLDER_ROLES.join("/")} identities serve records; ${id.role} must publish endpoint ""`,
            { field: "endpoint" },
          );
        }
      }
      setProfile(ctx.state, ctx.sender, {
        encryptionKey: msg.encryptionKey,
        endpoint: msg.endpoint,
        updatedHeight: ctx.block.height,
      });
      ctx.emit("access.profile", { address: ctx.senderHex, endpoint: msg.endpoint });
    },
  }),
];
