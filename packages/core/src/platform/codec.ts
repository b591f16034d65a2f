/**
 * How platform records map to table rows, shared by the SQL adapters so SQLite and PostgreSQL
 * store the same shapes. Times are integer milliseconds (the queue compares numbers); JSON
 * fields are text. Drivers may return integers as strings (pg's BIGINT), so readers go through
 * `Number()`.
 */
import type { Assistant, Cron, Run, Thread } from "./types.ts";

/** A `conclave_runs` row. Column names are the snake_case of these. */
export interface RunRow {
  tenant: string;
  runId: string;
  threadId: string;
  assistantId: string;
  graphId: string;
  assistantVersion: number | string;
  status: string;
  kwargs: string;
  metadata: string;
  priority: number | string;
  multitaskStrategy: string;
  idempotencyKey: string | null;
  webhook: string | null;
  temporary: number | boolean;
  runAt: number | string;
  attempt: number | string;
  maxAttempts: number | string;
  generation: number | string;
  workerId: string | null;
  cancelAction: string | null;
  error: string | null;
  createdAt: number | string;
  updatedAt: number | string;
  startedAt: number | string | null;
  endedAt: number | string | null;
}

export const iso = (ms: number | string): string => new Date(Number(ms)).toISOString();
const isoOrNull = (ms: number | string | null): string | null => (ms === null ? null : iso(ms));
export const ms = (isoTime: string): number => Date.parse(isoTime);
const msOrNull = (isoTime: string | null): number | null => (isoTime === null ? null : ms(isoTime));

export function runToRow(run: Run): RunRow {
  return {
    tenant: run.tenant,
    runId: run.runId,
    threadId: run.threadId,
    assistantId: run.assistantId,
    graphId: run.graphId,
    assistantVersion: run.assistantVersion,
    status: run.status,
    kwargs: JSON.stringify(run.kwargs),
    metadata: JSON.stringify(run.metadata),
    priority: run.priority,
    multitaskStrategy: run.multitaskStrategy,
    idempotencyKey: run.idempotencyKey,
    webhook: run.webhook,
    temporary: run.temporary ? 1 : 0,
    runAt: ms(run.runAt),
    attempt: run.attempt,
    maxAttempts: run.maxAttempts,
    generation: run.generation,
    workerId: run.workerId,
    cancelAction: run.cancelAction,
    error: run.error === null ? null : JSON.stringify(run.error),
    createdAt: ms(run.createdAt),
    updatedAt: ms(run.updatedAt),
    startedAt: msOrNull(run.startedAt),
    endedAt: msOrNull(run.endedAt),
  };
}

export function runFromRow(row: RunRow): Run {
  return {
    tenant: row.tenant,
    runId: row.runId,
    threadId: row.threadId,
    assistantId: row.assistantId,
    graphId: row.graphId,
    assistantVersion: Number(row.assistantVersion),
    status: row.status as Run["status"],
    kwargs: JSON.parse(row.kwargs),
    metadata: JSON.parse(row.metadata),
    priority: Number(row.priority),
    multitaskStrategy: row.multitaskStrategy as Run["multitaskStrategy"],
    idempotencyKey: row.idempotencyKey,
    webhook: row.webhook,
    temporary: row.temporary === true || Number(row.temporary) === 1,
    runAt: iso(row.runAt),
    attempt: Number(row.attempt),
    maxAttempts: Number(row.maxAttempts),
    generation: Number(row.generation),
    workerId: row.workerId,
    cancelAction: row.cancelAction as Run["cancelAction"],
    error: row.error === null ? null : JSON.parse(row.error),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    startedAt: isoOrNull(row.startedAt),
    endedAt: isoOrNull(row.endedAt),
  };
}

/** A `conclave_threads` row. */
export interface ThreadRow {
  tenant: string;
  threadId: string;
  status: string;
  metadata: string;
  values: string | null;
  interrupts: string;
  createdAt: number | string;
  updatedAt: number | string;
}

export function threadFromRow(row: ThreadRow): Thread {
  return {
    tenant: row.tenant,
    threadId: row.threadId,
    status: row.status as Thread["status"],
    metadata: JSON.parse(row.metadata),
    values: row.values === null ? null : JSON.parse(row.values),
    interrupts: JSON.parse(row.interrupts),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** A `conclave_assistants` (or `conclave_assistant_versions`) row. */
export interface AssistantRow {
  tenant: string;
  assistantId: string;
  graphId: string;
  name: string;
  description: string | null;
  config: string;
  context: string | null;
  metadata: string;
  version: number | string;
  createdAt: number | string;
  updatedAt: number | string;
}

export function assistantToRow(assistant: Assistant): AssistantRow {
  return {
    ...assistant,
    config: JSON.stringify(assistant.config),
    context: assistant.context === null ? null : JSON.stringify(assistant.context),
    metadata: JSON.stringify(assistant.metadata),
    createdAt: ms(assistant.createdAt),
    updatedAt: ms(assistant.updatedAt),
  };
}

export function assistantFromRow(row: AssistantRow): Assistant {
  return {
    tenant: row.tenant,
    assistantId: row.assistantId,
    graphId: row.graphId,
    name: row.name,
    description: row.description,
    config: JSON.parse(row.config),
    context: row.context === null ? null : JSON.parse(row.context),
    metadata: JSON.parse(row.metadata),
    version: Number(row.version),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** A `conclave_crons` row. */
export interface CronRow {
  tenant: string;
  cronId: string;
  assistantId: string;
  threadId: string | null;
  schedule: string;
  timeZone: string;
  kwargs: string;
  metadata: string;
  enabled: number | boolean;
  nextRunAt: number | string;
  endTime: number | string | null;
  lastRunAt: number | string | null;
  createdAt: number | string;
  updatedAt: number | string;
}

export function cronToRow(cron: Cron): CronRow {
  return {
    ...cron,
    kwargs: JSON.stringify(cron.kwargs),
    metadata: JSON.stringify(cron.metadata),
    enabled: cron.enabled ? 1 : 0,
    nextRunAt: ms(cron.nextRunAt),
    endTime: msOrNull(cron.endTime),
    lastRunAt: msOrNull(cron.lastRunAt),
    createdAt: ms(cron.createdAt),
    updatedAt: ms(cron.updatedAt),
  };
}

export function cronFromRow(row: CronRow): Cron {
  return {
    tenant: row.tenant,
    cronId: row.cronId,
    assistantId: row.assistantId,
    threadId: row.threadId,
    schedule: row.schedule,
    timeZone: row.timeZone,
    kwargs: JSON.parse(row.kwargs),
    metadata: JSON.parse(row.metadata),
    enabled: row.enabled === true || Number(row.enabled) === 1,
    nextRunAt: iso(row.nextRunAt),
    endTime: isoOrNull(row.endTime),
    lastRunAt: isoOrNull(row.lastRunAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}
