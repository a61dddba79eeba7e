import type { Command } from "commander";
import { SCRYPT_INSECURE_FAST } from "../../crypto/keystore.js";
import { convertHomesToCometbft, readMembersFile } from "../../node/cometHomes.js";
import { initNetwork, MAX_INIT_VALIDATORS } from "../../node/initNetwork.js";
import { PRESETS } from "../../node/presets.js";
import { chainIdFlag, choiceFlag, intFlag, invalidFlag } from "../flags.js";
import { readPassword } from "../password.js";
import { emit, insecureFastKdfOption, run, usageErrorsOn } from "../run.js";

interface InitFlags {
  readonly validators?: string;
  readonly engine: string;
  readonly members?: string;
  readonly preset: string;
  readonly out: string;
  readonly chainId?: string;
  readonly apiPort: string;
  readonly passwordFile?: string;
  readonly force?: boolean;
  readonly json?: boolean;
  readonly insecureFastKdf?: boolean;
}

const PRESET_NAMES = ["healthchain", "energy", "spds"] as const;

export function registerInitCommand(program: Command): void {
  usageErrorsOn(
    program
      .command("init")
      .description(
        "create a new consortium: CA key, one key + certificate per validator institution, genesis.json and one node home per validator",
      ),
  )
    .option(
      "--validators <n>",
      `number of validator institutions (1..${MAX_INIT_VALIDATORS}); with --members, one per member`,
    )
    .requiredOption("--preset <name>", `kind of consortium: ${PRESET_NAMES.join(" | ")}`)
    .requiredOption("--out <dir>", "output directory (must be empty or absent)")
    .option("--chain-id <id>", "chain id, 1-50 characters of [a-zA-Z0-9._-] (default: <preset prefix>-1)")
    .option("--api-port <port>", "API port of the first node; node i listens on port + i", "26680")
    .option(
      "--engine <kind>",
      "solo | cometbft: cometbft adds a CometBFT home per node (single machine: RPC port+N+i, P2P port+2N+i, ABCI port+3N+i)",
      "solo",
    )
    .option(
      "--members <file>",
      'consortium members JSON {"members":[{name,host,p2pPort,rpcPort,apiPort}]}: one home per institution for its own machine (implies --engine cometbft; docs/deploy.md)',
    )
    .option(
      "--password-file <file>",
      "password encrypting the CA and validator keys (else $CONSORTIA_PASSWORD, else a prompt)",
    )
    .option(
      "--force",
      "write into a non-empty directory, replacing a previous init's genesis.json, ca/ and node homes",
    )
    .option("--json", "print one JSON object")
    .addOption(insecureFastKdfOption())
    .addHelpText(
      "after",
      "\nExample:\n  consortia init --validators 4 --preset healthchain --out ./net --password-file ./ca.pw",
    )
    .action((opts: InitFlags) =>
      run(opts, async () => {
        const members = opts.members === undefined ? undefined : readMembersFile(opts.members);
        const engine = members
          ? "cometbft"
          : choiceFlag(opts.engine, "--engine", ["solo", "cometbft"] as const);
        if (opts.validators === undefined && !members) {
          throw invalidFlag("--validators", "is required unless --members is given", "");
        }
        const validators =
          opts.validators === undefined
            ? members!.length
            : intFlag(opts.validators, "--validators", 1, MAX_INIT_VALIDATORS);
        if (members && validators !== members.length) {
          throw invalidFlag(
            "--validators",
            `must equal the ${members.length} members in ${opts.members}`,
            opts.validators ?? "",
          );
        }
        const preset = PRESETS[choiceFlag(opts.preset, "--preset", PRESET_NAMES)];
        // A single-machine cometbft layout needs 4 ports per node from --api-port.
        const portsPerNode = engine === "cometbft" && !members ? 4 : 1;
        const apiPort = intFlag(opts.apiPort, "--api-port", 1, 65_535 - portsPerNode * validators + 1);
        const chainId = opts.chainId === undefined ? undefined : chainIdFlag(opts.chainId, "--chain-id");
        const password = await readPassword({
          passwordFile: opts.passwordFile,
          confirm: true,
          purpose: "the new network's CA and validator keys",
        });
        const r = await initNetwork({
          out: opts.out,
          validators,
          preset,
          basePort: apiPort,
          password,
          force: opts.force === true,
          nowMs: Date.now(),
          ...(chainId !== undefined ? { chainId } : {}),
          ...(opts.insecureFastKdf === true ? { scrypt: SCRYPT_INSECURE_FAST } : {}),
        });
        const comet =
          engine === "cometbft"
            ? await convertHomesToCometbft({
                nodes: r.nodes,
                genesisPath: r.genesis,
                password,
                basePort: apiPort,
                ...(members ? { members } : {}),
              })
            : undefined;
        const first = r.nodes[0];
        const next = first === undefined ? "" : `consortia start --home ${first.home}`;
        emit(opts, { ...r, engine, ...(comet ? { cometbft: comet } : {}), next }, [
          `initialised ${r.preset} consortium ${r.chainId} in ${r.out}`,
          `  genesis     ${r.genesis}`,
          `  CA key      ${r.caKeystore}  (encrypted; keep it offline in production)`,
          `  CA pubkey   ${r.caPublicKey}`,
          "  nodes:",
          ...r.nodes.map(
            (n) => `    ${n.name.padEnd(14)} ${n.home}  api :${n.apiPort}  address ${n.address}`,
          ),
          ...(comet
            ? [
                "  cometbft (node id, p2p address other validators dial, local RPC port):",
                ...comet.map(
                  (c) => `    ${c.moniker.padEnd(14)} ${c.nodeId}  p2p ${c.p2p}  rpc :${c.rpcPort}`,
                ),
              ]
            : []),
          "",
          "next:",
          `  ${next}`,
          ...(members ? ["  (copy each home to its institution's machine first; docs/deploy.md)"] : []),
        ]);
      }),
    );
}
