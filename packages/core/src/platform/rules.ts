/**
 * The pure rules every platform store applies, so memory, SQLite and PostgreSQL agree: input
 * validation and defaults, the multitask strategy, and the thread status after a run.
 */
import { InvalidArgumentError } from "../errors.ts";
import type {
  Assistant,
  AssistantCheck,
  CancelAction,
  JsonObject,
  MultitaskStrategy,
  NewAssistant,
  NewRun,
  Run,
  RunOutcome,
  ThreadStatus,
} from "./types.ts";

const STRATEGIES: readonly MultitaskStrategy[] = ["reject", "enqueue", "interrupt", "rollback"];
const MAX_ID = 256;

export const DEFAULT_MAX_ATTEMPTS = 3;

/** Throws unless `value` is a non-empty id of at most 256 characters. */
export function checkId(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_ID) {
    throw new InvalidArgumentError(
      `${what} must be a non-empty string of at most ${MAX_ID} characters; got ${JSON.stringify(value)}.`,
      "INVALID_ID",
    );
  }
  return value;
}

function checkObject(value: unknown, what: string): JsonObject {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `${what} must be a JSON object; got ${JSON.stringify(value)}.`,
      "INVALID_ARGUMENT",
    );
  }
  return value as JsonObject;
}

function checkInteger(value: unknown, what: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new InvalidArgumentError(
      `${what} must be an integer >= ${min}; got ${JSON.stringify(value)}.`,
      "INVALID_ARGUMENT",
    );
  }
  return value as number;
}

/** Validates a run request and fills its defaults into a pending run record. Pure. */
export function newRunRecord(input: NewRun, now: Date): Run {
  const strategy = input.multitaskStrategy ?? "enqueue";
  if (!STRATEGIES.includes(strategy)) {
    throw new InvalidArgumentError(
      `multitaskStrategy must be one of ${STRATEGIES.join(", ")}; got ${JSON.stringify(strategy)}.`,
      "INVALID_ARGUMENT",
    );
  }
  const at = now.toISOString();
  const runAt = input.runAt ?? now;
  if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) {
    throw new InvalidArgumentError(`runAt must be a valid Date; got ${String(runAt)}.`);
  }
  return {
    tenant: checkId(input.tenant, "tenant"),
    runId: checkId(input.runId, "runId"),
    threadId: checkId(input.threadId, "threadId"),
    assistantId: checkId(input.assistantId, "assistantId"),
    graphId: checkId(input.graphId, "graphId"),
    assistantVersion: checkInteger(input.assistantVersion, "assistantVersion", 1, 1),
    status: "pending",
    kwargs: checkObject(input.kwargs, "kwargs"),
    metadata: checkObject(input.metadata, "metadata"),
    priority: checkInteger(input.priority, "priority", -1_000_000, 0),
    multitaskStrategy: strategy,
    idempotencyKey:
      input.idempotencyKey === undefined ? null : checkId(input.idempotencyKey, "idempotencyKey"),
    webhook: input.webhook ?? null,
    temporary: input.temporary === true,
    runAt: runAt.toISOString(),
    attempt: 0,
    maxAttempts: checkInteger(input.maxAttempts, "maxAttempts", 1, DEFAULT_MAX_ATTEMPTS),
    generation: 0,
    workerId: null,
    cancelAction: null,
    error: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    endedAt: null,
  };
}

/** Validates a new assistant into its first version. Pure. */
export function newAssistantRecord(input: NewAssistant, now: Date): Assistant {
  const at = now.toISOString();
  return {
    tenant: checkId(input.tenant, "tenant"),
    assistantId: checkId(input.assistantId, "assistantId"),
    graphId: checkId(input.graphId, "graphId"),
    name: input.name ?? input.graphId,
    description: input.description ?? null,
    config: checkObject(input.config, "config"),
    context:
      input.context === undefined || input.context === null
        ? null
        : checkObject(input.context, "context"),
    metadata: checkObject(input.metadata, "metadata"),
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * What a new run does to the thread's active runs (oldest first): `reject` names the run that
 * blocks it; otherwise the runs to cancel and how.
 */
export function applyStrategy<R extends Run>(
  strategy: MultitaskStrategy,
  active: readonly R[],
): { reject: R } | { cancel: { run: R; action: CancelAction }[] } {
  if (active.length === 0 || strategy === "enqueue") return { cancel: [] };
  if (strategy === "reject") return { reject: active[0]! };
  return { cancel: active.map((run) => ({ run, action: strategy })) };
}

/** The thread's status once a run ends; `busy` while other runs wait on it. */
export function threadStatusAfter(
  outcome: RunOutcome["status"] | "dead",
  othersActive: boolean,
): ThreadStatus {
  if (othersActive) return "busy";
  if (outcome === "interrupted") return "interrupted";
  if (outcome === "error" || outcome === "timeout" || outcome === "dead") return "error";
  return "idle";
}

/** Whether every key of `filter` equals (as JSON) the same key of `metadata`. */
export function metadataMatches(metadata: JsonObject, filter: JsonObject | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(
    ([key, value]) => JSON.stringify(metadata[key]) === JSON.stringify(value),
  );
}

/** The run statuses `retry` accepts. */
export const RETRYABLE_STATUSES: readonly Run["status"][] = [
  "error",
  "dead",
  "timeout",
  "cancelled",
];

/** Clamps a page size: default 10, at most 1000. */
export function pageOf(query: { limit?: number; offset?: number }): {
  limit: number;
  offset: number;
} {
  const limit = checkInteger(query.limit, "limit", 1, 10);
  const offset = checkInteger(query.offset, "offset", 0, 0);
  return { limit: Math.min(limit, 1000), offset };
}

/** The check a run built from `assistant`, named `name` in its request, carries. Pure. */
export function assistantCheckOf(name: string, assistant: Assistant): AssistantCheck {
  return {
    name,
    config: JSON.stringify(assistant.config),
    context: assistant.context == null ? null : JSON.stringify(assistant.context),
  };
}

/**
 * Whether `input`'s assistant check (if any) holds against the assistants as they are now:
 * `current` is the assistant `input.assistantId`, `shadowed` whether an assistant has the id
 * the request named (only asked when that name is not the assistant's id).
 */
export function assistantCheckHolds(
  input: NewRun,
  current: Assistant | undefined,
  shadowed: () => boolean,
): boolean {
  const check = input.assistantCheck;
  if (check === undefined) return true;
  if (current === undefined) return false;
  const now = assistantCheckOf(check.name, current);
  return (
    current.version === input.assistantVersion &&
    current.graphId === input.graphId &&
    now.config === check.config &&
    now.context === check.context &&
    (check.name === input.assistantId || !shadowed())
  );
}
