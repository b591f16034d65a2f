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
  if (task.name === START || !streamsTasks(loop)) return;
  const payload = { id: task.id, name: task.name, input: task.input, triggers: task.triggers };
  emitWithDebug(loop, "tasks", "task", loop.step + 1, { ...payload, interrupts: [] });
}

export function emitTaskResult(loop: GraphLoop, task: Task, cached = false): void {
  const { sink, nsPath } = loop.options;
  if (task.name === START) return;
  const updates = sink.modes.has("updates") && !task.error && !task.interrupts;
  // As LangGraph: a cached result is not a task that ran.
  const tasks = !cached && streamsTasks(loop);
  if (!updates && !tasks) return;
  const update = updateOf(loop, task);
  if (updates) {
    const shown = loop.spec.rootChannel === undefined ? (update ?? {}) : (update ?? null);
    const metadata = cached ? { __metadata__: { cached: true } } : {};
    sink.emit(nsPath, "updates", { [task.name]: shown, ...metadata });
  }
  if (!tasks) return;
  emitWithDebug(loop, "tasks", "task_result", loop.step + 1, {
    id: task.id,
    name: task.name,
    error: task.error === undefined ? null : toError(task.error).message,
    result: update ?? {},
    interrupts: task.interrupts ?? [],
  });
}

const streamsTasks = (loop: GraphLoop) =>
  loop.options.sink.modes.has("tasks") || loop.options.sink.modes.has("debug");

/** Emits `payload` in `mode`, and as a `debug` event of `type`, to whichever is streamed. */
function emitWithDebug(
  loop: GraphLoop,
  mode: "tasks" | "checkpoints",
  type: string,
  step: number,
  payload: object,
): void {
  const { sink, nsPath } = loop.options;
  if (sink.modes.has(mode)) sink.emit(nsPath, mode, payload);
  if (sink.modes.has("debug"))
    sink.emit(nsPath, "debug", { type, timestamp: new Date().toISOString(), step, payload });
}

/** The update a task made, as `{ key: value }` of its state writes (later writes to a key win). */
function updateOf(loop: GraphLoop, task: Task): unknown {
  const root = loop.spec.rootChannel;
  if (root !== undefined) return task.writes.find(([channel]) => channel === root)?.[1];
  // A subgraph shows only its output keys, as LangGraph's child run (`outputKeys`).
  return updateOfWrites(task.writes, loop.options.config.outputKeys ?? loop.spec.stateKeys);
}

/** Writes as `{ key: value }` for the `keys` given, or undefined when none of them was written. */
export function updateOfWrites(
  writes: readonly (readonly [string, unknown])[],
  keys: readonly string[],
): Record<string, unknown> | undefined {
  let update: Record<string, unknown> | undefined;
  for (const [channel, value] of writes) {
    if (!keys.includes(channel)) continue;
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
  const { sink } = loop.options;
  if (!sink.modes.has("checkpoints") && !sink.modes.has("debug")) return;
  const tasks = prepareTasks(loop.spec, loop.values, loop.updated, loop.taskContext());
  emitWithDebug(loop, "checkpoints", "checkpoint", metadata.step, {
    config,
    metadata,
    values: readValues(loop.spec, loop.values),
    next: tasks.map((t) => t.name),
    parentConfig,
    tasks: tasks.map((t) => ({ id: t.id, name: t.name, interrupts: [] })),
  });
}
