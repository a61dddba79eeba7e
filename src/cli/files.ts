/** File I/O of the CLI with typed errors: size-limited reads, no silent overwrites. */
import { open, readFile, rename, stat, unlink } from "node:fs/promises";
import { ConsortiaError } from "../errors.js";
import { CliErrors } from "./errors.js";

function errnoOf(err: unknown): string | null {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : null;
}

/** Reads a UTF-8 file named by `flag`, refusing files over `maxBytes` before reading them. */
export async function readInputFile(path: string, flag: string, maxBytes: number): Promise<string> {
  return Buffer.from(await readInputBytes(path, flag, maxBytes)).toString("utf8");
}

/** Reads a file's bytes as they are (records, attachments), with readInputFile's checks. */
export async function readInputBytes(path: string, flag: string, maxBytes: number): Promise<Uint8Array> {
  try {
    const st = await stat(path);
    if (!st.isFile()) {
      throw new ConsortiaError(CliErrors.CLI_FILE_READ, `${flag} ${path} is not a regular file`, {
        path,
        flag,
        errno: null,
      });
    }
    if (st.size > maxBytes) {
      throw new ConsortiaError(
        CliErrors.CLI_FILE_TOO_LARGE,
        `${flag} ${path} is ${st.size} bytes, over the ${maxBytes}-byte limit`,
        {
          path,
          flag,
          size: st.size,
          max: maxBytes,
        },
      );
    }
    return new Uint8Array(await readFile(path));
  } catch (err) {
    if (err instanceof ConsortiaError) throw err;
    throw new ConsortiaError(
      CliErrors.CLI_FILE_READ,
      `cannot read ${flag} ${path}: ${err instanceof Error ? err.message : String(err)}`,
      { path, flag, errno: errnoOf(err) },
      { cause: err },
    );
  }
}

/** Refuses early (before any expensive work) when an output file exists and may not be replaced. */
export async function assertWritable(path: string, flag: string, overwrite: boolean): Promise<void> {
  if (overwrite) return;
  try {
    await stat(path);
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return;
    throw new ConsortiaError(CliErrors.CLI_FILE_WRITE, `cannot stat ${flag} ${path}`, {
      path,
      flag,
      errno: errnoOf(err),
    });
  }
  throw new ConsortiaError(
    CliErrors.CLI_OUT_EXISTS_PARAM,
    `${flag} ${path} already exists (pass --force to replace it)`,
    {
      path,
      flag,
    },
  );
}

/** Writes via a temporary file and rename, so a reader never sees half a file. */
export async function writeOutputFile(
  path: string,
  text: string | Uint8Array,
  opts: { flag: string; overwrite: boolean; mode?: number },
): Promise<void> {
  await assertWritable(path, opts.flag, opts.overwrite);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, "wx", opts.mode ?? 0o644);
    try {
      await fh.writeFile(text, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new ConsortiaError(
      CliErrors.CLI_FILE_WRITE,
      `cannot write ${opts.flag} ${path}: ${err instanceof Error ? err.message : String(err)}`,
      { path, flag: opts.flag, errno: errnoOf(err) },
      { cause: err },
    );
  }
}
