/**
 * A thread's graph state: current state, state at a checkpoint, history, and updates. State is
 * read through the thread's graph (the one its last run used, which submission records in the
 * thread's `graph_id` metadata) over the unfenced saver, with LangGraph's semantics from core.
 * An update refreshes the thread's cached values and interrupts, which thread reads return.
 */
import {
  CheckpointNotFoundError,
  ConflictError,
  EmptyInputError,
  InvalidArgumentError,
  InvalidUpdateError,
  type JsonObject,
  type ListOptions,
  NotFoundError,
  NotSerializableError,
  type RunConfig,
  type StateSnapshot,
  type Thread,
  UnknownNodeError,
} from "@conclave/core";
import type { AnyCompiledGraph, Runtime } from "@conclave/runtime";
import { z } from "zod";
import type { ServerContext } from "../app.ts";
import { defineRoute } from "../route.ts";
import { requireThread } from "./run-requests.ts";
import { CheckpointRef, HistoryBody, QueryFlag, StateUpdate, ThreadParams } from "./schemas.ts";
import { checkpointOut, interruptsOf, stateOut, toJson } from "./shapes.ts";

const tags = ["threads"];
const subgraphsQuery = z.object({ subgraphs: QueryFlag.optional() });
type Ref = z.infer<typeof CheckpointRef> | null | undefined;

/** The thread's graph over the platform saver; undefined for a thread that never ran one. */
export async function graphOf(
  runtime: Runtime,
  thread: Thread,
): Promise<AnyCompiledGraph | undefined> {
  let graphId = thread.metadata.graph_id;
  if (typeof graphId !== "string") {
    const query = { tenant: thread.tenant, threadId: thread.threadId, limit: 1 };
    graphId = (await runtime.store.runs.list(query))[0]?.graphId;
  }
  if (typeof graphId !== "string") return undefined;
  return runtime.registry.require(graphId).graph.withCheckpointer(runtime.store.saver);
}

function configFor(thread: Thread, ref: Ref, checkpointId?: string | null): RunConfig {
  const configurable: JsonObject = { thread_id: thread.threadId };
  const id = checkpointId ?? ref?.checkpoint_id;
  if (id) configurable.checkpoint_id = id;
  if (ref?.checkpoint_ns) configurable.checkpoint_ns = ref.checkpoint_ns;
  return { configurable };
}

/** Engine errors a caller caused, as the 404/422 they are; `what` names the request's part. */
async function engineCall<T>(call: () => Promise<T>, what?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CheckpointNotFoundError)
      throw new NotFoundError(error.code, error.message);
    const userErrors = [
      InvalidUpdateError,
      UnknownNodeError,
      EmptyInputError,
      NotSerializableError,
    ];
    if (userErrors.some((type) => error instanceof type)) {
      const message = (error as Error).message;
      throw new InvalidArgumentError(
        what ? `${what}: ${message}` : message,
        (error as { code: string }).code,
      );
    }
    throw error;
  }
}

async function stateAt(runtime: Runtime, thread: Thread, ref: Ref, subgraphs: boolean) {
  const graph = await graphOf(runtime, thread);
  const config = configFor(thread, ref);
  if (!graph)
    return stateOut({ values: {}, next: [], tasks: [], config: config as StateSnapshot["config"] });
  const snapshot = await engineCall(() => graph.getState(config, { subgraphs }));
  if (config.configurable?.checkpoint_id && !snapshot.metadata)
    throw new NotFoundError(
      "CHECKPOINT_NOT_FOUND",
      `Thread ${thread.threadId} has no checkpoint ${String(config.configurable.checkpoint_id)}; list its history for valid ids.`,
    );
  return stateOut(snapshot);
}

async function history(runtime: Runtime, thread: Thread, body: z.infer<typeof HistoryBody>) {
  const graph = await graphOf(runtime, thread);
  if (!graph) return [];
  const ref =
    body.before && typeof body.before === "object" && "configurable" in body.before
      ? body.before.configurable
      : body.before;
  const before = typeof ref === "string" ? ref : ref?.checkpoint_id;
  const options: ListOptions = {
    limit: body.limit ?? 10,
    before: before
      ? { configurable: { thread_id: thread.threadId, checkpoint_id: before } }
      : undefined,
    filter: body.metadata ?? undefined,
  };
  const states: JsonObject[] = [];
  const config = configFor(thread, body.checkpoint);
  for await (const snapshot of graph.getStateHistory(config, options))
    states.push(stateOut(snapshot));
  return states;
}

