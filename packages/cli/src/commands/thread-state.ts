/**
 * A thread's state for `conclave threads state|history|fork`. With the thread's graph (found by
 * the id in its `graph_id` metadata or its newest run, and declared in conclave.config.ts or
 * langgraph.json) states are read as the API reads them, with the nodes that run next. Without
 * it, state and history fall back to the stored checkpoints: the same values, but `next` is
 * unknown. A fork always needs the graph, because an update runs through its reducers.
 */
import {
  type CheckpointTuple,
  NotFoundError,
  type StateSnapshot,
  type Thread,
} from "@conclave/core";
import {
  type AnyCompiledGraph,
  applyEnv,
  GraphRegistry,
  importGraph,
  parseGraphSpec,
  readLangGraphJson,
} from "@conclave/runtime";
import type { Settings } from "../settings.ts";
import type { Session } from "./session.ts";

/** One checkpoint of a thread, as the CLI prints it. */
export interface StateView {
  threadId: string;
  checkpointId: string | null;
  parentCheckpointId: string | null;
  step: number | null;
  source: string | null;
  createdAt: string | null;
  values: Record<string, unknown>;
  /** Nodes that run next; null when the graph is not available to say. */
  next: string[] | null;
  interrupts: unknown[];
}

/** The thread's graph id: its `graph_id` metadata, else the graph of its newest run. */
export async function graphIdOf(session: Session, thread: Thread): Promise<string | undefined> {
  const named = thread.metadata.graph_id;
  if (typeof named === "string") return named;
  const query = { tenant: thread.tenant, threadId: thread.threadId, limit: 1 };
  return (await session.platform.store.runs.list(query))[0]?.graphId;
}

/** Graph specs by id: langgraph.json's, then conclave.config.ts's (which win). */
export function declaredGraphs(settings: Settings): Record<string, string> {
  const langgraph = readLangGraphJson(settings.cwd);
  if (langgraph) applyEnv(langgraph.env, settings.cwd);
  return { ...langgraph?.graphs, ...settings.config.graphs };
}

/** Imports graph `graphId` over the platform's saver; undefined when it is not declared. */
export async function loadGraph(
  session: Session,
  graphId: string,
): Promise<AnyCompiledGraph | undefined> {
  const spec = declaredGraphs(session.settings)[graphId];
  if (spec === undefined) return undefined;
  const { platform } = session;
  const registry = new GraphRegistry({ ledger: platform.ledger, budgets: platform.budgets });
  const parsed = parseGraphSpec(graphId, spec, session.settings.cwd);
  const entry = await registry.register(graphId, await importGraph(parsed));
  return entry.graph.withCheckpointer(platform.store.saver);
}

function idOf(config: { configurable: { checkpoint_id?: string } } | undefined): string | null {
  return config?.configurable.checkpoint_id ?? null;
}

/** A snapshot read through the graph. Pure. */
export function viewOfSnapshot(threadId: string, snapshot: StateSnapshot): StateView {
  return {
    threadId,
    checkpointId: idOf(snapshot.config),
    parentCheckpointId: idOf(snapshot.parentConfig),
    step: snapshot.metadata?.step ?? null,
    source: snapshot.metadata?.source ?? null,
    createdAt: snapshot.createdAt ?? null,
    values: snapshot.values,
    next: snapshot.next,
    interrupts: snapshot.tasks.flatMap((task) => task.interrupts),
  };
}

/** Control channels (`__start__`, `branch:to:x`, `join:...`) are not state. */
function stateChannels(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).filter(([key]) => !key.startsWith("__") && !key.includes(":")),
  );
}

/** A stored checkpoint read without the graph. Pure. */
export function viewOfTuple(threadId: string, tuple: CheckpointTuple): StateView {
  return {
    threadId,
    checkpointId: tuple.checkpoint.id,
    parentCheckpointId: idOf(tuple.parentConfig),
    step: tuple.metadata.step,
    source: tuple.metadata.source,
    createdAt: tuple.checkpoint.ts,
    values: stateChannels(tuple.checkpoint.channel_values),
    next: null,
    interrupts: [],
  };
}

function checkpointMissing(threadId: string, checkpointId: string): NotFoundError {
  return new NotFoundError(
    "CHECKPOINT_NOT_FOUND",
    `thread ${threadId} has no checkpoint ${JSON.stringify(checkpointId)}; list its checkpoints with \`conclave threads history ${threadId}\`.`,
  );
}

/** Plain JSON (bigint as a decimal string), as thread caches store values. Pure. */
export function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

/** A state's interrupts as a thread caches them: `{ [interruptId]: [interrupt] }`. Pure. */
export function interruptMap(interrupts: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of interrupts) out[String((item as { id?: unknown }).id)] = [toJson(item)];
  return out;
}

/** The root-namespace config of a thread, at `checkpointId` when given. */
export function configOf(threadId: string, checkpointId?: string) {
  return {
    configurable: {
      thread_id: threadId,
      checkpoint_ns: "",
      ...(checkpointId ? { checkpoint_id: checkpointId } : {}),
    },
  };
}

/** The stored checkpoint, or a not-found error naming how to list valid ids. */
export async function requireCheckpoint(
  session: Session,
  threadId: string,
  checkpointId: string,
): Promise<CheckpointTuple> {
  const tuple = await session.platform.store.saver.getTuple(configOf(threadId, checkpointId));
  if (!tuple) throw checkpointMissing(threadId, checkpointId);
  return tuple;
}

/** The thread's state at `checkpointId` (its newest when absent); undefined before any. */
export async function readState(
  session: Session,
  thread: Thread,
  graph: AnyCompiledGraph | undefined,
  checkpointId: string | undefined,
): Promise<StateView | undefined> {
  const { threadId } = thread;
  if (checkpointId !== undefined) await requireCheckpoint(session, threadId, checkpointId);
  if (graph) {
    const snapshot = await graph.getState(configOf(threadId, checkpointId));
    return snapshot.metadata ? viewOfSnapshot(threadId, snapshot) : undefined;
  }
  const tuple = await session.platform.store.saver.getTuple(configOf(threadId, checkpointId));
  return tuple ? viewOfTuple(threadId, tuple) : undefined;
}

/** The thread's checkpoints, newest first, at most `limit`, before `before` when given. */
export async function readHistory(
  session: Session,
  thread: Thread,
  graph: AnyCompiledGraph | undefined,
  options: { limit: number; before?: string },
): Promise<StateView[]> {
  const { threadId } = thread;
  const list = {
    limit: options.limit,
    before: options.before ? configOf(threadId, options.before) : undefined,
  };
  if (options.before !== undefined) await requireCheckpoint(session, threadId, options.before);
  const views: StateView[] = [];
  if (graph) {
    for await (const snapshot of graph.getStateHistory(configOf(threadId), list))
      views.push(viewOfSnapshot(threadId, snapshot));
  } else {
    for await (const tuple of session.platform.store.saver.list(configOf(threadId), list))
      views.push(viewOfTuple(threadId, tuple));
  }
  return views;
}
