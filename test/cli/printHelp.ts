/**
 * Child-process helper for help.test.ts: registers every command exactly as src/cli/main.ts does
 * and prints `{ "<command path>": "<help text>" }` for all of them in one process, so the test
 * does not pay one tsx start-up per command.
 */
import { Command } from "commander";
import { registerCommands } from "../../src/cli/commands/index.js";

const program = new Command().name("consortia");
registerCommands(program);
const out: Record<string, string> = {};
const walk = (cmd: Command, path: string[]): void => {
  for (const sub of cmd.commands) {
    const p = [...path, sub.name()];
    let text = "";
    sub.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => 100 });
    // outputHelp, unlike helpInformation, includes the addHelpText sections (examples).
    sub.outputHelp();
    out[p.join(" ")] = text;
    walk(sub, p);
  }
};
walk(program, []);
process.stdout.write(JSON.stringify(out));
