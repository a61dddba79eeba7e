import type { Role } from "../modules/identity/certificate.js";

/** What differs between the three kinds of consortium Consortia runs. */
export interface NetworkPreset {
  readonly name: "healthchain" | "energy" | "spds";
  readonly chainIdPrefix: string;
  readonly denom: string;
  /** Role of the institutions that run validators. */
  readonly validatorRole: Role;
  readonly validatorLabel: string;
}

export const PRESETS: Readonly<Record<NetworkPreset["name"], NetworkPreset>> = {
  healthchain: {
    name: "healthchain",
    chainIdPrefix: "consortia-health",
    denom: "MED",
    validatorRole: "institution",
    validatorLabel: "hospital",
  },
  energy: {
    name: "energy",
    chainIdPrefix: "consortia-energy",
    denom: "NRG",
    validatorRole: "aggregator",
    validatorLabel: "aggregator",
  },
  spds: {
    name: "spds",
    chainIdPrefix: "consortia-spds",
    denom: "DAT",
    validatorRole: "utility",
    validatorLabel: "utility",
  },
};

export function isPresetName(s: string): s is NetworkPreset["name"] {
  return Object.hasOwn(PRESETS, s);
}
