/**
 * The storage contracts of the platform: assistants, threads, runs and their queue, crons and
 * workers. The names follow LangGraph Platform so its users feel at home. Every record belongs
 * to a tenant, and every method that reads or changes one takes the tenant, so isolation is
 * enforced by the store, not by the caller remembering a filter.
 *
 * Times are ISO-8601 strings in records and `Date`s in arguments; stores keep integer
 * milliseconds so the queue compares numbers.
 */

import type { HeldWrites } from "../checkpoint/types.ts";

/** A JSON object as stored (metadata, config, values). */
export type JsonObject = Record<string, unknown>;

export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";

/**
 * `pending` waits for a worker; `running` holds a lease. A run ends `success`, `error`,
 * `timeout`, `interrupted` (paused by `interrupt()`, resumable with a new run), `cancelled`, or
 * `dead` (its worker was lost `maxAttempts` times; the last error is kept).
 */
export type RunStatus =
  | "pending"
  | "running"
  | "success"
  | "error"
  | "timeout"
  | "interrupted"
  | "cancelled"
  | "dead";

/** What a new run does when its thread already has an active run (double-texting). */
export type MultitaskStrategy = "reject" | "enqueue" | "interrupt" | "rollback";

/** How a run is cancelled: keep its checkpoints (`interrupt`), or undo them (`rollback`). */
export type CancelAction = "interrupt" | "rollback";

export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ["pending", "running"];

export interface Assistant {
  tenant: string;
  assistantId: string;
  graphId: string;
  name: string;
  description: string | null;
  config: JsonObject;
  context: JsonObject | null;
  metadata: JsonObject;
  /** Starts at 1; every change of config, context, metadata, name or description adds one. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewAssistant {
  tenant: string;
  assistantId: string;
  graphId: string;
  name?: string;
  description?: string | null;
  config?: JsonObject;
  context?: JsonObject | null;
  metadata?: JsonObject;
}

export type AssistantPatch = Partial<
  Pick<Assistant, "graphId" | "name" | "description" | "config" | "context" | "metadata">
>;

export interface AssistantQuery {
  tenant: string;
  graphId?: string;
  name?: string;
  /** Every key must equal (JSON equality) the assistant's metadata value. */
  metadata?: JsonObject;
  limit?: number;
  offset?: number;
}

export interface Thread {
  tenant: string;
  threadId: string;
  status: ThreadStatus;
  metadata: JsonObject;
  /** The state values after the thread's last run, as JSON; null before any run. */
  values: unknown;
  /** Interrupts raised by the last run, by task id; empty when none. */
  interrupts: JsonObject;
  createdAt: string;
  updatedAt: string;
}

export interface ThreadQuery {
  tenant: string;
  status?: ThreadStatus;
  metadata?: JsonObject;
  limit?: number;
  offset?: number;
}

/** What a run asks the graph to do: everything from the run request except queue fields. */
export interface RunKwargs {
  input?: unknown;
  command?: { resume?: unknown; update?: unknown; goto?: unknown };
  config?: JsonObject;
  context?: JsonObject;
  streamMode?: string[];
  streamSubgraphs?: boolean;
  interruptBefore?: string[] | "*";
  interruptAfter?: string[] | "*";
  /** Start from this checkpoint (a fork) instead of the thread's newest. */
  checkpointId?: string;
  durability?: "sync" | "async" | "exit";
  [key: string]: unknown;
}

export interface RunError {
  code: string;
  message: string;
  [key: string]: unknown;
}

