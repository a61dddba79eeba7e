import { encode } from "../codec/schema.js";
import {
  addressFromPublicKey,
  generateKeyPair,
  type KeyPair,
  publicKeyOf,
  type RandomBytes,
} from "../crypto/ed25519.js";
import { bytesEqual, sha256, toHex } from "../crypto/hash.js";
import { formatGenesis } from "../engine/genesis.js";
import { CommonErrors, ConsortiaError } from "../errors.js";
import {
  type Certificate,
  certificateCodec,
  type Role,
  signCertificate,
} from "../modules/identity/certificate.js";
import { genesisValidatorPowers } from "../modules/staking/genesis.js";
import type { NetworkPreset } from "./presets.js";

/** Ten years: institution certificates outlive any test or demo; operators rotate them sooner. */
const VALIDATOR_CERT_MS = 10n * 365n * 24n * 3600n * 1000n;

export interface NetworkMember {
  readonly name: string;
  readonly keys: KeyPair;
  readonly address: Uint8Array;
}

export interface NetworkMaterial {
  readonly chainId: string;
  readonly preset: NetworkPreset;
  readonly ca: KeyPair;
  readonly validators: readonly NetworkMember[];
  readonly genesisJson: string;
}

export interface NetworkSpec {
  readonly validators: number;
  readonly preset: NetworkPreset;
  readonly chainId?: string;
  readonly genesisTimeMs: number;
  /** Base units each validator institution starts with. */
  readonly allocation?: bigint;
  readonly blockReward?: bigint;
  readonly randomBytes?: RandomBytes;
  readonly appParams?: Record<string, unknown>;
  /**
   * DPoS at genesis: every validator institution bonds `selfBond` of its allocation, and
   * genesis.json gets the powers the staking module derives (floor(selfBond / powerReduction)).
   * Absent: no staking section; CometBFT keeps the fixed genesis set (power 10 each).
   */
  readonly staking?: { readonly selfBond: bigint; readonly params?: Readonly<Record<string, unknown>> };
}

/**
 * Creates everything a new consortium needs: a CA key, one key per validator institution (used as
 * both its consensus key and its operator account — see docs/deploy.md), CA certificates for them,
 * and a CometBFT-format genesis with their allocations.
 */
export function createNetworkMaterial(spec: NetworkSpec): NetworkMaterial {
  const rand = spec.randomBytes;
  const ca = generateKeyPair(rand);
  const chainId = spec.chainId ?? `${spec.preset.chainIdPrefix}-1`;
  const validators: NetworkMember[] = [];
  for (let i = 0; i < spec.validators; i++) {
    const keys = generateKeyPair(rand);
    validators.push({
      name: `${spec.preset.validatorLabel}-${i}`,
      keys,
      address: addressFromPublicKey(keys.publicKey),
    });
  }
  const t = BigInt(spec.genesisTimeMs);
  const certs = validators.map((v, i) =>
    issueCertificate(ca.secretKey, {
      chainId,
      serial: BigInt(i + 1),
      subjectPublicKey: v.keys.publicKey,
      subject: sha256(Buffer.from(`${chainId}/${v.name}`)),
      role: spec.preset.validatorRole,
      notBeforeMs: t,
      notAfterMs: t + VALIDATOR_CERT_MS,
    }),
  );
  const allocation = spec.allocation ?? 1_000_000_000_000n;
  const staking = spec.staking ? stakingSection(spec.staking, validators, allocation) : undefined;
  const appState = {
    app: spec.appParams ?? {},
    identity: {
      cas: [{ name: "consortium-ca", publicKey: toHex(ca.publicKey) }],
      certificates: certs.map((c) => toHex(encode(certificateCodec, c))),
    },
    coin: {
      denom: spec.preset.denom,
      decimals: 6,
      blockReward: (spec.blockReward ?? 1_000_000n).toString(),
      allocations: validators.map((v) => ({ address: toHex(v.address), amount: allocation.toString() })),
    },
    ...(staking ? { staking } : {}),
  };
  const powers = staking ? genesisValidatorPowers(staking) : undefined;
  const genesisJson = formatGenesis({
    chainId,
    genesisTimeMs: spec.genesisTimeMs,
    validators: validators.flatMap((v) => {
      const power = powers ? powers.find((p) => bytesEqual(p.address, v.address))?.power : 10n;
      return power === undefined
        ? []
        : [{ name: v.name, pubKey: v.keys.publicKey, address: v.address, power }];
    }),
    appState,
  });
  return { chainId, preset: spec.preset, ca, validators, genesisJson };
}

/** Genesis `staking` section: each validator key is also its operator account (docs/deploy.md). */
function stakingSection(
  spec: NonNullable<NetworkSpec["staking"]>,
  validators: readonly NetworkMember[],
  allocation: bigint,
): Record<string, unknown> {
  if (spec.selfBond <= 0n || spec.selfBond > allocation) {
    throw new ConsortiaError(
      CommonErrors.INVALID_ARGUMENT,
      `staking.selfBond ${spec.selfBond} must be in 1..allocation (${allocation})`,
      { field: "staking.selfBond" },
    );
  }
  const section = {
    params: spec.params ?? {},
    validators: validators.map((v) => ({
      operator: toHex(v.address),
      consensusPubKey: toHex(v.keys.publicKey),
      selfBond: spec.selfBond.toString(),
      moniker: v.name,
    })),
  };
  if (genesisValidatorPowers(section).length === 0) {
    throw new ConsortiaError(
      CommonErrors.INVALID_ARGUMENT,
      `staking.selfBond ${spec.selfBond} gives every validator voting power 0 (below powerReduction)`,
      { field: "staking.selfBond" },
    );
  }
  return section;
}

export interface CertificateRequest {
  readonly chainId: string;
  readonly serial: bigint;
  readonly subjectPublicKey: Uint8Array;
  readonly subject: Uint8Array;
  readonly role: Role;
  readonly notBeforeMs: bigint;
  readonly notAfterMs: bigint;
}

/**
 * A one-year certificate for a demo or benchmark user, valid from a minute ago, with the
 * pseudonymous subject sha256(public key): the CA keeps the real identity off chain
 * (docs/identity.md).
 */
export function issueDemoCertificate(
  caSecretKey: Uint8Array,
  chainId: string,
  subjectPublicKey: Uint8Array,
  role: Role,
  serial: bigint,
  nowMs: bigint,
): Certificate {
  return issueCertificate(caSecretKey, {
    chainId,
    serial,
    subjectPublicKey,
    subject: sha256(subjectPublicKey),
    role,
    notBeforeMs: nowMs - 60_000n,
    notAfterMs: nowMs + 365n * 86_400_000n,
  });
}

/** The CA side of registration: signs a certificate for a key and role. */
export function issueCertificate(caSecretKey: Uint8Array, req: CertificateRequest): Certificate {
  const caPublicKey = publicKeyOf(caSecretKey);
  return signCertificate(caSecretKey, { ...req, caPublicKey });
}
