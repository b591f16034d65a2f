/**
 * Turns a LangGraph run request into a runtime submission. The run's event channel is opened
 * before the run is queued, so a stream (or a later join with `Last-Event-ID`) sees every event
 * from the first; the HTTP request id goes into the run's metadata as `request_id`; and the
 * thread records the graph it last ran (`graph_id`), which its state endpoints read.
 */
import {
  ConflictError,
  InvalidArgumentError,
  type JsonObject,
  NotFoundError,
  type Run,
  runNotFound,
  type Thread,
  threadNotFound,
} from "@conclave/core";
import { isUnavailable, newId, type Runtime, type SubmitRequest } from "@conclave/runtime";
import type { FastifyRequest } from "fastify";
import type { Principal } from "../route.ts";
import { traceContextOf } from "../tracing.ts";
import type { RunCreateBody } from "./schemas.ts";

/** Queues the run `body` describes on `threadId` (a temporary thread when undefined). */
export async function submitRun(
  runtime: Runtime,
  principal: Principal,
  req: FastifyRequest,
  threadId: string | undefined,
  body: RunCreateBody,
): Promise<Run> {
  const [run] = await submitRuns(runtime, principal, req, [{ threadId, body }]);
  return run!;
}

/**
 * Queues the runs `items` describe as one change: all of them, or none when one is refused.
 * Every run's event channel is opened before it is queued (the runtime does it, as every run
 * request streams at least "values").
 */
export async function submitRuns(
  runtime: Runtime,
  principal: Principal,
  req: FastifyRequest,
  items: readonly { threadId: string | undefined; body: RunCreateBody }[],
): Promise<Run[]> {
  const requests: SubmitRequest[] = [];
  for (const { threadId, body } of items)
    requests.push(await submitRequestFor(runtime, principal, req, threadId, body));
  const runs = await runtime.submitMany(requests);
  // The runs are queued, so the request succeeded: a 503 now would make the client submit
  // them again. A tag missed while the database is down is found from the thread's runs.
  for (const run of runs) {
    if (run.temporary) continue;
    await tagThread(runtime, run).catch((error: unknown) => {
      if (!isUnavailable(error)) throw error;
      req.log.warn({ err: error, runId: run.runId }, "thread not tagged; database unavailable");
    });
  }
  return runs;
}

/** The checked runtime request of one run body. */
async function submitRequestFor(
  runtime: Runtime,
  principal: Principal,
  req: FastifyRequest,
  threadId: string | undefined,
  body: RunCreateBody,
): Promise<SubmitRequest> {
  const assistant = await runtime.resolveAssistant(principal.tenant, body.assistant_id);
  checkNodes(runtime, assistant.graphId, body);
  if (threadId !== undefined && body.if_not_exists === "create")
    await checkNewThreadId(runtime, principal.tenant, threadId);
  return {
    ...submitRequestOf(body, threadId, runtime.clock()),
    tenant: principal.tenant,
    assistant: assistant.assistantId,
    runId: newId(),
    metadata: { ...(body.metadata ?? {}), request_id: String(req.id), ...traceContextOf(req) },
    actor: `key:${principal.keyId}`,
  };
}

/** The runtime request for a LangGraph run body (everything but tenant, ids and metadata). */
export function submitRequestOf(
  body: RunCreateBody,
  threadId: string | undefined,
  now: Date,
): SubmitRequest {
  const keep = threadId === undefined && body.on_completion === "keep";
  return {
    assistant: body.assistant_id,
    thread: threadId ?? (keep ? newId() : undefined),
    // LangGraph refuses a run on a missing thread unless asked to create it.
    ifNotExists: threadId === undefined ? "create" : (body.if_not_exists ?? "reject"),
    input: body.input ?? undefined,
    command: commandOf(body.command),
    config: configOf(body.config),
    context: body.context ?? undefined,
    streamMode: body.stream_mode ?? ["values"],
    streamSubgraphs: body.stream_subgraphs ?? undefined,
    interruptBefore: body.interrupt_before ?? undefined,
    interruptAfter: body.interrupt_after ?? undefined,
    checkpointId: body.checkpoint_id ?? body.checkpoint?.checkpoint_id ?? undefined,
    durability: body.durability ?? (body.checkpoint_during === false ? "exit" : undefined),
    runAt: body.after_seconds ? new Date(now.getTime() + body.after_seconds * 1000) : undefined,
    webhook: body.webhook ?? undefined,
    multitaskStrategy: body.multitask_strategy ?? "reject",
  };
}

