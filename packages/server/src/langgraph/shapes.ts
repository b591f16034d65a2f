/**
 * Our records as LangGraph Platform wire objects (snake_case, ISO times), the shapes the
 * official SDK's types describe. All pure.
 */
import type {
  Assistant,
  CheckpointConfig,
  Cron,
  JsonObject,
  PregelTaskDescription,
  Run,
  RunKwargs,
  RunStatus,
  StateSnapshot,
  Thread,
} from "@conclave/core";

/** Plain JSON (class instances become their JSON form; undefined becomes null). Pure. */
export function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v)));
}

/** `streamSubgraphs` → `stream_subgraphs`. Pure. */
export const snakeCase = (name: string): string =>
  name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** An assistant as LangGraph's Assistant. Pure. */
export function assistantOut(assistant: Assistant): JsonObject {
  return {
    assistant_id: assistant.assistantId,
    graph_id: assistant.graphId,
    config: assistant.config,
    context: assistant.context,
    metadata: assistant.metadata,
    version: assistant.version,
    name: assistant.name,
    description: assistant.description,
    created_at: assistant.createdAt,
    updated_at: assistant.updatedAt,
  };
}

/** A thread as LangGraph's Thread; `state_updated_at` is the last update. Pure. */
export function threadOut(thread: Thread): JsonObject {
  return {
    thread_id: thread.threadId,
    created_at: thread.createdAt,
    updated_at: thread.updatedAt,
    state_updated_at: thread.updatedAt,
    metadata: thread.metadata,
    status: thread.status,
    values: thread.values,
    interrupts: thread.interrupts,
  };
}

/**
 * LangGraph has no `cancelled` or `dead`: it reports a cancelled run as `interrupted` (work so
 * far kept) and a run that could not be executed as `error`.
 */
export function statusOut(status: RunStatus): string {
  if (status === "cancelled") return "interrupted";
  if (status === "dead") return "error";
  return status;
}

/** A run's kwargs in LangGraph's names. */
export function kwargsOut(kwargs: RunKwargs, run?: Run): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(kwargs)) out[snakeCase(key)] = value;
  if (run) Object.assign(out, { webhook: run.webhook, temporary: run.temporary });
  return out;
}

/** A run as LangGraph's Run, kwargs included. Pure. */
export function runOut(run: Run): JsonObject {
  return {
    run_id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    status: statusOut(run.status),
    metadata: run.metadata,
    kwargs: kwargsOut(run.kwargs, run),
    multitask_strategy: run.multitaskStrategy,
  };
}

/** A cron as LangGraph's Cron; `payload` is what each firing submits. Pure. */
export function cronOut(cron: Cron): JsonObject {
  return {
    cron_id: cron.cronId,
    assistant_id: cron.assistantId,
    thread_id: cron.threadId,
    end_time: cron.endTime,
    schedule: cron.schedule,
    timezone: cron.timeZone,
    created_at: cron.createdAt,
    updated_at: cron.updatedAt,
    payload: { ...kwargsOut(cron.kwargs), assistant_id: cron.assistantId },
    user_id: null,
    next_run_date: cron.enabled ? cron.nextRunAt : null,
    metadata: cron.metadata,
    enabled: cron.enabled,
    on_run_completed: cron.threadId === null ? "delete" : null,
  };
}

/** A checkpoint reference as LangGraph names it; null for a missing config. */
export function checkpointOut(config: CheckpointConfig | undefined): JsonObject | null {
  if (!config) return null;
  const { thread_id, checkpoint_ns, checkpoint_id } = config.configurable;
  return {
    thread_id,
    checkpoint_ns: checkpoint_ns ?? "",
    checkpoint_id: checkpoint_id ?? null,
    checkpoint_map: null,
  };
}

function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof message === "string")
    return typeof name === "string" ? `${name}: ${message}` : message;
  return JSON.stringify(toJson(error));
}

function taskOut(task: PregelTaskDescription): JsonObject {
  // `state` is a subgraph's snapshot when asked for (subgraphs=true), else its checkpoint config.
  const nested =
    task.state && "values" in task.state ? stateOut(task.state as StateSnapshot) : null;
  const ref = nested ? nested.checkpoint : checkpointOut(task.state as CheckpointConfig);
  return {
    id: task.id,
    name: task.name,
    error: task.error === undefined ? null : errorText(task.error),
    interrupts: toJson(task.interrupts),
    checkpoint: ref,
    state: nested,
    ...(task.result === undefined ? {} : { result: toJson(task.result) }),
  };
}

/** A thread state (`getState`, history entries) as LangGraph's ThreadState. */
export function stateOut(snapshot: StateSnapshot): JsonObject {
  const tasks = snapshot.tasks.map(taskOut);
  return {
    values: toJson(snapshot.values),
    next: snapshot.next,
    tasks,
    checkpoint: checkpointOut(snapshot.config),
    metadata: toJson(snapshot.metadata ?? null),
    created_at: snapshot.createdAt ?? null,
    parent_checkpoint: checkpointOut(snapshot.parentConfig),
    interrupts: tasks.flatMap((task) => task.interrupts as unknown[]),
  };
}

/** A thread's cached interrupts from its state: `{ [interruptId]: [interrupt] }`, as runs leave them. */
export function interruptsOf(snapshot: StateSnapshot): JsonObject {
  const out: JsonObject = {};
  for (const task of snapshot.tasks)
    for (const item of task.interrupts) out[item.id] = [toJson(item)];
  return out;
}

/** Keeps only the `select`ed fields (LangGraph's projection); everything when none. Pure. */
export function pick(record: JsonObject, select: readonly string[] | null | undefined): JsonObject {
  if (!select || select.length === 0) return record;
  return Object.fromEntries(select.filter((key) => key in record).map((k) => [k, record[k]]));
}
