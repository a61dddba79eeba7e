import type { KvReader } from "../../app/state.js";
import { bool, decode, encode, enumOf, fixedBytes, struct, u64 } from "../../codec/schema.js";
import { toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { ROLES, type Role } from "./certificate.js";
import { IdentityErrors } from "./errors.js";

/** State keys owned by the identity module (listed in src/storage/keys.ts). */
export const IDENTITY_PREFIX = "identity/a/";
export const CA_PREFIX = "identity/ca/";
export const SERIAL_PREFIX = "identity/s/";

export interface IdentityRecord {
  role: Role;
  subject: Uint8Array;
  caPublicKey: Uint8Array;
  publicKey: Uint8Array;
  serial: bigint;
  notAfterMs: bigint;
  registeredHeight: bigint;
  revoked: boolean;
  revokedHeight: bigint;
}

export const identityRecordCodec = struct({
  role: enumOf(ROLES),
  subject: fixedBytes(32),
  caPublicKey: fixedBytes(32),
  publicKey: fixedBytes(32),
  serial: u64,
  notAfterMs: u64,
  registeredHeight: u64,
  revoked: bool,
  revokedHeight: u64,
});

export function identityKey(address: Uint8Array): string {
  return IDENTITY_PREFIX + toHex(address);
}

export function caKey(publicKey: Uint8Array): string {
  return CA_PREFIX + toHex(publicKey);
}

export function serialKey(caPublicKey: Uint8Array, serial: bigint): string {
  return `${SERIAL_PREFIX}${toHex(caPublicKey)}/${serial.toString()}`;
}

export function encodeIdentity(r: IdentityRecord): Uint8Array {
  return encode(identityRecordCodec, r);
}

/**
 * Decoded records keyed by the stored value object. Stored values are never mutated (a write
 * replaces the object), so a hit is always the decoding of exactly those bytes; entries go away
 * with the bytes. Every transfer checks two identities several times (CheckTx, proposal, block).
 */
const decodedIdentities = new WeakMap<Uint8Array, IdentityRecord>();

export function getIdentity(state: KvReader, address: Uint8Array): Readonly<IdentityRecord> | undefined {
  const v = state.get(identityKey(address));
  if (v === undefined) return undefined;
  let r = decodedIdentities.get(v);
  if (r === undefined) {
    r = decode(identityRecordCodec, v);
    decodedIdentities.set(v, r);
  }
  return r;
}

export function isCa(state: KvReader, publicKey: Uint8Array): boolean {
  return state.get(caKey(publicKey)) !== undefined;
}

/**
 * The check every other module uses: the address belongs to a registered identity whose
 * certificate is unrevoked and unexpired at block time, optionally with one of `roles`.
 */
export function requireActiveIdentity(
  state: KvReader,
  address: Uint8Array,
  timeMs: bigint,
  roles?: readonly Role[],
): Readonly<IdentityRecord> {
  const r = getIdentity(state, address);
  const addr = toHex(address);
  if (!r)
    throw new ConsortiaError(IdentityErrors.IDENTITY_NOT_REGISTERED, `address ${addr} is not registered`);
  if (r.revoked) throw new ConsortiaError(IdentityErrors.IDENTITY_REVOKED, `identity of ${addr} is revoked`);
  if (timeMs >= r.notAfterMs) {
    throw new ConsortiaError(IdentityErrors.IDENTITY_EXPIRED, `certificate of ${addr} expired`, {
      notAfterMs: r.notAfterMs.toString(),
    });
  }
  if (roles && !roles.includes(r.role)) {
    throw new ConsortiaError(
      IdentityErrors.IDENTITY_WRONG_ROLE,
      `${addr} has role ${r.role}, needs ${roles.join("|")}`,
    );
  }
  return r;
}