/** Writes a state update (as `as_node`) and refreshes the thread's cache; refuses a busy thread. */
export async function updateThreadState(
  runtime: Runtime,
  thread: Thread,
  update: {
    values?: unknown;
    as_node?: string | null;
    checkpoint_id?: string | null;
    checkpoint?: Ref;
  },
): Promise<JsonObject> {
  if (thread.status === "busy")
    throw new ConflictError(
      "THREAD_BUSY",
      `Thread ${thread.threadId} is running a task; update its state once the run ends.`,
    );
  const graph = await graphOf(runtime, thread);
  if (!graph)
    throw new InvalidArgumentError(
      `Thread ${thread.threadId} has no graph yet; create it with metadata.graph_id (the SDK's graphId) or run an assistant on it first.`,
      "THREAD_HAS_NO_GRAPH",
    );
  const config = configFor(thread, update.checkpoint, update.checkpoint_id);
  const asNode = update.as_node ?? undefined;
  // The engine speaks of nodes returning values; the caller sent `values` (and `as_node`).
  const saved = await engineCall(
    () => graph.updateState(config, update.values, asNode),
    `values could not be written${asNode === undefined ? "" : ` as node ${JSON.stringify(asNode)}`}`,
  );
  const snapshot = await graph.getState({ configurable: { thread_id: thread.threadId } });
  const cache = { values: toJson(snapshot.values), interrupts: interruptsOf(snapshot) };
  await runtime.store.threads.setState(thread.tenant, thread.threadId, cache, runtime.clock());
  return { checkpoint: checkpointOut(saved) };
}

function getStateRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/threads/:thread_id/state",
    scope: "runs:read",
    summary: "The thread's current state",
    tags,
    params: ThreadParams,
    query: subgraphsQuery,
    handler: async ({ params, query, principal }) =>
      stateAt(
        runtime,
        await requireThread(runtime, principal.tenant, params.thread_id),
        null,
        query.subgraphs === true,
      ),
  });
}

function getStateAtRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/threads/:thread_id/state/:checkpoint_id",
    scope: "runs:read",
    summary: "The thread's state at a checkpoint",
    tags,
    params: ThreadParams.extend({ checkpoint_id: z.string().min(1) }),
    query: subgraphsQuery,
    handler: async ({ params, query, principal }) => {
      const found = await requireThread(runtime, principal.tenant, params.thread_id);
      const ref = { checkpoint_id: params.checkpoint_id };
      return stateAt(runtime, found, ref, query.subgraphs === true);
    },
  });
}

function postStateAtRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/:thread_id/state/checkpoint",
    scope: "runs:read",
    summary: "The thread's state at a checkpoint (given as an object)",
    tags,
    params: ThreadParams,
    body: z.object({ checkpoint: CheckpointRef, subgraphs: z.boolean().nullish() }),
    handler: async ({ params, body, principal }) => {
      const found = await requireThread(runtime, principal.tenant, params.thread_id);
      return stateAt(runtime, found, body.checkpoint, body.subgraphs === true);
    },
  });
}

function updateStateRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/:thread_id/state",
    scope: "runs:write",
    summary: "Update the thread's state as if a node had returned the values",
    tags,
    params: ThreadParams,
    body: StateUpdate,
    handler: async ({ params, body, principal }) =>
      updateThreadState(
        runtime,
        await requireThread(runtime, principal.tenant, params.thread_id),
        body,
      ),
  });
}

function postHistoryRoute(runtime: Runtime) {
  return defineRoute({
    method: "POST",
    url: "/threads/:thread_id/history",
    scope: "runs:read",
    summary: "The thread's past states, newest first",
    tags,
    params: ThreadParams,
    body: HistoryBody,
    handler: async ({ params, body, principal }) =>
      history(runtime, await requireThread(runtime, principal.tenant, params.thread_id), body),
  });
}

function getHistoryRoute(runtime: Runtime) {
  return defineRoute({
    method: "GET",
    url: "/threads/:thread_id/history",
    scope: "runs:read",
    summary: "The thread's past states, newest first",
    tags,
    params: ThreadParams,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).optional(),
      before: z.string().optional(),
    }),
    handler: async ({ params, query, principal }) =>
      history(runtime, await requireThread(runtime, principal.tenant, params.thread_id), query),
  });
}

/** Routes for thread state and history. */
export function threadStateRoutes(ctx: ServerContext) {
  return [
    getStateRoute,
    getStateAtRoute,
    postStateAtRoute,
    updateStateRoute,
    postHistoryRoute,
    getHistoryRoute,
  ].map((route) => route(ctx.runtime));
}
