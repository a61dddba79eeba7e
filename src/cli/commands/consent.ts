import type { Command } from "commander";
import { fromHex } from "../../crypto/hash.js";
import {
  MAX_CONSENT_RECORD_IDS,
  MAX_CONSENT_RECORD_TYPES,
  PURPOSES,
  type Purpose,
} from "../../modules/access/policy.js";
import { isRecordType } from "../../modules/records/state.js";
import { grantConsent, listConsents, revokeConsent } from "../../sdk/ehr.js";
import { apiClient } from "../api.js";
import { addressFlag, choiceFlag, hashFlag, intFlag, invalidFlag } from "../flags.js";
import { emit, run, usageErrorsOn } from "../run.js";
import {
  addressOfKey,
  isoTime,
  progress,
  type ReadFlags,
  readCommand,
  type SignedFlags,
  signedCommand,
  table,
  withKey,
} from "../signing.js";

interface GrantFlags extends SignedFlags {
  readonly to: string;
  readonly purpose: string;
  readonly record?: readonly string[];
  readonly type?: readonly string[];
  readonly days?: string;
  readonly until?: string;
  readonly deny?: boolean;
}

/** Without --days or --until a consent lasts this long: short enough that forgotten grants lapse. */
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

/** Repeatable flags; no commander default, so help does not print "(default: [])". */
const collect = (value: string, previous: readonly string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** `TREAT,HRESCH`: distinct v3-ActReason codes. */
export function purposesFlag(value: string): Purpose[] {
  const items = value.split(",").map((p) => p.trim());
  const purposes = items.map((p) => choiceFlag(p, "--purpose", PURPOSES));
  if (new Set(purposes).size !== purposes.length)
    throw invalidFlag("--purpose", "must not repeat a purpose", value);
  return purposes;
}

function distinct(values: readonly string[], flag: string, max: number): void {
  if (values.length > max) throw invalidFlag(flag, `may be given at most ${max} times`, values.join(" "));
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw invalidFlag(flag, "must not repeat a value", v);
    seen.add(v);
  }
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/;

/**
 * An ISO 8601 date (UTC midnight) or date-time with an explicit zone: a consent's end must not
 * depend on the time zone of whoever typed it.
 */
export function untilFlag(value: string): number {
  const m = ISO_RE.exec(value);
  const ms = m === null ? Number.NaN : Date.parse(value);
  const [y, mo, d] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
  // Date.parse rolls 2026-02-30 over into March; refuse dates that do not exist.
  const real = new Date(Date.UTC(y, mo - 1, d));
  if (Number.isNaN(ms) || real.getUTCMonth() !== mo - 1 || real.getUTCDate() !== d) {
    throw invalidFlag(
      "--until",
      "must be an ISO date (2026-12-31) or date-time with zone (2026-12-31T18:00Z)",
      value,
    );
  }
  return ms;
}

/** [start, end) of the consent: from now until --until, or for --days (default 30). */
function periodOf(opts: GrantFlags, nowMs: number): { start: bigint; end: bigint } {
  if (opts.days !== undefined && opts.until !== undefined) {
    throw invalidFlag("--days/--until", "give at most one of them", `${opts.days} ${opts.until}`);
  }
  const end =
    opts.until !== undefined
      ? untilFlag(opts.until)
      : nowMs + intFlag(opts.days ?? String(DEFAULT_DAYS), "--days", 1, 36_500) * DAY_MS;
  if (end <= nowMs) throw invalidFlag("--until", "must be in the future", opts.until ?? "");
  return { start: BigInt(nowMs), end: BigInt(end) };
}

interface ConsentView {
  readonly id: string;
  readonly status: string;
  readonly decision: string;
  readonly provision?: ReadonlyArray<{
    readonly purpose?: ReadonlyArray<{ readonly code?: string }>;
    readonly data?: readonly unknown[];
    readonly documentType?: ReadonlyArray<{ readonly code?: string }>;
  }>;
  readonly consortia?: {
    readonly recipient?: string;
    readonly periodStartMs?: unknown;
    readonly periodEndMs?: unknown;
  };
}

function scopeOf(c: ConsentView): string {
  const p = c.provision?.[0];
  const ids = p?.data?.length ?? 0;
  const types = (p?.documentType ?? []).map((t) => t.code ?? "?");
  if (ids === 0 && types.length === 0) return "all records";
  return [ids > 0 ? `${ids} record${ids === 1 ? "" : "s"}` : "", ...types].filter((s) => s !== "").join(", ");
}

export function registerConsentCommands(program: Command): void {
  const consent = usageErrorsOn(
    program
      .command("consent")
      .description("a patient's consents (FHIR Consent): who may read which records, for what, until when"),
  );

  signedCommand(
    consent,
    "grant",
    "grant (or with --deny, refuse) one user access to your records for the given purposes and period",
  )
    .requiredOption("--to <address>", "the recipient (a user an institution has added)")
    .requiredOption("--purpose <list>", `comma-separated purposes of use: ${PURPOSES.join(", ")}`)
    .option(
      "--record <id>",
      `a record id; repeat for more (at most ${MAX_CONSENT_RECORD_IDS}). No --record and no --type = every record`,
      collect,
    )
    .option(
      "--type <type>",
      `a record type such as fhir:Observation or binary:application/pdf; repeat for more (at most ${MAX_CONSENT_RECORD_TYPES})`,
      collect,
    )
    .option("--days <n>", `valid from now for n days, 1..36500 (default ${DEFAULT_DAYS})`)
    .option("--until <iso>", "valid from now until this ISO date (UTC) or date-time with zone")
    .option("--deny", "a deny consent: refuses the recipient even where another consent permits")
    .addHelpText(
      "after",
      "\nExample:\n  consortia consent grant --key alice --to 8b93…ea --purpose TREAT,ETREAT --type fhir:Observation --days 7",
    )
    .action((opts: GrantFlags) =>
      run(opts, async () => {
        const recipient = addressFlag(opts.to, "--to");
        const purposes = purposesFlag(opts.purpose);
        const recordIds = (opts.record ?? []).map((r) => hashFlag(r, "--record"));
        const recordTypes = opts.type ?? [];
        distinct(recordIds, "--record", MAX_CONSENT_RECORD_IDS);
        for (const t of recordTypes) {
          if (!isRecordType(t))
            throw invalidFlag("--type", "must be fhir:<ResourceType> or binary:<mime type>", t);
        }
        distinct(recordTypes, "--type", MAX_CONSENT_RECORD_TYPES);
        const { start, end } = periodOf(opts, Date.now());
        const decision = opts.deny === true ? "deny" : "permit";
        await withKey(opts, async (sk, client) => {
          progress(`granting ${decision} to ${opts.to}; waiting for the block...`);
          const r = await grantConsent(client, sk, {
            recipient,
            decision,
            purposes,
            recordIds: recordIds.map((id) => fromHex(id)),
            recordTypes: [...recordTypes],
            periodStartMs: start,
            periodEndMs: end,
          });
          const view = {
            consentId: r.hash,
            height: r.committed?.height,
            patient: addressOfKey(sk),
            recipient: opts.to,
            decision,
            purposes,
            recordIds,
            recordTypes,
            periodStart: isoTime(start),
            periodEnd: isoTime(end),
          };
          emit(opts, view, [
            `consent ${r.hash} (${decision}) at height ${view.height ?? "?"}`,
            `  to      ${opts.to}`,
            `  for     ${purposes.join(", ")}`,
            `  covers  ${recordIds.length + recordTypes.length === 0 ? "all records" : [...recordIds, ...recordTypes].join(", ")}`,
            `  period  ${view.periodStart} .. ${view.periodEnd}`,
            `  revoke: consortia consent revoke ${r.hash} --key ${opts.key}`,
          ]);
        });
      }),
    );

  signedCommand(consent, "revoke", "revoke one of your consents; it stops counting from the next transaction")
    .argument("<consent-id>", "consent id: the hash `consent grant` printed (64 hex characters)")
    .addHelpText("after", "\nExample:\n  consortia consent revoke 9c1e…04 --key alice")
    .action((id: string, opts: SignedFlags) =>
      run(opts, async () => {
        const consentId = hashFlag(id, "consent-id");
        await withKey(opts, async (sk, client) => {
          progress(`revoking ${consentId.slice(0, 16)}…; waiting for the block...`);
          const r = await revokeConsent(client, sk, consentId);
          emit(opts, { consentId, hash: r.hash, height: r.committed?.height }, [
            `revoked consent ${consentId} at height ${r.committed?.height ?? "?"}`,
          ]);
        });
      }),
    );

  readCommand(
    consent,
    "list",
    "list every consent a patient has granted (FHIR Consent resources with --json)",
  )
    .requiredOption("--patient <address>", "the patient")
    .addHelpText("after", "\nExample:\n  consortia consent list --patient 3f9a…c2 --json")
    .action((opts: ReadFlags & { readonly patient: string }) =>
      run(opts, async () => {
        addressFlag(opts.patient, "--patient");
        const v = (await listConsents(apiClient(opts.api), opts.patient)) as { consents: ConsentView[] };
        const rows = v.consents.map((c) => [
          c.id,
          c.status,
          c.decision,
          c.consortia?.recipient ?? "?",
          (c.provision?.[0]?.purpose ?? []).map((p) => p.code ?? "?").join(","),
          scopeOf(c),
          `${isoTime(c.consortia?.periodStartMs)} .. ${isoTime(c.consortia?.periodEndMs)}`,
        ]);
        emit(
          opts,
          v,
          rows.length === 0
            ? [`no consents granted by ${opts.patient}`]
            : table(["id", "status", "decision", "recipient", "purposes", "covers", "period"], rows),
        );
      }),
    );
}
