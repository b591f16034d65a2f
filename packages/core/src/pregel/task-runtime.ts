import { ConclaveError } from "../errors.ts";
import type { Task } from "./algo.ts";
import type { GraphLoop } from "./loop.ts";
import type { NodeCache } from "./node-cache.ts";

/**
 * The runtime handle a node receives as `config.conclave`. `effect` journals side effects (model
 * calls, tool calls): each completed effect is saved as a pending write under the task, so when
 * the node re-runs (after an interrupt, a retry or a crash) earlier effects return their recorded
 * results instead of running again. `annotate` attaches data (usage, routing decisions) to the
 * step; it lands in the checkpoint's metadata under `tasks`.
 */
export interface TaskRuntime {
  readonly taskId: string;
  readonly node: string;
  /** The superstep the task runs in. */
  readonly step: number;
  readonly threadId: string | undefined;
  /**
   * Runs `fn` once per task: on re-execution the Nth `effect` call returns the Nth recorded
   * result. The result must be serializable. `name` guards against non-determinism.
   */
  effect<T>(name: string, fn: () => Promise<T> | T): Promise<T>;
  /**
   * The low-level form of `effect`, for effects that finish later (a stream): claims the next
   * journal position and returns its recorded result, or a `record` function to call once the
   * effect completes. An effect that fails simply never records.
   */
  journal<T>(
    name: string,
  ):
    | { replay: true; result: T; at: number | string }
    | { replay: false; record(result: T): void; at: number | string };
  /** Adds `value` under `key` to the task's step metadata (arrays append). */
  annotate(key: string, value: unknown): void;
  /**
   * Emits a chat-message chunk (an LLM token, or a whole message) to stream mode `messages`, as
   * `[chunk, metadata]` with the node's metadata added. A no-op when nobody streams messages.
   */
  message(chunk: unknown, metadata?: Record<string, unknown>): void;
  /**
   * Emits `{ [name]: value }` to stream mode `updates` under the task's graph: the functional
   * API's task results. `cached` marks a result replayed from the journal, as LangGraph marks
   * the writes of tasks it does not run again.
   */
  update(name: string, value: unknown, cached?: boolean): void;
  /** Whether stream mode `messages` is being consumed (so producers can skip the work). */
  readonly streamsMessages: boolean;
  /** The graph's node cache, which functional-API tasks with a `cachePolicy` use. */
  readonly cache: NodeCache | undefined;
  /**
   * This handle with its own journal positions under `key`, for work the node runs
   * concurrently (a ToolNode's parallel tool calls): positions count per key, so effects match
   * their records however the concurrent work interleaves.
   */
  scope(key: string): TaskRuntime;
}

/** Pending-write channel of journal entries (stored under `<taskId>~<n>`, one key per entry). */
export const JOURNAL = "__journal__";

/** One recorded effect: `i` is its position, `<scope>/<n>` inside a {@link TaskRuntime.scope}. */
export interface JournalEntry {
  i: number | string;
  name: string;
  result: unknown;
}

/** The journal entries a previous attempt of `task` saved, by position. */
export function restoreJournal(loop: GraphLoop, task: Task): Map<number | string, JournalEntry> {
  const prefix = `${task.id}~`;
  const entries = new Map<number | string, JournalEntry>();
  for (const [taskId, channel, value] of loop.pendingWrites) {
    if (channel !== JOURNAL || !taskId.startsWith(prefix)) continue;
    const entry = value as JournalEntry;
    entries.set(entry.i, entry);
  }
  return entries;
}

/** Per-task state behind a TaskRuntime; `reset` starts a new attempt. */
export interface TaskRuntimeState {
  runtime: TaskRuntime;
  annotations: Record<string, unknown>;
  /** Entries recorded under exit durability, saved only if the step stops (saveJournal). */
  unsavedJournal: JournalEntry[];
  reset(): void;
}

/**
 * Saves the journal entries a task recorded under exit durability, when its step fails or is
 * interrupted: the run stops there, and its finished effects must not run again on resume.
 */