/** A LangGraph config as the engine reads it: `recursion_limit` is `recursionLimit` there. */
export function configOf(config: RunCreateBody["config"]): JsonObject | undefined {
  if (!config) return undefined;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(config)) if (value != null) out[key] = value;
  if (config.recursion_limit != null) out.recursionLimit = config.recursion_limit;
  return out;
}

/** The SDK's Send is `{ node, input }`; the engine reads the serialised `{ lg_name, node, args }`. */
function commandOf(command: RunCreateBody["command"]): SubmitRequest["command"] {
  if (!command) return undefined;
  const send = (target: unknown) =>
    typeof target === "string"
      ? target
      : {
          lg_name: "Send",
          node: (target as { node: string }).node,
          args: (target as { input?: unknown }).input,
        };
  const goto = command.goto == null ? undefined : [command.goto].flat().map(send);
  const out: NonNullable<SubmitRequest["command"]> = {};
  if (command.resume !== undefined) out.resume = command.resume;
  if (command.update != null) out.update = command.update;
  if (goto) out.goto = goto;
  return out;
}

/** Fails with 422 when interrupt_before/after name nodes the graph lacks (they would never fire). */
export function checkNodes(
  runtime: Runtime,
  graphId: string,
  body: Pick<RunCreateBody, "interrupt_before" | "interrupt_after">,
): void {
  const nodes = runtime.registry.require(graphId).graph.spec.nodes;
  for (const field of ["interrupt_before", "interrupt_after"] as const) {
    const names = body[field];
    if (!Array.isArray(names)) continue;
    const unknown = names.filter((name) => !nodes.has(name));
    if (unknown.length > 0)
      throw new InvalidArgumentError(
        `${field} names ${unknown.map((n) => JSON.stringify(n)).join(", ")}, not node(s) of graph ` +
          `"${graphId}"; its nodes are ${[...nodes.keys()].filter((n) => !n.startsWith("__")).join(", ")}, or pass "*".`,
        "UNKNOWN_NODE",
      );
  }
}

/** Records on the thread the graph and assistant it last ran, as LangGraph does. */
async function tagThread(runtime: Runtime, run: Run): Promise<void> {
  const thread = await runtime.store.threads.get(run.tenant, run.threadId);
  const { graph_id, assistant_id } = thread?.metadata ?? {};
  if (!thread || (graph_id === run.graphId && assistant_id === run.assistantId)) return;
  const tag = { graph_id: run.graphId, assistant_id: run.assistantId };
  await runtime.store.threads.update(run.tenant, run.threadId, tag, runtime.clock()).catch((e) => {
    // A thread deleted meanwhile keeps nothing to tag; the run itself was queued.
    if (!(e instanceof NotFoundError)) throw e;
  });
}

/**
 * Refuses a client-chosen id for a new thread when checkpoints are already stored under it.
 * Threads are per tenant, but the checkpoint saver keys threads by id alone: without this,
 * a tenant that names another tenant's thread id would read and extend that thread's state.
 */
export async function checkNewThreadId(
  runtime: Runtime,
  tenant: string,
  threadId: string,
): Promise<void> {
  if (await runtime.store.threads.get(tenant, threadId)) return;
  const stored = await runtime.store.saver.getTuple({ configurable: { thread_id: threadId } });
  if (stored)
    throw new ConflictError(
      "THREAD_ID_UNAVAILABLE",
      `Thread id ${JSON.stringify(threadId)} cannot be used for a new thread; omit thread_id to get a fresh one.`,
    );
}

/** The tenant's thread, or 404 (also for another tenant's thread, which must stay invisible). */
export async function requireThread(
  runtime: Runtime,
  tenant: string,
  threadId: string,
): Promise<Thread> {
  const thread = await runtime.store.threads.get(tenant, threadId);
  if (!thread) throw threadNotFound(tenant, threadId);
  return thread;
}

/** The tenant's run, or 404; with `threadId`, it must also belong to that thread. */
export async function requireRun(
  runtime: Runtime,
  tenant: string,
  runId: string,
  threadId?: string,
): Promise<Run> {
  const run = await runtime.store.runs.get(tenant, runId);
  if (!run || (threadId !== undefined && run.threadId !== threadId))
    throw runNotFound(tenant, runId);
  return run;
}
