/**
 * The columns of the platform tables, derived from core's row codec types (`platform/codec.ts`):
 * each column is the snake_case of its row field, so one list gives the SELECT list (aliased
 * back to the field), the INSERT column list and the order of the values. bigint columns come
 * back as strings, which the codec reads through `Number()`.
 */
import type { AssistantRow, CronRow, RunRow, ThreadRow } from "@conclave/core";

/** The fields of a `conclave_runs` row, in insert order. */
export const RUN_FIELDS = [
  "tenant",
  "runId",
  "threadId",
  "assistantId",
  "graphId",
  "assistantVersion",
  "status",
  "kwargs",
  "metadata",
  "priority",
  "multitaskStrategy",
  "idempotencyKey",
  "webhook",
  "temporary",
  "runAt",
  "attempt",
  "maxAttempts",
  "generation",
  "workerId",
  "cancelAction",
  "error",
  "createdAt",
  "updatedAt",
  "startedAt",
  "endedAt",
] as const satisfies readonly (keyof RunRow)[];

/** The SQL type of each `conclave_runs` column (migration 5), to read rows back from JSON. */
export const RUN_TYPES: Record<(typeof RUN_FIELDS)[number], string> = {
  tenant: "text",
  runId: "text",
  threadId: "text",
  assistantId: "text",
  graphId: "text",
  assistantVersion: "integer",
  status: "text",
  kwargs: "text",
  metadata: "text",
  priority: "integer",
  multitaskStrategy: "text",
  idempotencyKey: "text",
  webhook: "text",
  temporary: "boolean",
  runAt: "bigint",
  attempt: "integer",
  maxAttempts: "integer",
  generation: "bigint",
  workerId: "text",
  cancelAction: "text",
  error: "text",
  createdAt: "bigint",
  updatedAt: "bigint",
  startedAt: "bigint",
  endedAt: "bigint",
};

/** A run row as a JSON object keyed by column (what `jsonb_to_recordset` reads). */
export function runJson(row: RunRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of RUN_FIELDS) out[column(field).slice(1, -1)] = row[field];
  out.temporary = row.temporary === true || Number(row.temporary) === 1;
  return out;
}

/** The fields of a `conclave_threads` row (the queue's own columns are left out). */
export const THREAD_FIELDS = [
  "tenant",
  "threadId",
  "status",
  "metadata",
  "values",
  "interrupts",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof ThreadRow)[];

/** The fields of a `conclave_assistants` or `conclave_assistant_versions` row. */
export const ASSISTANT_FIELDS = [
  "tenant",
  "assistantId",
  "graphId",
  "name",
  "description",
  "config",
  "context",
  "metadata",
  "version",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof AssistantRow)[];

/** The fields of a `conclave_crons` row. */
export const CRON_FIELDS = [
  "tenant",
  "cronId",
  "assistantId",
  "threadId",
  "schedule",
  "timeZone",
  "kwargs",
  "metadata",
  "enabled",
  "nextRunAt",
  "endTime",
  "lastRunAt",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof CronRow)[];

/** The quoted column of a row field: `runId` -> `"run_id"` (quoted, since `values` is reserved). */
export function column(field: string): string {
  return `"${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}"`;
}

/** A SELECT list that names each column back as its field, e.g. `r."run_id" AS "runId"`. */
export function selectList(fields: readonly string[], alias: string): string {
  return fields.map((f) => `${alias}.${column(f)} AS "${f}"`).join(", ");
}

/** The columns of `alias`, unaliased, e.g. `a."run_id", a."tenant"` (for `SET (...) = (...)`). */
export function columnsOf(fields: readonly string[], alias: string): string {
  return fields.map((f) => `${alias}.${column(f)}`).join(", ");
}

/** The column list of an INSERT. */
export function insertList(fields: readonly string[]): string {
  return fields.map(column).join(", ");
}

/** `$from, $from+1, ...`, one placeholder per field. */
export function placeholders(fields: readonly string[], from = 1): string {
  return fields.map((_, i) => `$${from + i}`).join(", ");
}

/** The values of `row` in the order of `fields`. */
export function valuesOf<R>(row: R, fields: readonly (keyof R)[]): unknown[] {
  return fields.map((f) => row[f]);
}
