import { asConsortiaError, type ConsortiaError, errorCodeInfo } from "../errors.js";

/** Common flags every command accepts. */
export interface OutputOptions {
  readonly json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

/** bigint is printed as a decimal string: JSON numbers lose precision above 2^53. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  return value;
}

/** Exit code 2 = usage/input error (any code registered with HTTP 400/413), 1 = anything else. */
export function exitWithError(err: unknown, opts: OutputOptions): never {
  const e: ConsortiaError = asConsortiaError(err);
  if (opts.json) process.stdout.write(`${JSON.stringify({ error: e.toJSON() }, jsonReplacer)}\n`);
  else process.stderr.write(`error [${e.code}]: ${e.message}\n`);
  const http = errorCodeInfo(e.code).http;
  process.exit(http === 400 || http === 413 || e.code.endsWith("_PARAM") ? 2 : 1);
}

/**
 * A progress line on stderr for long work. Silent when stderr is not a TTY unless `always`,
 * so `--json` output on stdout stays machine-readable.
 */
export function createProgress(label: string, total: number, always = false) {
  const tty = process.stderr.isTTY === true;
  let last = -1;
  return {
    update(done: number): void {
      if (!tty && !always) return;
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
      process.stderr.write(
        `${tty ? "\r" : ""}${label} [${bar}] ${pct}% (${done}/${total})${tty ? "" : "\n"}`,
      );
    },
    done(): void {
      if (tty) process.stderr.write("\n");
    },
  };
}
