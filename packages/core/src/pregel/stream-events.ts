/**
 * Stream events built from the engine's state: a task's `updates`, `tasks` and `debug` events
 * (when it starts, and its result; for a cache hit, the cached writes marked as such), the keys
 * `values` chunks show, and the `checkpoints`/`debug` event of a recorded checkpoint.
 */

import type { CheckpointConfig, CheckpointMetadata } from "../checkpoint/types.ts";
import { START } from "../constants.ts";
import { toError } from "../errors.ts";
import { prepareTasks, readState, readValues, type Task, type Values } from "./algo.ts";
import type { GraphLoop } from "./loop.ts";
import type { GraphSpec } from "./spec.ts";
import type { RunConfig } from "./types.ts";

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

/**
 * What a `values` chunk shows: every state channel (LangGraph's stream channels), or the run's
 * `outputKeys` (an `invoke`, a subgraph), or an entrypoint's plain value.
 */
export function shownValues(spec: GraphSpec, config: RunConfig, values: Values): unknown {
  const keys = config.outputKeys;
  if (keys === undefined || spec.rootChannel !== undefined) return readValues(spec, values);
  return readState(spec, values, keys);
}

/** Whether a step wrote a key that `values` chunks show (LangGraph: a stream channel). */
export function wroteShown(
  spec: GraphSpec,
  config: RunConfig,
  applied: { stateWritten: boolean; changed: Iterable<string> },
): boolean {
  const keys = config.outputKeys;
  if (keys === undefined || spec.rootChannel !== undefined) return applied.stateWritten;
  for (const channel of applied.changed) if (keys.includes(channel)) return true;
  return false;
}

/** The `checkpoints` and `debug` events of the checkpoint `loop` just recorded. */
export function emitCheckpointEvents(
  loop: GraphLoop,
  config: CheckpointConfig,
  parentConfig: CheckpointConfig | undefined,
  metadata: CheckpointMetadata,
): void {
  const { sink, nsPath } = loop.options;
  if (!sink.modes.has("checkpoints") && !sink.modes.has("debug")) return;
  const tasks = prepareTasks(loop.spec, loop.values, loop.updated, loop.taskContext());
  const payload = {
    config,
    metadata,
    values: readValues(loop.spec, loop.values),
    next: tasks.map((t) => t.name),
    parentConfig,
    tasks: tasks.map((t) => ({ id: t.id, name: t.name, interrupts: [] })),
  };
  if (sink.modes.has("checkpoints")) sink.emit(nsPath, "checkpoints", payload);
  if (sink.modes.has("debug"))
    sink.emit(nsPath, "debug", {
      type: "checkpoint",
      timestamp: new Date().toISOString(),
      step: metadata.step,
      payload,
    });
}