export function saveJournal(loop: GraphLoop, task: Task): void {
  const unsaved = task.runtime?.unsavedJournal;
  if (!unsaved?.length) return;
  for (const entry of unsaved) loop.persistWrites([[JOURNAL, entry]], `${task.id}~${entry.i}`);
  unsaved.length = 0;
}

/** Creates the runtime handle of one task. */
export function createTaskRuntime(loop: GraphLoop, task: Task): TaskRuntimeState {
  const journal = restoreJournal(loop, task);
  // The next position of each scope ("" is the node's own).
  const counters = new Map<string, number>();
  const nextPosition = (scope: string): number | string => {
    const n = counters.get(scope) ?? 0;
    counters.set(scope, n + 1);
    return scope === "" ? n : `${scope}/${n}`;
  };
  const runtimeFor = (scope: string): TaskRuntime => {
    const runtime: TaskRuntime = {
      taskId: task.id,
      node: task.name,
      step: loop.step + 1,
      threadId: loop.threadId,
      journal<T>(name: string) {
        const i = nextPosition(scope);
        const recorded = journal.get(i);
        if (recorded) {
          if (recorded.name !== name) throw nondeterministic(task, i, recorded.name, name);
          return { replay: true as const, result: recorded.result as T, at: i };
        }
        return {
          replay: false as const,
          at: i,
          record(result: T): void {
            const entry: JournalEntry = { i, name, result };
            journal.set(i, entry);
            if (!loop.options.saver) return;
            // Under exit durability the entry waits for the step to stop (saveJournal).
            if (loop.durability === "exit") state.unsavedJournal.push(entry);
            else loop.persistWrites([[JOURNAL, entry]], `${task.id}~${i}`);
          },
        };
      },
      async effect<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
        const slot = runtime.journal<T>(name);
        if (slot.replay) return slot.result;
        const result = await fn();
        slot.record(result);
        return result;
      },
      streamsMessages: loop.options.sink.modes.has("messages"),
      cache: loop.options.cache,
      message: (chunk, metadata) => emitMessage(loop, task, chunk, metadata),
      update(name: string, value: unknown, cached = false): void {
        const { sink, nsPath } = loop.options;
        if (!sink.modes.has("updates")) return;
        sink.emit(nsPath, "updates", {
          [name]: value,
          ...(cached ? { __metadata__: { cached: true } } : {}),
        });
      },
      annotate(key: string, value: unknown): void {
        const current = state.annotations[key];
        if (Array.isArray(current)) current.push(value);
        else state.annotations[key] = current === undefined ? [value] : [current, value];
      },
      scope: (key) => runtimeFor(scope === "" ? key : `${scope}/${key}`),
    };
    return runtime;
  };
  // The handle's methods read `state` only when called, after it is built.
  const state: TaskRuntimeState = {
    annotations: {},
    unsavedJournal: [],
    reset() {
      counters.clear();
      state.annotations = {};
    },
    runtime: runtimeFor(""),
  };
  return state;
}

function emitMessage(
  loop: GraphLoop,
  task: Task,
  chunk: unknown,
  metadata: Record<string, unknown> | undefined,
): void {
  const { sink, nsPath } = loop.options;
  if (!sink.modes.has("messages")) return;
  const meta = {
    langgraph_step: loop.step + 1,
    langgraph_node: task.name,
    langgraph_triggers: task.triggers,
    langgraph_checkpoint_ns: task.ns,
    thread_id: loop.threadId,
    ...metadata,
  };
  sink.emit(nsPath, "messages", [chunk, meta]);
}

function nondeterministic(
  task: Task,
  i: number | string,
  recorded: string,
  now: string,
): ConclaveError {
  return new ConclaveError(
    "NONDETERMINISTIC_EFFECT",
    `Node "${task.name}" re-ran and its effect #${i} is "${now}", but the journal recorded "${recorded}". ` +
      "A node must call its effects in the same order on every run; move branching that depends on time or randomness into an effect.",
  );
}
