/**
 * `list` queries, checked once and shaped for every AuditLog: bounds become the stored ts text
 * (ISO UTC, which sorts as text in time order), so memory, SQLite and PostgreSQL all compare
 * the same strings.
 */
import { InvalidAuditQueryError, showValue } from "./errors.ts";
import { isAuditKind } from "./kinds.ts";
import type { AuditQuery, AuditRow } from "./types.ts";

/** A list query, checked. `afterSeq` is 0 when absent. */
export interface CheckedAuditQuery {
  tenant: string;
  afterSeq: number;
  limit?: number;
  runId?: string;
  kinds?: string[];
  /** Inclusive lower bound, as ISO text. */
  from?: string;
  /** Exclusive upper bound, as ISO text. */
  to?: string;
}

/**
 * Checks the tenant passed to `list`, `verify`, `head` or an export.
 * @throws InvalidAuditQueryError for anything but a non-empty string.
 */
export function checkAuditTenant(tenant: unknown): string {
  if (typeof tenant !== "string" || tenant === "") {
    throw new InvalidAuditQueryError(
      `An audit tenant must be a non-empty string, got ${showValue(tenant)}; pass the tenant ` +
        "whose events you want.",
    );
  }
  return tenant;
}

/**
 * Checks a list query. Pure.
 * @throws InvalidAuditQueryError naming the bad field and its value.
 */
export function checkAuditQuery(query: AuditQuery): CheckedAuditQuery {
  if (typeof query !== "object" || query === null) {
    throw new InvalidAuditQueryError(
      `An audit query must be an object such as { tenant: "acme" }, got ${showValue(query)}.`,
    );
  }
  const checked: CheckedAuditQuery = {
    tenant: checkAuditTenant(query.tenant),
    afterSeq: checkCount("afterSeq", query.afterSeq, 0) ?? 0,
  };
  const limit = checkCount("limit", query.limit, 1);
  if (limit !== undefined) checked.limit = limit;
  if (query.runId !== undefined) {
    if (typeof query.runId !== "string" || query.runId === "") {
      throw new InvalidAuditQueryError(
        `Audit query runId must be a non-empty string, got ${showValue(query.runId)}.`,
      );
    }
    checked.runId = query.runId;
  }
  if (query.kinds !== undefined) checked.kinds = checkKinds(query.kinds);
  if (query.from !== undefined) checked.from = checkBound("from", query.from);
  if (query.to !== undefined) checked.to = checkBound("to", query.to);
  return checked;
}

function checkCount(field: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidAuditQueryError(
      `Audit query ${field} must be a whole number >= ${min}, got ${showValue(value)}.`,
    );
  }
  return value;
}

function checkKinds(kinds: unknown): string[] {
  if (!Array.isArray(kinds) || !kinds.every(isAuditKind)) {
    throw new InvalidAuditQueryError(
      `Audit query kinds must be an array of dotted lower-case kinds such as ["run.created"], ` +
        `got ${showValue(kinds)}.`,
    );
  }
  return [...new Set(kinds)];
}

const MAX_ISO_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const AFTER_EVERY_TS = "9999-99";

function checkBound(field: string, value: unknown): string {
  const date =
    value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new InvalidAuditQueryError(
      `Audit query ${field} must be a Date or an ISO-8601 string, got ${showValue(value)}.`,
    );
  }
  // Past year 9999 toISOString() starts with "+", which sorts before every stored ts.
  return date.getTime() > MAX_ISO_MS ? AFTER_EVERY_TS : date.toISOString();
}

/** Whether a stored row passes a checked query's filters (not `limit`). Pure. */
export function matchesAuditQuery(query: CheckedAuditQuery, row: AuditRow): boolean {
  return (
    row.tenant === query.tenant &&
    row.seq > query.afterSeq &&
    (query.runId === undefined || row.runId === query.runId) &&
    (query.kinds === undefined || query.kinds.includes(row.kind)) &&
    (query.from === undefined || row.ts >= query.from) &&
    (query.to === undefined || row.ts < query.to)
  );
}
