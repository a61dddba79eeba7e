import type { Command } from "commander";
import { solveContractMenu, type UtilityRequirement } from "../../economics/contractMenu.js";
import { toFixedUnits } from "../../economics/contractMenuFixed.js";
import { invalidParam, parseNumberFlag } from "../../sim/params.js";
import { exitWithError, printJson } from "../output.js";

type Flags = Readonly<Record<string, unknown>> & { readonly json?: boolean };

const num = (flags: Flags, key: string, flag: string, integer = false): number =>
  parseNumberFlag(flag, flags[key], { integer });

/** `consortia solve contract-menu`: the SPDS optimal contract menu (src/economics/contractMenu.ts). */
export function addContractMenuCommand(solve: Command): void {
  solve
    .command("contract-menu")
    .description(
      "SPDS Sec. IV-E optimal contract menu (π(α), p(α)) for I data owners with types uniform on [α̲, ᾱ], at K evenly spaced types",
    )
    .requiredOption("--owners <I>", "number of data owners I ≥ 1 (integer)")
    .requiredOption("--alpha-min <A0>", "lowest privacy type α̲ ≥ 0")
    .requiredOption("--alpha-max <A1>", "highest privacy type ᾱ > α̲")
    .requiredOption("--u-max <U>", "maximum data utility per owner u_max > 0")
    .requiredOption("--w-p <WP>", "owner privacy-cost weight ϖ_p > 0")
    .requiredOption("--w-s <WS>", "utility company satisfaction weight ϖ_s > 0")
    .requiredOption("--u-req <R>", "aggregate utility requirement 0 ≤ u_req ≤ I·u_max")
    .requiredOption("--points <K>", "number of reported types K ≥ 2 (integer)")
    .option("--requirement <MODE>", 'eq. (11) as "equal" (printed) or "at-least" (prose)', "equal")
    .option(
      "--payment-decimals <D>",
      "also print payment_units = ⌈p·10^D⌉ as decimal strings (on-chain amounts)",
    )
    .option("--json", "JSON output (the default; accepted for symmetry)")
    .action((flags: Flags) => {
      try {
        const mode = flags.requirement;
        const requirement: UtilityRequirement =
          mode === "equal"
            ? "equal"
            : mode === "at-least"
              ? "atLeast"
              : invalidParam("--requirement", '--requirement is "equal" or "at-least"', mode);
        const m = solveContractMenu({
          owners: num(flags, "owners", "--owners", true),
          alphaMin: num(flags, "alphaMin", "--alpha-min"),
          alphaMax: num(flags, "alphaMax", "--alpha-max"),
          uMax: num(flags, "uMax", "--u-max"),
          wP: num(flags, "wP", "--w-p"),
          wS: num(flags, "wS", "--w-s"),
          uReq: num(flags, "uReq", "--u-req"),
          points: num(flags, "points", "--points", true),
          requirement,
        });
        const decimals =
          flags.paymentDecimals === undefined
            ? undefined
            : num(flags, "paymentDecimals", "--payment-decimals", true);
        printJson({
          alpha: m.alpha,
          pi: m.pi,
          payment: m.payment,
          owner_payoff: m.ownerPayoff,
          uc_payoff: m.ucPayoff,
          uc_payoff_total: m.ucPayoffTotal,
          owner_payoff_total: m.ownerPayoffTotal,
          mean_pi: m.meanPi,
          multiplier: m.multiplier,
          constraint_binding: m.constraintBinding,
          bounds_active: m.boundsActive,
          closed_form_valid: m.closedFormValid,
          method: m.method,
          ...(decimals === undefined
            ? {}
            : {
                payment_decimals: decimals,
                payment_units: m.payment.map((p) => toFixedUnits("payment", p, decimals, "ceil")),
              }),
        });
      } catch (err) {
        exitWithError(err, { json: flags.json === true });
      }
    });
}
