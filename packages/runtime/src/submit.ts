/**
 * Turns a run request (the shape users and the HTTP API speak) into a queue entry: resolves
 * the assistant (an assistant id, a graph id, or a graph's default-assistant id), merges the
 * assistant's config under the run's, and fills the queue fields.
 */
import {
  type Assistant,
  assistantNotFound,
  type EnqueueResult,
  InvalidArgumentError,
  type JsonObject,
  type MultitaskStrategy,
  type NewAuditEvent,
  type NewRun,
  type PlatformStore,
  type RunKwargs,
} from "@conclave/core";
import type { ResolvedAssistant } from "./assistant-cache.ts";
import type { AuditSink } from "./audit-sink.ts";
import type { GraphRegistry } from "./graph-registry.ts";
import { defaultAssistantId, newId } from "./ids.ts";

export interface SubmitRequest {
  /** Tenant the run belongs to. Default "default". */
  tenant?: string;
  /** An assistant id, a graph id (its default assistant), or a default-assistant id. */
  assistant: string;
  /** The thread to run on; absent for a stateless run on a temporary thread. */
  thread?: string;
  input?: unknown;
  command?: RunKwargs["command"];
  config?: JsonObject;
  context?: JsonObject;
  streamMode?: string[];
  streamSubgraphs?: boolean;
  interruptBefore?: string[] | "*";
  interruptAfter?: string[] | "*";
  checkpointId?: string;
  durability?: "sync" | "async" | "exit";
  priority?: number;
  idempotencyKey?: string;
  /** Not before this time (delayed run). */
  runAt?: Date;
  webhook?: string;
  multitaskStrategy?: MultitaskStrategy;
  metadata?: JsonObject;
  /** Create the thread when it does not exist (default), or fail. */
  ifNotExists?: "create" | "reject";
  maxAttempts?: number;
  /** Stop the run (status timeout) after this many ms. */
  timeoutMs?: number;
  runId?: string;
  /** Who submits, for the audit trail ("key:<id>", "user:<name>"). Default "system". */
  actor?: string;
}

/**
 * Finds the assistant a request names, creating a graph's default assistant on first use. An
 * assistant whose id is `name` wins over the graph of that name.
 *
 * Decision: submitting by graph id (the common case) used to cost three store calls in a row
 * (get by name, then create-if-missing, which reads again); on SQLite the create is a write
 * transaction even when the assistant exists. Now both lookups go out at once and the create
 * runs only the first time: one round trip on PostgreSQL instead of three (queue bench,
 * bench/queue.ts).
 */
export async function resolveAssistant(
  store: PlatformStore,
  registry: GraphRegistry,
  tenant: string,
  name: string,
  now: Date,
): Promise<Assistant> {
  if (registry.get(name)) {
    const [found, byDefault] = await Promise.all([
      store.assistants.get(tenant, name),
      store.assistants.get(tenant, defaultAssistantId(name)),
    ]);
    return found ?? byDefault ?? ensureDefaultAssistant(store, tenant, name, now);
  }
  const found = await store.assistants.get(tenant, name);
  if (found) return found;
  const graphId = registry.ids().find((id) => defaultAssistantId(id) === name);
  if (graphId === undefined) throw assistantNotFound(tenant, name);
  return ensureDefaultAssistant(store, tenant, graphId, now);
}

export function ensureDefaultAssistant(
  store: PlatformStore,
  tenant: string,
  graphId: string,
  now: Date,
) {
  return store.assistants.create(
    {
      tenant,
      assistantId: defaultAssistantId(graphId),
      graphId,
      name: graphId,
      metadata: { created_by: "system" },
    },
    now,
    "do_nothing",
  );
}

/**
 * The queue entries of a batch of requests in `defaultTenant` unless they name one. Each
 * distinct assistant of the batch is resolved once. `ids` keeps the run and thread ids of an
 * earlier build of the same batch (a resubmit after ASSISTANT_CHANGED).
 */
export async function newRunsOf(
  requests: readonly SubmitRequest[],
  defaultTenant: string,
  resolve: (tenant: string, name: string) => Promise<ResolvedAssistant>,
  ids?: readonly Pick<NewRun, "runId" | "threadId">[],
): Promise<NewRun[]> {
  const assistants = new Map<string, Promise<ResolvedAssistant>>();
  const runs: NewRun[] = [];
  for (const [i, request] of requests.entries()) {
    const tenant = request.tenant ?? defaultTenant;
    const key = `${tenant}\0${request.assistant}`;
    let resolved = assistants.get(key);
    if (resolved === undefined) {
      resolved = resolve(tenant, request.assistant);
      assistants.set(key, resolved);
    }
    const { assistant, check } = await resolved;
    const run = newRunOf(request, assistant, tenant);
    if (ids !== undefined) Object.assign(run, { runId: ids[i]!.runId, threadId: ids[i]!.threadId });
    runs.push(check === undefined ? run : { ...run, assistantCheck: check });
  }
  return runs;
}

