/** Runs only `solve contract-menu` (test helper; spawned by solve-contract-menu.test.ts). */
import { Command } from "commander";
import { addContractMenuCommand } from "../../../src/cli/commands/solve-contract-menu.js";

const program = new Command().name("consortia").exitOverride();
addContractMenuCommand(program.command("solve"));
program.parseAsync(process.argv).catch(() => process.exit(2));
