/**
 * Checks and shapes shared by every Ledger: input validation, the flat row the SQL adapters
 * store, and the order query results come in, so all adapters answer identically.
 */
import { assertPico } from "./budget-rules.ts";
import { InvalidMeteringInputError } from "./errors.ts";
import { instantOf } from "./period.ts";
import { assertTimeZone } from "./time-zone.ts";
import type { LedgerDimension, LedgerQuery, LedgerRow, UsageRecord, UsageTokens } from "./types.ts";

/** Every dimension a ledger groups by. */
export const LEDGER_DIMENSIONS: readonly LedgerDimension[] = [
  "model",
  "deployment",
  "alias",
  "agent",
  "thread",
  "tenant",
  "day",
];
const TOKEN_FIELDS: readonly (keyof UsageTokens)[] = [
  "inputNoCache",
  "inputCacheRead",
  "inputCacheWrite",
  "outputText",
  "outputReasoning",
];
const STATUSES: readonly UsageRecord["status"][] = ["ok", "error", "cancelled"];

/** A query's filters, checked, with bounds as epoch milliseconds. */
export interface CheckedFilter {
  fromMs?: number;
  toMs?: number;
  tenant?: string;
  threadId?: string;
  runId?: string;
  timeZone: string;
}

/** A grouped query, checked: dimensions without duplicates, in the order asked. */
export interface CheckedQuery extends CheckedFilter {
  groupBy: LedgerDimension[];
}

function bad(detail: string): InvalidMeteringInputError {
  return new InvalidMeteringInputError(detail);
}

/** Zero tokens. */
export function emptyTokens(): UsageTokens {
  return {
    inputNoCache: 0,
    inputCacheRead: 0,
    inputCacheWrite: 0,
    outputText: 0,
    outputReasoning: 0,
  };
}

/**
 * Checks a record before it is stored and returns its time as epoch milliseconds.
 * @throws InvalidMeteringInputError naming the field and the value seen.
 */
export function checkUsageRecord(record: UsageRecord): number {
  const where = `Usage record ${JSON.stringify(record?.id)}`;
  if (typeof record?.id !== "string" || record.id === "")
    throw bad(`${where} needs a non-empty id.`);
  const tsMs = typeof record.ts === "string" ? Date.parse(record.ts) : Number.NaN;
  if (!Number.isFinite(tsMs)) {
    throw bad(`${where} has ts ${JSON.stringify(record.ts)}; use an ISO-8601 time.`);
  }
  for (const field of ["alias", "deployment", "provider", "model", "priceVersion"] as const) {
    if (typeof record[field] !== "string") throw bad(`${where} needs a string ${field}.`);
  }
  for (const field of TOKEN_FIELDS) {
    const count = record.tokens?.[field];
    if (!Number.isSafeInteger(count) || count < 0) {
      throw bad(`${where} has tokens.${field} ${String(count)}; use a whole number >= 0.`);
    }
  }
  if (!STATUSES.includes(record.status)) {
    throw bad(`${where} has status ${JSON.stringify(record.status)}; use ${STATUSES}.`);
  }
  if (!Number.isFinite(record.latencyMs)) throw bad(`${where} needs a finite latencyMs.`);
  assertPico(record.costPico, `${where} costPico`);
  return tsMs;
}

/** Checks the filters common to `query` and `list`. */
export function checkFilter(query: Omit<LedgerQuery, "groupBy">): CheckedFilter {
  const timeZone = assertTimeZone(query.timeZone ?? "UTC", "Ledger query");
  return {
    ...(query.from === undefined ? {} : { fromMs: instantOf(query.from, "Ledger query from") }),
    ...(query.to === undefined ? {} : { toMs: instantOf(query.to, "Ledger query to") }),
    ...(query.tenant === undefined ? {} : { tenant: query.tenant }),
    ...(query.threadId === undefined ? {} : { threadId: query.threadId }),
    ...(query.runId === undefined ? {} : { runId: query.runId }),
    timeZone,
  };
}

/**
 * Checks a grouped query.
 * @throws InvalidMeteringInputError for an unknown dimension; InvalidTimeZoneError for a bad zone.
 */
export function checkQuery(query: LedgerQuery): CheckedQuery {
  const groupBy = [...new Set(query.groupBy ?? [])];
  const unknown = groupBy.find((d) => !LEDGER_DIMENSIONS.includes(d));
  if (unknown !== undefined) {
    throw bad(`Ledger query groupBy has ${JSON.stringify(unknown)}; use ${LEDGER_DIMENSIONS}.`);
  }
  return { ...checkFilter(query), groupBy };
}

/** Checks a `list` limit: absent, or a whole number >= 1. */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw bad(`Ledger list limit must be a whole number >= 1, got ${String(limit)}.`);
  }
  return limit;
}

/** Whether a record (at `tsMs`) passes the filters. Pure. */
export function matches(filter: CheckedFilter, record: UsageRecord, tsMs: number): boolean {
  return (
    (filter.fromMs === undefined || tsMs >= filter.fromMs) &&
    (filter.toMs === undefined || tsMs < filter.toMs) &&
    (filter.tenant === undefined || record.tenant === filter.tenant) &&
    (filter.threadId === undefined || record.threadId === filter.threadId) &&
    (filter.runId === undefined || record.runId === filter.runId)
  );
}

/**
 * Sorts rows by their key values in `groupBy` order, a missing value first, then by code unit
 * (not locale), so every adapter returns the same order. Sorts in place and returns `rows`.
 */
export function sortRows(rows: LedgerRow[], groupBy: LedgerDimension[]): LedgerRow[] {
  return rows.sort((a, b) => {
    for (const dimension of groupBy) {
      const x = a.key[dimension];
      const y = b.key[dimension];
      if (x === y) continue;
      if (x === undefined) return -1;
      if (y === undefined) return 1;
      return x < y ? -1 : 1;
    }
    return 0;
  });
}
