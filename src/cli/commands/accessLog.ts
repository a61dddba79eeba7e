import type { Command } from "commander";
import { accessLog } from "../../sdk/ehr.js";
import { apiClient } from "../api.js";
import { addressFlag } from "../flags.js";
import { emit, run, usageErrorsOn } from "../run.js";
import { isoTime, type ReadFlags, readCommand, table } from "../signing.js";

interface LogEntry {
  readonly seq: unknown;
  readonly requester: string;
  readonly recordId: string;
  readonly purpose: string;
  readonly blockTimeMs: unknown;
  readonly outcome: string;
  readonly reason: string;
}

interface LogPage {
  readonly total: unknown;
  readonly entries: readonly LogEntry[];
  readonly next: unknown;
}

export function registerAccessLogCommand(program: Command): void {
  usageErrorsOn(
    readCommand(
      program,
      "access-log",
      "a patient's access log from the chain: who asked for which record, when, for what, and the decision",
    ),
  )
    .requiredOption("--patient <address>", "the patient")
    .addHelpText("after", "\nExample:\n  consortia access-log --patient 3f9a…c2")
    .action((opts: ReadFlags & { readonly patient: string }) =>
      run(opts, async () => {
        addressFlag(opts.patient, "--patient");
        const log = (await accessLog(apiClient(opts.api), opts.patient)) as LogPage;
        const rows = log.entries.map((e) => [
          String(e.seq),
          isoTime(e.blockTimeMs),
          e.requester,
          `${e.recordId.slice(0, 12)}…`,
          e.purpose,
          e.outcome,
          e.reason,
        ]);
        emit(opts, log, [
          ...(rows.length === 0
            ? [`no accesses to records of ${opts.patient}`]
            : table(["seq", "time", "requester", "record", "purpose", "outcome", "reason"], rows)),
          ...(log.next === null ? [] : [`(first ${rows.length} of ${String(log.total)} shown)`]),
        ]);
      }),
    );
}
