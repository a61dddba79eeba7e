import type { Command } from "commander";
import { registerAccessLogCommand } from "./accessLog.js";
import { registerBenchCommand } from "./bench.js";
import { registerCaCommands } from "./ca.js";
import { registerConsentCommands } from "./consent.js";
import { registerDemoCommand } from "./demo.js";
import { registerDevnetCommand } from "./devnet.js";
import { registerInitCommand } from "./init.js";
import { registerKeysCommands } from "./keys.js";
import { registerQueryCommands } from "./query.js";
import { registerRecordCommands } from "./record.js";
import { registerSimulateCommand } from "./simulate.js";
import { registerSolveCommand } from "./solve.js";
import { registerStartCommand } from "./start.js";
import { registerTxCommands } from "./tx.js";
import { registerVerifyReceiptCommand } from "./verifyReceipt.js";

/**
 * Every command group lives in its own file and registers itself here; keep this list sorted.
 * A command file only maps flags onto options and calls library functions: no logic.
 */
export function registerCommands(program: Command): void {
  registerAccessLogCommand(program);
  registerBenchCommand(program);
  registerDemoCommand(program);
  registerDevnetCommand(program);
  registerCaCommands(program);
  registerConsentCommands(program);
  registerInitCommand(program);
  registerKeysCommands(program);
  registerQueryCommands(program);
  registerRecordCommands(program);
  registerSimulateCommand(program);
  registerSolveCommand(program);
  registerStartCommand(program);
  registerTxCommands(program);
  registerVerifyReceiptCommand(program);
}
