/**
 * Typed errors of the platform store. The server maps them to HTTP statuses by class:
 * NotFoundError to 404, ConflictError to 409 (THREAD_BUSY to 409 as LangGraph does), and
 * LeaseLostError never reaches a client: it tells a worker to stop a run it no longer owns.
 */
import { ConclaveError, type ConclaveErrorOptions } from "../errors.ts";
import type { Fence } from "./types.ts";

/** A named resource does not exist for this tenant. */
export class NotFoundError extends ConclaveError {
  constructor(code: string, message: string, options?: ConclaveErrorOptions) {
    super(code, message, options);
  }
}

/** The request conflicts with the resource's current state (exists, busy, already ended). */
export class ConflictError extends ConclaveError {
  constructor(code: string, message: string, options?: ConclaveErrorOptions) {
    super(code, message, options);
  }
}

/** A worker wrote under a claim that is no longer current: another worker owns the run now. */
export class LeaseLostError extends ConclaveError {
  readonly fence: Fence;
  constructor(fence: Fence, options?: ConclaveErrorOptions) {
    super(
      "LEASE_LOST",
      `Run ${fence.runId} is no longer held by claim generation ${fence.generation}: its lease ` +
        "expired or it was cancelled, and another worker may own it. This worker must stop the " +
        "run without writing; nothing it wrote after losing the lease was stored.",
      options,
    );
    this.fence = fence;
  }
}

export function threadNotFound(tenant: string, threadId: string): NotFoundError {
  return new NotFoundError(
    "THREAD_NOT_FOUND",
    `Thread ${JSON.stringify(threadId)} does not exist for tenant ${JSON.stringify(tenant)}; ` +
      'create it first, or submit with ifNotExists: "create".',
  );
}

export function runNotFound(tenant: string, runId: string): NotFoundError {
  return new NotFoundError(
    "RUN_NOT_FOUND",
    `Run ${JSON.stringify(runId)} does not exist for tenant ${JSON.stringify(tenant)}; list runs to find its id.`,
  );
}

export function assistantNotFound(tenant: string, assistantId: string): NotFoundError {
  return new NotFoundError(
    "ASSISTANT_NOT_FOUND",
    `Assistant ${JSON.stringify(assistantId)} does not exist for tenant ${JSON.stringify(tenant)}; ` +
      "search assistants to find its id, or use a registered graph id.",
  );
}

export function cronNotFound(tenant: string, cronId: string): NotFoundError {
  return new NotFoundError(
    "CRON_NOT_FOUND",
    `Cron ${JSON.stringify(cronId)} does not exist for tenant ${JSON.stringify(tenant)}.`,
  );
}

export function threadBusy(threadId: string, activeRunId: string): ConflictError {
  return new ConflictError(
    "THREAD_BUSY",
    `Thread ${JSON.stringify(threadId)} is already running a task (run ${activeRunId}). Wait for ` +
      'it to finish, or submit with multitaskStrategy "enqueue", "interrupt" or "rollback".',
  );
}

export function runExists(runId: string, cause?: unknown): ConflictError {
  return new ConflictError(
    "RUN_EXISTS",
    `Run ${JSON.stringify(runId)} already exists; run ids are unique across tenants. Submit ` +
      "with a new run id, or with an idempotencyKey to make resubmission safe.",
    cause === undefined ? undefined : { cause },
  );
}

export function alreadyExists(kind: "Assistant" | "Thread" | "Cron", id: string): ConflictError {
  return new ConflictError(
    `${kind.toUpperCase()}_EXISTS`,
    `${kind} ${JSON.stringify(id)} already exists; pass ifExists: "do_nothing" to reuse it, or pick another id.`,
  );
}

export function runFinished(runId: string, status: string): ConflictError {
  return new ConflictError(
    "RUN_FINISHED",
    `Run ${runId} already ended with status "${status}"; there is nothing to cancel. Use retry to run it again.`,
  );
}

export function runNotRetryable(runId: string, status: string): ConflictError {
  return new ConflictError(
    "RUN_NOT_RETRYABLE",
    `Run ${runId} has status "${status}"; only error, dead, timeout and cancelled runs can be retried.`,
  );
}

export function runActive(runId: string, status: string): ConflictError {
  return new ConflictError(
    "RUN_ACTIVE",
    `Run ${runId} is ${status}; cancel it before deleting it.`,
  );
}

/** A run built from a remembered assistant that has changed since (see `AssistantCheck`). */
export function assistantChanged(tenant: string, name: string): ConflictError {
  return new ConflictError(
    "ASSISTANT_CHANGED",
    `Assistant ${JSON.stringify(name)} of tenant ${JSON.stringify(tenant)} changed after the run ` +
      "was built from it, so nothing was enqueued. Resolve the assistant again and resubmit " +
      "(the runtime's submit does this itself).",
  );
}
