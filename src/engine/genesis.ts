import { z } from "zod";
import { CommonErrors, ConsortiaError } from "../errors.js";
import { formatRfc3339, parseRfc3339 } from "../ledger/cometbft-json.js";

/**
 * genesis.json in CometBFT's own format (v0.38), so the same file starts the solo engine and a
 * CometBFT network. Our application's configuration is `app_state`.
 */
export interface GenesisValidator {
  readonly name: string;
  readonly pubKey: Uint8Array;
  readonly power: bigint;
}

export interface Genesis {
  readonly chainId: string;
  readonly genesisTimeMs: bigint;
  readonly initialHeight: bigint;
  readonly validators: readonly GenesisValidator[];
  readonly appState: unknown;
  /** The exact bytes handed to InitChain (CometBFT passes app_state's raw JSON). */
  readonly appStateBytes: Uint8Array;
}

const schema = z.object({
  genesis_time: z.string(),
  chain_id: z.string().regex(/^[a-zA-Z0-9._-]{1,50}$/),
  initial_height: z.string().regex(/^[1-9][0-9]{0,18}$/),
  consensus_params: z.record(z.string(), z.unknown()).optional(),
  validators: z
    .array(
      z.object({
        address: z.string().optional(),
        pub_key: z.object({ type: z.literal("tendermint/PubKeyEd25519"), value: z.string() }),
        power: z.string().regex(/^[1-9][0-9]{0,18}$/),
        name: z.string().default(""),
      }),
    )
    .min(1),
  app_hash: z.string().default(""),
  app_state: z.record(z.string(), z.unknown()),
});

export function parseGenesis(text: string): Genesis {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConsortiaError(CommonErrors.INVALID_CONFIG, `genesis is not JSON: ${String(err)}`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConsortiaError(CommonErrors.INVALID_CONFIG, `genesis ${i?.path.join(".")}: ${i?.message}`);
  }
  const g = r.data;
  const ts = parseRfc3339(g.genesis_time);
  if (!ts) throw new ConsortiaError(CommonErrors.INVALID_CONFIG, "genesis_time is not RFC 3339");
  const validators = g.validators.map((v, i) => {
    const pk = Buffer.from(v.pub_key.value, "base64");
    if (pk.length !== 32) {
      throw new ConsortiaError(CommonErrors.INVALID_CONFIG, `validators.${i}.pub_key must be 32 bytes`);
    }
    return { name: v.name, pubKey: new Uint8Array(pk), power: BigInt(v.power) };
  });
  return {
    chainId: g.chain_id,
    genesisTimeMs: ts.seconds * 1000n + BigInt(Math.floor(ts.nanos / 1_000_000)),
    initialHeight: BigInt(g.initial_height),
    validators,
    appState: g.app_state,
    appStateBytes: Buffer.from(JSON.stringify(g.app_state)),
  };
}

export interface GenesisInput {
  readonly chainId: string;
  readonly genesisTimeMs: number;
  readonly validators: ReadonlyArray<{
    name: string;
    pubKey: Uint8Array;
    address: Uint8Array;
    power: bigint;
  }>;
  readonly appState: Record<string, unknown>;
}

export function formatGenesis(g: GenesisInput): string {
  const ms = BigInt(g.genesisTimeMs);
  return `${JSON.stringify(
    {
      genesis_time: formatRfc3339({ seconds: ms / 1000n, nanos: Number(ms % 1000n) * 1_000_000 }),
      chain_id: g.chainId,
      initial_height: "1",
      consensus_params: {
        block: { max_bytes: "22020096", max_gas: "-1" },
        evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
        validator: { pub_key_types: ["ed25519"] },
        version: { app: "1" },
        abci: { vote_extensions_enable_height: "0" },
      },
      validators: g.validators.map((v) => ({
        address: Buffer.from(v.address).toString("hex").toUpperCase(),
        pub_key: { type: "tendermint/PubKeyEd25519", value: Buffer.from(v.pubKey).toString("base64") },
        power: v.power.toString(),
        name: v.name,
      })),
      app_hash: "",
      app_state: g.appState,
    },
    null,
    2,
  )}\n`;
}
