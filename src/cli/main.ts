#!/usr/bin/env node
import { Command } from "commander";
import { registerCommands } from "./commands/index.js";

const program = new Command();
program
  .name("consortia")
  .description("Consortia: consortium blockchain for private IoT data sharing and energy trading")
  .version("0.1.0")
  .showHelpAfterError();
registerCommands(program);
await program.parseAsync(process.argv);
