/**
 * The `updates`, `tasks` and `debug` stream events of a task: when it starts, and its result
 * (or, for a cache hit, the cached writes, marked as such and not as a task that ran).
 */
import { START } from "../constants.ts";
import { toError } from "../errors.ts";
import type { Task } from "./algo.ts";
import type { GraphLoop } from "./loop.ts";

export function emitTaskStart(loop: GraphLoop, task: Task): void {
  const { sink, nsPath } = loop.options;
  if (task.name === START || !(sink.modes.has("tasks") || sink.modes.has("debug"))) return;
  const payload = {
    id: task.id,
    name: task.name,
    input: task.input,
    triggers: task.triggers,
    interrupts: [],
  };
  if (sink.modes.has("tasks")) sink.emit(nsPath, "tasks", payload);
  if (sink.modes.has("debug"))
    sink.emit(nsPath, "debug", {
      type: "task",
      timestamp: new Date().toISOString(),
      step: loop.step + 1,
      payload,
    });
}

export function emitTaskResult(loop: GraphLoop, task: Task, cached = false): void {
  const { sink, nsPath } = loop.options;
  if (task.name === START) return;
  if (sink.modes.has("updates") && !task.error && !task.interrupts) {
    const update = updateOf(loop, task);
    const shown = loop.spec.rootChannel === undefined ? (update ?? {}) : (update ?? null);
    const metadata = cached ? { __metadata__: { cached: true } } : {};
    sink.emit(nsPath, "updates", { [task.name]: shown, ...metadata });
  }
  // As LangGraph: a cached result is not a task that ran.
  if (cached || !(sink.modes.has("tasks") || sink.modes.has("debug"))) return;
  const payload = {
    id: task.id,
    name: task.name,
    error: task.error === undefined ? null : toError(task.error).message,
    result: updateOf(loop, task) ?? {},
    interrupts: task.interrupts ?? [],
  };
  if (sink.modes.has("tasks")) sink.emit(nsPath, "tasks", payload);
  if (sink.modes.has("debug"))
    sink.emit(nsPath, "debug", {
      type: "task_result",
      timestamp: new Date().toISOString(),
      step: loop.step + 1,
      payload,
    });
}

/** The update a task made, as `{ key: value }` of its state writes (later writes to a key win). */
function updateOf(loop: GraphLoop, task: Task): unknown {
  const root = loop.spec.rootChannel;
  if (root !== undefined) return task.writes.find(([channel]) => channel === root)?.[1];
  // A subgraph shows only its output keys, as LangGraph's child run (`outputKeys`).
  const shown = loop.options.config.outputKeys ?? loop.spec.stateKeys;
  let update: Record<string, unknown> | undefined;
  for (const [channel, value] of task.writes) {
    if (!shown.includes(channel)) continue;
    update ??= {};
    update[channel] = value;
  }
  return update;
}
