import type { ExecTxResult } from "../app/abci.js";
import type { AppEvent } from "../app/types.js";
import type { StoredBlock } from "../codec/block.js";
import { sha256, toHex } from "../crypto/hash.js";
import { formatRfc3339 } from "../ledger/cometbft-json.js";
import { decodeHeader, headerToJson } from "../ledger/header.js";
import type { BlockJson, TxResultJson } from "./schemas.js";

/** JSON text of a value with bigints as decimal strings and bytes as lowercase hex. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, wireReplacer);
}

// Same rule as the CLI's --json output (src/cli/output.ts), kept here so api does not import cli.
// The holder's raw value is checked because Buffer.toJSON runs before a replacer sees the value.
function wireReplacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return toHex(raw);
  return value;
}

export function eventsToJson(events: readonly AppEvent[]): TxResultJson["events"] {
  return events.map((e) => ({
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })),
  }));
}

export function txResultToJson(r: ExecTxResult): TxResultJson {
  return {
    code: r.code,
    errorCode: r.errorCode,
    log: r.log,
    data: toHex(r.data),
    gasWanted: r.gasWanted.toString(),
    gasUsed: r.gasUsed.toString(),
    events: eventsToJson(r.events),
  };
}

export function timeMsToRfc3339(timeMs: bigint): string {
  const seconds = timeMs >= 0n ? timeMs / 1000n : (timeMs - 999n) / 1000n;
  return formatRfc3339({ seconds, nanos: Number(timeMs - seconds * 1000n) * 1_000_000 });
}

export function blockToJson(b: StoredBlock): BlockJson {
  return {
    height: b.height.toString(),
    hash: toHex(b.hash),
    timeMs: b.timeMs.toString(),
    time: timeMsToRfc3339(b.timeMs),
    appHash: toHex(b.appHash),
    proposer: toHex(b.proposer),
    header: b.header.length > 0 ? headerToJson(decodeHeader(b.header)) : null,
    txs: b.txs.map((raw, i) => {
      const r = b.results[i];
      return { hash: toHex(sha256(raw)), code: r?.code ?? 0, errorCode: r?.errorCode ?? "" };
    }),
  };
}
