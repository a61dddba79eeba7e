import { z } from "zod";
import { AppErrors } from "../../app/errors.js";
import type { KvStore } from "../../app/state.js";
import { type AnteCheck, type BlockInfo, defineMessage, type Module } from "../../app/types.js";
import { zHexBytes } from "../../app/zod.js";
import { decode, fixedBytes, string, struct } from "../../codec/schema.js";
import { addressFromPublicKey } from "../../crypto/address.js";
import { bytesEqual, fromHex, toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { type Certificate, certificateCodec, verifyCertificateSignature } from "./certificate.js";
import { IdentityErrors } from "./errors.js";
import {
  caKey,
  encodeIdentity,
  getIdentity,
  identityKey,
  isCa,
  requireActiveIdentity,
  serialKey,
} from "./state.js";

const genesisSchema = z.object({
  /** Consortium CA keys (the account center of the papers). */
  cas: z.array(z.object({ name: z.string().min(1).max(64), publicKey: zHexBytes(32) })).min(1),
  /** Certificates registered at genesis (validators, institutions), hex of the canonical encoding. */
  certificates: z.array(z.string().regex(/^[0-9a-f]+$/)).default([]),
});
export type IdentityGenesis = z.output<typeof genesisSchema>;

const registerMsg = struct({ certificate: certificateCodec });
const revokeMsg = struct({ address: fixedBytes(20), reason: string(256) });

/** Registers one certificate; shared by genesis and the register transaction. */
function registerCertificate(state: KvStore, cert: Certificate, block: BlockInfo): Uint8Array {
  if (cert.chainId !== block.chainId) {
    throw new ConsortiaError(IdentityErrors.CERT_WRONG_CHAIN, `certificate is for chain ${cert.chainId}`);
  }
  if (!isCa(state, cert.caPublicKey)) {
    throw new ConsortiaError(
      IdentityErrors.CERT_UNKNOWN_CA,
      `CA ${toHex(cert.caPublicKey)} is not a consortium CA`,
    );
  }
  if (!verifyCertificateSignature(cert)) {
    throw new ConsortiaError(IdentityErrors.CERT_BAD_SIGNATURE, "certificate signature does not verify");
  }
  if (cert.notAfterMs <= cert.notBeforeMs) {
    throw new ConsortiaError(IdentityErrors.CERT_INVALID, "certificate notAfter must be after notBefore");
  }
  if (block.timeMs < cert.notBeforeMs) {
    throw new ConsortiaError(IdentityErrors.CERT_NOT_YET_VALID, "certificate is not valid yet");
  }
  if (block.timeMs >= cert.notAfterMs)
    throw new ConsortiaError(IdentityErrors.CERT_EXPIRED, "certificate expired");
  const address = addressFromPublicKey(cert.subjectPublicKey);
  if (getIdentity(state, address)) {
    throw new ConsortiaError(
      IdentityErrors.IDENTITY_ALREADY_REGISTERED,
      `address ${toHex(address)} already registered`,
    );
  }
  const sk = serialKey(cert.caPublicKey, cert.serial);
  if (state.get(sk) !== undefined) {
    throw new ConsortiaError(
      IdentityErrors.CERT_SERIAL_REUSED,
      `serial ${cert.serial} already used by this CA`,
    );
  }
  state.set(sk, address);
  state.set(
    identityKey(address),
    encodeIdentity({
      role: cert.role,
      subject: cert.subject,
      caPublicKey: cert.caPublicKey,
      publicKey: cert.subjectPublicKey,
      serial: cert.serial,
      notAfterMs: cert.notAfterMs,
      registeredHeight: block.height,
      revoked: false,
      revokedHeight: 0n,
    }),
  );
  return address;
}

export const identityModule: Module<IdentityGenesis> = {
  name: "identity",
  genesisSchema,
  initGenesis(state, g, block) {
    for (const ca of g.cas) state.set(caKey(ca.publicKey), Buffer.from(ca.name));
    for (const hex of g.certificates) {
      const cert = decode(certificateCodec, fromHex(hex));
      registerCertificate(state, cert, block);
    }
  },
  messages: [
    defineMessage({
      type: "identity/register",
      codec: registerMsg,
      baseWork: 2_000,
      // The CA's signature is the admission control; the new key has no funds yet.
      requiresIdentity: false,
      feeExempt: true,
      execute(ctx, msg) {
        // Only the key's owner can register it: the transaction signature proves possession.
        if (!bytesEqual(ctx.publicKey, msg.certificate.subjectPublicKey)) {
          throw new ConsortiaError(
            IdentityErrors.CERT_KEY_MISMATCH,
            "certificate key differs from the signer's key",
          );
        }
        const address = registerCertificate(ctx.state, msg.certificate, ctx.block);
        ctx.emit("identity.registered", {
          address: toHex(address),
          role: msg.certificate.role,
          serial: msg.certificate.serial.toString(),
        });
      },
    }),
    defineMessage({
      type: "identity/revoke",
      codec: revokeMsg,
      baseWork: 1_000,
      requiresIdentity: false,
      feeExempt: true,
      execute(ctx, msg) {
        if (!isCa(ctx.state, ctx.publicKey)) {
          throw new ConsortiaError(IdentityErrors.IDENTITY_NOT_CA, "only a consortium CA can revoke");
        }
        const r = getIdentity(ctx.state, msg.address);
        if (!r) throw new ConsortiaError(IdentityErrors.IDENTITY_NOT_REGISTERED, "no such identity");
        if (r.revoked) throw new ConsortiaError(IdentityErrors.IDENTITY_REVOKED, "already revoked");
        ctx.state.set(
          identityKey(msg.address),
          encodeIdentity({ ...r, revoked: true, revokedHeight: ctx.block.height }),
        );
        ctx.emit("identity.revoked", { address: toHex(msg.address), reason: msg.reason });
      },
    }),
  ],
  query(path, _params, ctx) {
    const [what, arg] = path;
    if (what === "address" && arg !== undefined) {
      const r = getIdentity(ctx.state, parseAddr(arg));
      if (!r)
        throw new ConsortiaError(IdentityErrors.IDENTITY_NOT_REGISTERED, `address ${arg} is not registered`);
      return {
        address: arg,
        role: r.role,
        subject: toHex(r.subject),
        publicKey: toHex(r.publicKey),
        ca: toHex(r.caPublicKey),
        serial: r.serial,
        notAfterMs: r.notAfterMs,
        registeredHeight: r.registeredHeight,
        revoked: r.revoked,
        revokedHeight: r.revokedHeight,
      };
    }
    throw new ConsortiaError(AppErrors.QUERY_UNKNOWN_PATH, `unknown identity query ${path.join("/")}`);
  },
};

function parseAddr(s: string): Uint8Array {
  if (!/^[0-9a-f]{40}$/.test(s)) throw new ConsortiaError(AppErrors.QUERY_BAD_PARAMS, `bad address ${s}`);
  return fromHex(s);
}

/** Every transaction except those marked `requiresIdentity: false` needs an active identity. */
export const identityAnte: AnteCheck = {
  check(state, block, sender, handler) {
    if (handler.requiresIdentity) requireActiveIdentity(state, sender, block.timeMs);
  },
};
