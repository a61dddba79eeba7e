/**
 * Where a command gets a password: --password-file, else $CONSORTIA_PASSWORD, else an interactive
 * prompt without echo when stdin is a terminal. Never from a flag value: command lines end up in
 * shell history and `ps` output.
 */
import { ConsortiaError } from "../errors.js";
import { CliErrors } from "./errors.js";
import { readInputFile } from "./files.js";

export interface PasswordRequest {
  readonly passwordFile?: string | undefined;
  /** Ask twice and compare (when creating a key), only for the interactive prompt. */
  readonly confirm?: boolean;
  /** What the password unlocks, for the prompt text, e.g. "keystore 'alice'". */
  readonly purpose: string;
}

const MAX_PASSWORD_FILE_BYTES = 4096;

function passwordError(message: string): ConsortiaError {
  return new ConsortiaError(CliErrors.CLI_PASSWORD_PARAM, message, { field: "password" });
}

function nonEmpty(pw: string, source: string): string {
  if (pw.length === 0)
    throw passwordError(`the password from ${source} is empty; empty passwords are refused`);
  return pw;
}

export async function readPassword(req: PasswordRequest): Promise<string> {
  if (req.passwordFile !== undefined) {
    const text = await readInputFile(req.passwordFile, "--password-file", MAX_PASSWORD_FILE_BYTES).catch(
      (err: unknown) => {
        throw err instanceof ConsortiaError ? passwordError(err.message) : err;
      },
    );
    // One trailing newline is how editors and `echo` end files; it is not part of the password.
    return nonEmpty(text.replace(/\r?\n$/, ""), `--password-file ${req.passwordFile}`);
  }
  const env = process.env.CONSORTIA_PASSWORD;
  if (env !== undefined) return nonEmpty(env, "CONSORTIA_PASSWORD");
  if (process.stdin.isTTY !== true) {
    throw passwordError(
      `a password is needed for ${req.purpose}: pass --password-file FILE, set CONSORTIA_PASSWORD, or run in a terminal`,
    );
  }
  const first = nonEmpty(await promptHidden(`Password for ${req.purpose}: `), "the prompt");
  if (req.confirm === true) {
    const second = await promptHidden("Repeat password: ");
    if (second !== first) throw passwordError("the two passwords differ");
  }
  return first;
}

/** Characters typed (or pasted) after an Enter, kept for the next prompt (the confirmation). */
let typedAhead = "";

/** Reads one line from the terminal in raw mode, echoing nothing. Ctrl-C aborts with status 130. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let buf = "";
    const wasRaw = stdin.isRaw;
    const finish = (rest: string): void => {
      stdin.off("data", onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write("\n");
      // "\r\n" is one Enter.
      typedAhead = rest.startsWith("\n") ? rest.slice(1) : rest;
      resolve(buf);
    };
    const onData = (chunk: string): void => {
      const chars = [...chunk];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i]!;
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          finish(chars.slice(i + 1).join(""));
          return;
        }
        if (ch === "\u0003") {
          stdin.setRawMode(wasRaw);
          process.stderr.write("\n");
          process.exit(130);
        }
        if (ch === "\u007f" || ch === "\b") buf = [...buf].slice(0, -1).join("");
        else if (ch >= " ") buf += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    stdin.on("data", onData);
    stdin.resume();
    if (typedAhead !== "") {
      const ahead = typedAhead;
      typedAhead = "";
      onData(ahead);
    }
  });
}
