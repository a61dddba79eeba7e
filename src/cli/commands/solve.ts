import type { Command } from "commander";
import { solveDataPrice } from "../../economics/dataPricing.js";
import { solveLoanPricing } from "../../economics/loanPricing.js";
import { parseNumberFlag } from "../../sim/params.js";
import { exitWithError, printJson } from "../output.js";
import { addContractMenuCommand } from "./solve-contract-menu.js";

type Flags = Readonly<Record<string, unknown>> & { readonly json?: boolean };

/** Commander camel-cases flag names; errors name the flag as typed. */
function num(flags: Flags, key: string, flag: string): number {
  return parseNumberFlag(flag, flags[key]);
}

export function registerSolveCommand(program: Command): void {
  const solve = program
    .command("solve")
    .description("solve one instance of an incentive model and print one JSON object");

  solve
    .command("data-price")
    .description(
      "Healthchain problems A and B for one consumer: max over λ ∈ [L, H] of (λ − γ)·d, d maximising α·ln(d − d_min + c) − λ·d, d ≥ d_min",
    )
    .requiredOption("--alpha <A>", "satisfaction factor α > 0")
    .requiredOption("--d-min <D>", "minimum demand d_min > 0")
    .requiredOption("--c <C>", "consumer cost factor c > 0")
    .requiredOption("--gamma <G>", "provider unit cost γ ≥ 0 (γ ≤ price_min)")
    .requiredOption("--price-min <L>", "minimum price λ_min > 0")
    .requiredOption("--price-max <H>", "maximum price λ_max ≥ λ_min")
    .option("--participation", "extension: the consumer buys nothing if its best utility is negative")
    .option("--json", "JSON output (the default; accepted for symmetry)")
    .action((flags: Flags) => {
      try {
        const s = solveDataPrice({
          alpha: num(flags, "alpha", "--alpha"),
          dMin: num(flags, "dMin", "--d-min"),
          c: num(flags, "c", "--c"),
          gamma: num(flags, "gamma", "--gamma"),
          priceMin: num(flags, "priceMin", "--price-min"),
          priceMax: num(flags, "priceMax", "--price-max"),
          participation: flags.participation === true,
        });
        printJson({
          price: s.price,
          demand: s.demand,
          provider_utility: s.providerUtility,
          consumer_utility: s.consumerUtility,
          participates: s.participates,
          regime: s.regime,
        });
      } catch (err) {
        exitWithError(err, { json: flags.json === true });
      }
    });

  solve
    .command("loan")
    .description("Energy eqs. 1–5: bank penalty rate α ∈ (0, M], interest β = α/(η·t), borrower loan R")
    .requiredOption("--repay-ability <LAMBDA>", "repayment ability λ ∈ (0, 1]")
    .requiredOption("--d <D>", "satisfaction factor d > 0")
    .requiredOption("--t <T>", "loan time t > 0")
    .requiredOption("--eta <ETA>", "penalty factor η > 1")
    .requiredOption("--q-min <Q>", "minimum energy demand Q_min ≥ 0")
    .requiredOption("--price <P>", "energy price p > 0")
    .requiredOption("--theta <THETA>", "satisfaction offset θ > 0")
    .requiredOption("--credit-factor <GAMMA>", "credit-grade factor γ ∈ (0, 1]")
    .requiredOption("--unit-cost <C>", "bank unit cost c > 0")
    .requiredOption("--alpha-max <M>", "maximum penalty rate M > 0")
    .option("--json", "JSON output (the default; accepted for symmetry)")
    .action((flags: Flags) => {
      try {
        const s = solveLoanPricing({
          repayAbility: num(flags, "repayAbility", "--repay-ability"),
          d: num(flags, "d", "--d"),
          t: num(flags, "t", "--t"),
          eta: num(flags, "eta", "--eta"),
          qMin: num(flags, "qMin", "--q-min"),
          price: num(flags, "price", "--price"),
          theta: num(flags, "theta", "--theta"),
          creditFactor: num(flags, "creditFactor", "--credit-factor"),
          unitCost: num(flags, "unitCost", "--unit-cost"),
          alphaMax: num(flags, "alphaMax", "--alpha-max"),
        });
        printJson({
          penalty_rate: s.penaltyRate,
          interest_rate: s.interestRate,
          loan: s.loan,
          bank_utility: s.bankUtility,
          borrower_utility: s.borrowerUtility,
          regime: s.regime,
        });
      } catch (err) {
        exitWithError(err, { json: flags.json === true });
      }
    });

  addContractMenuCommand(solve);
}