/** The queue entry for a request against a resolved assistant. */
export function newRunOf(request: SubmitRequest, assistant: Assistant, tenant: string): NewRun {
  checkRequest(request);
  const temporary = request.thread === undefined;
  return {
    tenant,
    runId: request.runId ?? newId(),
    threadId: request.thread ?? newId(),
    ifNotExists: temporary ? "create" : (request.ifNotExists ?? "create"),
    assistantId: assistant.assistantId,
    graphId: assistant.graphId,
    assistantVersion: assistant.version,
    kwargs: kwargsOf(request, assistant),
    metadata: request.metadata,
    priority: request.priority,
    multitaskStrategy: request.multitaskStrategy,
    idempotencyKey: request.idempotencyKey,
    webhook: request.webhook,
    temporary,
    runAt: request.runAt,
    maxAttempts: request.maxAttempts,
  };
}

function kwargsOf(request: SubmitRequest, assistant: Assistant): RunKwargs {
  const kwargs: RunKwargs = { config: mergeConfig(assistant.config, request.config ?? {}) };
  const copy = {
    input: request.input,
    command: request.command,
    context: request.context ?? assistant.context ?? undefined,
    streamMode: request.streamMode,
    streamSubgraphs: request.streamSubgraphs,
    interruptBefore: request.interruptBefore,
    interruptAfter: request.interruptAfter,
    checkpointId: request.checkpointId,
    durability: request.durability,
    timeoutMs: request.timeoutMs,
  };
  for (const [key, value] of Object.entries(copy)) if (value !== undefined) kwargs[key] = value;
  return kwargs;
}

/** The assistant's config under the run's: `configurable` and `metadata` merge key by key. */
export function mergeConfig(base: JsonObject, over: JsonObject): JsonObject {
  const merged: JsonObject = { ...base, ...over };
  for (const key of ["configurable", "metadata"]) {
    const a = base[key] as JsonObject | undefined;
    const b = over[key] as JsonObject | undefined;
    if (a || b) merged[key] = { ...(a ?? {}), ...(b ?? {}) };
  }
  return merged;
}

function checkRequest(request: SubmitRequest): void {
  if (request.input !== undefined && request.command !== undefined) {
    throw new InvalidArgumentError(
      "A run takes either input or command, not both; send the resume value as command.resume.",
      "INVALID_RUN_REQUEST",
    );
  }
  if (
    request.timeoutMs !== undefined &&
    !(Number.isSafeInteger(request.timeoutMs) && request.timeoutMs > 0)
  ) {
    throw new InvalidArgumentError(
      `timeoutMs must be a positive integer number of milliseconds; got ${JSON.stringify(request.timeoutMs)}.`,
      "INVALID_RUN_REQUEST",
    );
  }
  if (request.webhook !== undefined && !/^https?:\/\//.test(request.webhook)) {
    throw new InvalidArgumentError(
      `webhook must be an http(s) URL; got ${JSON.stringify(request.webhook)}.`,
      "INVALID_RUN_REQUEST",
    );
  }
}

/** The `run.created` audit events of the runs a submit created (not the idempotent repeats). */
export function createdEvents(
  requests: readonly SubmitRequest[],
  results: readonly EnqueueResult[],
  audit: Pick<AuditSink, "contentOf">,
): NewAuditEvent[] {
  return results.flatMap(({ run, created }, i) =>
    created ? [createdEvent(requests[i]!, run, audit)] : [],
  );
}

/** The `run.created` audit event of `run`, submitted by `request`. */
export function createdEvent(
  request: SubmitRequest,
  run: Pick<NewRun, "tenant" | "runId" | "threadId" | "assistantId" | "graphId">,
  audit: Pick<AuditSink, "contentOf">,
): NewAuditEvent {
  const input = audit.contentOf(request.command ?? request.input);
  const data = {
    assistantId: run.assistantId,
    graphId: run.graphId,
    ...(input === undefined ? {} : { input }),
  };
  const { tenant, runId, threadId } = run;
  return { tenant, kind: "run.created", actor: request.actor ?? "system", runId, threadId, data };
}
