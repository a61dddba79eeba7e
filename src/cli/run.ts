/**
 * Glue every command group shares: commander usage errors become typed errors (exit 2, JSON with
 * --json), actions report thrown errors through exitWithError, and results go to stdout either as
 * one JSON object (--json) or as human-readable lines.
 */
import { type Command, type CommanderError, Option } from "commander";
import { asConsortiaError } from "../errors.js";
import { CliErrors } from "./errors.js";
import { exitWithError, jsonReplacer, type OutputOptions, printJson } from "./output.js";

/**
 * Makes commander's own errors (unknown option, missing value or argument) exit with status 2 and,
 * under --json, print `{"error":{code,message}}` on stdout. Subcommands created after this call
 * inherit it. Help and version exit 0 as usual.
 */
export function usageErrorsOn(cmd: Command): Command {
  return cmd.exitOverride((err: CommanderError) => {
    if (err.exitCode === 0 || err.code === "commander.help" || err.code === "commander.helpDisplayed") {
      process.exit(err.exitCode);
    }
    const message = err.message.replace(/^error: /, "");
    if (process.argv.includes("--json")) {
      process.stdout.write(`${JSON.stringify({ error: { code: CliErrors.CLI_USAGE_PARAM, message } })}\n`);
    }
    process.exit(2);
  });
}

/** Runs an action body; any error is printed (typed) and ends the process with status 2 or 1. */
export async function run(opts: OutputOptions, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    exitWithError(err, opts);
  }
}

/** One JSON object under --json, else the human lines. */
export function emit(opts: OutputOptions, json: unknown, lines: readonly string[]): void {
  if (opts.json === true) printJson(json);
  else process.stdout.write(`${lines.join("\n")}\n`);
}

/**
 * For commands whose failure is a verdict rather than misuse (verify-receipt): every error
 * from `body` is printed like exitWithError's but always exits 1, whatever HTTP class its code has.
 */
export async function verdict<T>(opts: OutputOptions, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const e = asConsortiaError(err);
    if (opts.json === true) process.stdout.write(`${JSON.stringify({ error: e.toJSON() }, jsonReplacer)}\n`);
    else process.stderr.write(`error [${e.code}]: ${e.message}\n`);
    process.exit(1);
  }
}

/** A hidden flag shared by commands that write keystores: tests need cheap scrypt, users never should. */
export function insecureFastKdfOption(): Option {
  return new Option("--insecure-fast-kdf", "TESTS ONLY: scrypt n=2^10 instead of 2^15").hideHelp();
}
