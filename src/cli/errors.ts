/**
 * Error codes of the command-line interface (numeric range 1200–1214). Codes ending in _PARAM are
 * usage/input errors: src/cli/output.ts exits with status 2 for them, 1 for everything else.
 */
import { registerErrorCodes } from "../errors.js";

export const CliErrors = registerErrorCodes({
  /** commander rejected the command line: unknown option, missing required option or argument. */
  CLI_USAGE_PARAM: { num: 1200, http: 400 },
  /** A flag's value is malformed or out of range (details: {flag, condition}). */
  CLI_INVALID_PARAM: { num: 1201, http: 400 },
  /** No password source, or the password is empty. */
  CLI_PASSWORD_PARAM: { num: 1202, http: 400 },
  /** An output file already exists and would be overwritten. */
  CLI_OUT_EXISTS_PARAM: { num: 1204, http: 409 },
  /** An input file is larger than the command accepts. */
  CLI_FILE_TOO_LARGE: { num: 1205, http: 413 },
  /** An input file cannot be read (details: {path, errno}). */
  CLI_FILE_READ: { num: 1206, http: 500 },
  /** Writing an output file failed (details: {path, errno}). */
  CLI_FILE_WRITE: { num: 1207, http: 500 },
});
