import { AppErrors } from "../../app/errors.js";
import type { KvReader } from "../../app/state.js";
import type { QueryContext } from "../../app/types.js";
import { bytesEqual, fromHex, toHex } from "../../crypto/hash.js";
import { ConsortiaError } from "../../errors.js";
import { indexCount, indexPage, indexPositionAfter, type OrderedIndex } from "./ordered.js";
import { getRecordsParams } from "./params.js";
import {
  getRecord,
  holderIndex,
  patientIndex,
  type RecordEntry,
  recordView,
  requireRecord,
} from "./state.js";

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

function bad(message: string): never {
  throw new ConsortiaError(AppErrors.QUERY_BAD_PARAMS, message);
}

export function parseHex(text: string | undefined, bytes: number, what: string): Uint8Array {
  if (text === undefined || !new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(text)) {
    bad(`${what} must be ${bytes * 2} lowercase hex characters`);
  }
  return fromHex(text);
}

export function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PAGE;
  if (!/^[1-9][0-9]{0,3}$/.test(text) || Number(text) > MAX_PAGE) bad(`limit must be 1..${MAX_PAGE}`);
  return Number(text);
}

/** One page of an ordered index; `after` must name a record that is in this list. */
function page(
  state: KvReader,
  ix: OrderedIndex,
  owns: (r: RecordEntry) => boolean,
  params: Readonly<Record<string, string>>,
) {
  const limit = parseLimit(params.limit);
  let start = 0;
  if (params.after !== undefined) {
    const cursor = getRecord(state, parseHex(params.after, 32, "after"));
    if (!cursor || !owns(cursor)) bad(`after=${params.after} is not a record of this list`);
    start = indexPositionAfter(state, ix, cursor);
  }
  const entries = indexPage(state, ix, start, limit);
  const records = entries.map((e) => recordView(requireRecord(state, e.id)));
  const more = start + entries.length < indexCount(state, ix);
  return { records, next: more ? (records[records.length - 1]?.id ?? null) : null };
}

/**
 * `records/record/<idHex>`, `records/patient/<addrHex>?limit=&after=<idHex>`,
 * `records/holder/<addrHex>?limit=&after=<idHex>`, `records/params`. Lists are ordered by
 * (height, id); `next` is the cursor for the following page (null on the last one).
 */
export function recordsQuery(
  path: readonly string[],
  params: Readonly<Record<string, string>>,
  ctx: QueryContext,
): unknown {
  const [what, arg] = path;
  const state = ctx.state;
  if (what === "params" && path.length === 1) return getRecordsParams(state);
  if (what === "record" && path.length === 2) {
    return recordView(requireRecord(state, parseHex(arg, 32, "record id")));
  }
  if (what === "patient" && path.length === 2) {
    const patient = parseHex(arg, 20, "patient address");
    return {
      patient: toHex(patient),
      ...page(state, patientIndex(patient), (r) => bytesEqual(r.patient, patient), params),
    };
  }
  if (what === "holder" && path.length === 2) {
    const holder = parseHex(arg, 20, "holder address");
    return {
      holder: toHex(holder),
      ...page(state, holderIndex(holder), (r) => bytesEqual(r.holder, holder), params),
    };
  }
  throw new ConsortiaError(AppErrors.QUERY_UNKNOWN_PATH, `unknown records query ${path.join("/")}`);
}
