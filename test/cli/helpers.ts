/** Runs the real CLI as a child process (node --import tsx src/cli/main.ts), as a user would. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export interface CliResult {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one command. The parent's CONSORTIA_* variables are dropped so tests stay hermetic. */
export function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CONSORTIA_")));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      cwd: ROOT,
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ args, code, stdout, stderr }));
  });
}

/** Runs independent commands a few at a time: each child costs ~1 s of tsx startup. */
export async function cliAll(
  list: ReadonlyArray<readonly string[]>,
  env: Record<string, string> = {},
  concurrency = 3,
): Promise<CliResult[]> {
  const out: CliResult[] = new Array(list.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const i = next++;
      out[i] = await cli(list[i]!, env);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
  return out;
}

/** The single JSON object a --json command prints on stdout. */
export function jsonOf(r: CliResult): Record<string, unknown> {
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    return assert.fail(
      `not JSON (exit ${r.code}) for ${r.args.join(" ")}:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
  }
}

/** `{"error":{code}}` of a failed --json command. */
export function errorCodeOf(r: CliResult): string {
  const e = jsonOf(r).error as { code?: unknown } | undefined;
  return typeof e?.code === "string"
    ? e.code
    : `(no error code; exit ${r.code}; stdout ${r.stdout}; stderr ${r.stderr})`;
}

export function describeRun(r: CliResult): string {
  return `consortia ${r.args.join(" ")} -> exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}