export interface Run {
  tenant: string;
  runId: string;
  threadId: string;
  assistantId: string;
  graphId: string;
  /** The assistant version the run was submitted against. */
  assistantVersion: number;
  status: RunStatus;
  kwargs: RunKwargs;
  metadata: JsonObject;
  /** Higher runs first. */
  priority: number;
  multitaskStrategy: MultitaskStrategy;
  idempotencyKey: string | null;
  webhook: string | null;
  /** A stateless run: its thread is deleted once the run ends. */
  temporary: boolean;
  /** Not claimable before this time (delayed runs, retry backoff). */
  runAt: string;
  /** Claims so far; a claim of a run at `maxAttempts` whose worker is then lost makes it dead. */
  attempt: number;
  maxAttempts: number;
  /** The fencing generation of the current (or last) claim; 0 before the first. */
  generation: number;
  workerId: string | null;
  /** Set while a cancel request waits for the worker to act on it. */
  cancelAction: CancelAction | null;
  error: RunError | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface NewRun {
  tenant: string;
  runId: string;
  /** The thread; created when missing if `ifNotExists` is "create". */
  threadId: string;
  ifNotExists?: "create" | "reject";
  /** Metadata for a thread this call creates. */
  threadMetadata?: JsonObject;
  assistantId: string;
  graphId: string;
  assistantVersion: number;
  kwargs: RunKwargs;
  metadata?: JsonObject;
  priority?: number;
  multitaskStrategy?: MultitaskStrategy;
  idempotencyKey?: string;
  webhook?: string;
  temporary?: boolean;
  runAt?: Date;
  maxAttempts?: number;
  /**
   * Set when the run was built from a remembered assistant: the enqueue checks, in its own
   * transaction, that the request's name still resolves to it, and else stores nothing and
   * fails with ASSISTANT_CHANGED (the submitter resolves the name again and resubmits).
   */
  assistantCheck?: AssistantCheck;
}

/**
 * What {@link NewRun.assistantCheck} holds. It passes when the assistant `assistantId` is at
 * `assistantVersion` with the run's `graphId` and exactly this config and context (as stored:
 * JSON text), and, when `name` is not that id (a graph id resolved to its default assistant),
 * no assistant has the id `name`. Version and content both: an assistant deleted and made
 * again starts over at version 1.
 */
export interface AssistantCheck {
  /** The name the request gave: an assistant id, or a graph id. */
  name: string;
  /** The assistant's config, as `JSON.stringify` wrote it. */
  config: string;
  /** The assistant's context, likewise, or null. */
  context: string | null;
}

export interface EnqueueResult {
  run: Run;
  /** False when `idempotencyKey` matched an earlier run, which is returned instead. */
  created: boolean;
  /** Runs the multitask strategy cancelled (pending) or asked to cancel (running). */
  displaced: Run[];
}

export interface RunQuery {
  tenant: string;
  threadId?: string;
  assistantId?: string;
  status?: RunStatus | RunStatus[];
  limit?: number;
  offset?: number;
}

/** Proof of ownership: writes by a claim whose generation is no longer current are rejected. */
export interface Fence {
  runId: string;
  generation: number;
}

export interface ClaimRequest {
  workerId: string;
  /** The most runs to claim now (the worker's free slots). */
  limit: number;
  now: Date;
  /** Only runs of these graphs (the graphs this worker can execute). */
  graphIds?: string[];
  /** Most running runs per assistant, across all workers. */
  maxPerAssistant?: number;
  /** Most running runs per tenant, across all workers. */
  maxPerTenant?: number;
}

/** How a claimed run ended, as the worker reports it. */
export interface RunOutcome {
  status: "success" | "error" | "timeout" | "interrupted" | "cancelled";
  error?: RunError;
  /** The thread's state values after the run, as JSON. */
  values?: unknown;
  interrupts?: JsonObject;
  /**
   * The run's last checkpoint writes, not yet stored (`CheckpointSaver.holdBatch`). A store
   * whose fenced saver made them writes them in the statement that ends the run; any other
   * store writes them first (`held.write()`).
   */
  held?: HeldWrites;
}

export interface QueueStatus {
  pending: number;
  /** Pending runs whose `runAt` is still in the future. */
  delayed: number;
  running: number;
  dead: number;
  /** Age in ms of the oldest runnable pending run, or null when none waits. */
  oldestWaitingMs: number | null;
  byGraph: Record<string, { pending: number; running: number }>;
  byTenant: Record<string, { pending: number; running: number }>;
  byPriority: Record<string, number>;
  /** Pending runs whose assistant version no longer exists (shown, never dropped). */
  stranded: number;
}

export interface WorkerInfo {
  workerId: string;
  graphIds: string[];
  concurrency: number;
  hostname?: string;
  pid?: number;
}

export interface Worker extends WorkerInfo {
  startedAt: string;
  heartbeatAt: string;
  leaseExpiresAt: string;
}

export interface HeartbeatResult {
  /** Runs this worker held that it no longer owns: stop them and write nothing. */
  lost: string[];
  /** Runs of this worker whose cancellation was requested. */
  cancel: { runId: string; action: CancelAction }[];
}

export interface SweepResult {
  /** Runs of lost workers put back in the queue. */
  requeued: string[];
  /** Runs of lost workers that had used all their attempts. */
  dead: string[];
}

export interface Cron {
  tenant: string;
  cronId: string;
  assistantId: string;
  /** Each firing runs on this thread; a new temporary thread per firing when null. */
  threadId: string | null;
  /** Standard five-field cron syntax (or six with seconds). */
  schedule: string;
  timeZone: string;
  kwargs: RunKwargs;
  metadata: JsonObject;
  enabled: boolean;
  nextRunAt: string;
  endTime: string | null;
  lastRunAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewCron = Omit<Cron, "createdAt" | "updatedAt" | "lastRunAt" | "enabled"> & {
  enabled?: boolean;
};

/** Wake-ups a store sends to workers so nobody polls. */
export type WakeEvent =
  | { kind: "run.pending"; tenant: string; runId: string; graphId: string }
  | { kind: "run.cancel"; tenant: string; runId: string; action: CancelAction }
  | { kind: "run.finished"; tenant: string; runId: string; status: RunStatus };
