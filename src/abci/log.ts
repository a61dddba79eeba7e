export type AbciLogLevel = "info" | "warn" | "error";

export interface AbciLogEntry {
  readonly level: AbciLogLevel;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type AbciLogger = (entry: AbciLogEntry) => void;

/** Default sink: warnings and errors on stderr, one line each (operators grep for "consortia abci"). */
export const stderrAbciLogger: AbciLogger = (e) => {
  if (e.level === "info") return;
  const details = e.details
    ? ` ${JSON.stringify(e.details, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`
    : "";
  process.stderr.write(`consortia abci ${e.level}: ${e.message}${details}\n`);
};
