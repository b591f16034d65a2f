import type { PendingWrite } from "../checkpoint/types.ts";
import { ERROR, INTERRUPT, RESUME, START } from "../constants.ts";
import { CancelledError, InvalidArgumentError, toError } from "../errors.ts";
import type { Task } from "./algo.ts";
import { hash128 } from "./ids.ts";
import {
  GraphInterrupt,
  type Interrupt,
  runWithScratchpad,
  SCRATCHPAD_KEY,
  type Scratchpad,
} from "./interrupt.ts";
import { plainMessages, runWithLangChainConfig } from "./langchain-context.ts";
import { hasCallbacks, startChainRun, withinRun } from "./langchain-runs.ts";
import type { GraphLoop } from "./loop.ts";
import { cacheWrites, matchCachedWrites } from "./node-cache.ts";
import { runWithTimeout } from "./node-timeout.ts";
import { retrying } from "./retry.ts";
import { emitTaskResult, emitTaskStart, updateOfWrites } from "./stream-events.ts";
import { attachMessagesHandler } from "./stream-messages.ts";
import { createTaskRuntime, saveJournal, type TaskRuntime } from "./task-runtime.ts";
import type { NodeConfig } from "./types.ts";
import { collectWrites, ParentCommand } from "./writes.ts";

/** A value sent to resume interrupts: one value for all, or a map keyed by interrupt id. */
export interface ResumeInput {
  value: unknown;
}

/** Marks a task that finished without writing anything, so a resume knows it ran. */
export const NO_WRITES = "__no_writes__";

/** Internal keys a subgraph reads from its node's config. */
export const PARENT_KEY = "__conclave_parent";

export interface ParentContext {
  loop: GraphLoop;
  task: Task;
  resume?: ResumeInput;
  resuming: boolean;
}

export interface StepOutcome {
  interrupts: Interrupt[];
}

/**
 * Runs one superstep's tasks concurrently. Tasks whose writes were saved by an earlier attempt
 * are not run again. The first failure aborts the siblings' shared signal; siblings that already
 * finished keep their writes as pending writes, so a resume re-runs only unfinished tasks. An
 * interrupt does not cancel siblings.
 */
export async function runStep(
  loop: GraphLoop,
  tasks: Task[],
  restore: boolean,
): Promise<StepOutcome> {
  if (restore) restoreWrites(loop, tasks);
  const userSignal = loop.options.config.signal;
  if (userSignal?.aborted) throw new CancelledError();
  const cache = loop.options.cache;
  const cached = cache ? await matchCachedWrites(cache, tasks) : [];
  for (const task of cached) {
    // As LangGraph: a hit is a task that started, whose result is the cached update.
    emitTaskStart(loop, task);
    emitTaskResult(loop, task, true);
  }
  const pending = tasks.filter((t) => !t.restored && !cached.includes(t));
  const abort = stepAbort(pending.length, userSignal);
  const snapshot = loop.stateView();
  // Cached writes are saved like a finished task's if the step stops.
  const state: StepState = { running: pending.length, unsaved: [...cached], failure: undefined };
  const run = (task: Task) => runTask(loop, task, snapshot, abort, state);
  const work = limited(pending, loop.options.config.maxConcurrency, run);
  if (userSignal) await raceUserAbort(work, userSignal, abort);
  else await work;
  const interrupts = tasks.flatMap((t) => t.interrupts ?? []);
  if (state.failure !== undefined || interrupts.length > 0) {
    for (const task of state.unsaved)
      if (!(task.error instanceof ParentCommand)) saveWrites(loop, task);
    for (const task of tasks) saveJournal(loop, task);
    await loop.flush();
    if (state.failure !== undefined) throw state.failure;
    if (loop.options.sink.modes.has("updates"))
      loop.options.sink.emit(loop.options.nsPath, "updates", { [INTERRUPT]: interrupts });
  }
  return { interrupts };
}

/** Aborts a step's tasks: on the first failure (siblings) or when the caller cancels. */
interface StepAbort {
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
}

const NEVER_ABORTED: AbortSignal = new AbortController().signal;

// A lone task has no siblings to cancel: it sees the caller's signal (or one that never aborts),
// which saves an AbortController per step on long sequential runs.
function stepAbort(taskCount: number, userSignal: AbortSignal | undefined): StepAbort {
  if (taskCount <= 1) return { signal: userSignal ?? NEVER_ABORTED, abort() {} };
  const controller = new AbortController();
  userSignal?.addEventListener(
    "abort",
    () => controller.abort(userSignal.reason ?? new CancelledError()),
    { once: true },
  );
  return controller;
}

/** Rejects as soon as the caller aborts, even if a node ignores its signal. */
async function raceUserAbort(
  work: Promise<void>,
  userSignal: AbortSignal,
  abort: StepAbort,
): Promise<void> {
  let onAbort: (() => void) | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    onAbort = () => {
      abort.abort(userSignal.reason ?? new CancelledError());
      reject(new CancelledError());
    };
  });
  userSignal.addEventListener("abort", onAbort!, { once: true });
  try {
    await Promise.race([work, cancelled]);
  } finally {
    userSignal.removeEventListener("abort", onAbort!);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time (all at once when no limit is set). */
async function limited<T>(
  items: readonly T[],
  limit: number | undefined,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new InvalidArgumentError(
      `maxConcurrency must be a positive integer; got ${limit}. Omit it to run every task of a step at once.`,
      "INVALID_MAX_CONCURRENCY",
    );
  }
  if (items.length === 1) return fn(items[0]!);
  if (limit === undefined || limit >= items.length) {
    await Promise.all(items.map(fn));
    return;
  }
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

interface StepState {
  running: number;
  /** Finished tasks whose writes are not saved yet: the last one is saved with the checkpoint. */
  unsaved: Task[];
  failure: unknown;
}

async function runTask(
  loop: GraphLoop,
  task: Task,
  snapshot: Record<string, unknown>,
  abort: StepAbort,
  state: StepState,
): Promise<void> {
  emitTaskStart(loop, task);
  try {
    const writes = await execute(loop, task, snapshot, abort.signal);
    state.running -= 1;
    // A sibling that finishes after the step failed is treated as unfinished: it re-runs on resume.
    if (state.failure !== undefined) return;
    task.writes = writes;
    if (loop.options.cache) await cacheWrites(loop.options.cache, task);
    if (state.running > 0 && loop.durability !== "exit") saveWrites(loop, task);
    else state.unsaved.push(task);
    emitTaskResult(loop, task);
  } catch (error) {
    state.running -= 1;
    if (error instanceof GraphInterrupt) {
      // A NodeInterrupt carries no id; it gets the task's, as interrupt() does.
      task.interrupts = error.interrupts.map((i) =>
        i.id === "" ? { ...i, id: hash128(task.ns) } : i,
      );
      task.writes = [...task.writes.filter(([c]) => c === RESUME), [INTERRUPT, task.interrupts]];
      state.unsaved.push(task);
      emitTaskResult(loop, task);
      return;
    }
    if (state.failure !== undefined && abort.signal.aborted) return;
    state.failure ??= error;
    task.error = error;
    if (!(error instanceof ParentCommand)) task.writes = [[ERROR, describeError(error)]];
    state.unsaved.push(task);
    abort.abort(error);
    emitTaskResult(loop, task);
  }
}

// A step's last task skips this: its writes reach the checkpoint through the reducers. Other
// tasks' writes are saved first, as they are, so LangChain messages become plain (v2 agents).
function saveWrites(loop: GraphLoop, task: Task): void {
  const writes =
    task.writes.length > 0
      ? task.writes.map(([channel, value]): PendingWrite => [channel, plainMessages(value)])
      : [[NO_WRITES, null] as PendingWrite];
  loop.persistWrites(writes, task.id);
}

/** Attaches writes saved by an earlier attempt of this step to their tasks. */
function restoreWrites(loop: GraphLoop, tasks: Task[]): void {
  if (loop.pendingWrites.length === 0) return;
  for (const task of tasks) {
    const own = loop.pendingWrites.filter(([id]) => id === task.id);
    if (own.length === 0) continue;
    const failed = own.some(([, channel]) => channel === ERROR || channel === INTERRUPT);
    if (failed) {
      task.writes = own.filter(([, c]) => c === RESUME).map(([, c, v]) => [c, v]);
      continue;
    }
    task.writes = own.filter(([, c]) => c !== NO_WRITES).map(([, c, v]) => [c, v]);
    task.restored = true;
  }
}

async function execute(
  loop: GraphLoop,
  task: Task,
  snapshot: Record<string, unknown>,
  signal: AbortSignal,
): Promise<PendingWrite[]> {
  const consumed = (task.writes.find(([c]) => c === RESUME)?.[1] as unknown[] | undefined) ?? [];
  const pad = createScratchpad(loop, task, consumed);
  const config = nodeConfig(loop, task, pad, signal);
  // Checked here so that runs without callbacks take no extra await per node.
  const run = hasCallbacks(config.callbacks) ? await startNodeRun(loop, task, config) : undefined;
  if (run) config.callbacks = run.getChild();
  const messages = attachMessagesHandler(loop, task, config);
  pad.config = config;
  pad.input = task.input;
  const attempted = () => attempts(loop, task, pad, config, messages, snapshot, signal);
  // `__start__` only maps the input to channels: no node of the user's, as in callback runs.
  const wrap = task.name === START ? undefined : loop.options.config.wrapTask;
  const work = wrap
    ? () => wrap({ id: task.id, name: task.name, step: loop.step + 1, ns: task.ns }, attempted)
    : attempted;
  if (run === undefined) return work();
  return withinRun(run, work, (writes) => updateOfWrites(writes, loop.spec.stateKeys) ?? {});
}

/** The node's attempts, retried under its retry policy; resolves with its writes. */
async function attempts(
  loop: GraphLoop,
  task: Task,
  pad: Scratchpad,
  config: NodeConfig,
  messages: ReturnType<typeof attachMessagesHandler>,
  snapshot: Record<string, unknown>,
  signal: AbortSignal,
): Promise<PendingWrite[]> {
  const attempt = async () => {
    pad.callIndex = 0;
    task.runtime?.reset();
    try {
      // Two storages on purpose: LangChain replaces its own value in nested runnables (a tool
      // call), and interrupt() inside one must still find the task's scratchpad.
      const result = await runAttempt(task, pad, config);
      // Before the writes are taken, since LangGraph names id-less returned messages in place.
      messages?.nodeReturned(result);
      const writes = collectWrites(loop.spec, task, result, snapshot, config);
      if (pad.consumed.length > 0) writes.push([RESUME, pad.consumed]);
      return writes;
    } catch (error) {
      if (pad.consumed.length > 0) task.writes = [[RESUME, pad.consumed]];
      throw error;
    }
  };
  return retrying(task.node.retryPolicy, attempt, signal, (e) => e instanceof ParentCommand);
}

/** One attempt of the node, in its scratchpad and LangChain context, under its timeout. */
function runAttempt(task: Task, pad: Scratchpad, config: NodeConfig): Promise<unknown> {
  const attempt = async (attemptConfig: NodeConfig) => {
    pad.config = attemptConfig;
    const run = () => task.node.run(task.input, attemptConfig);
    return runWithScratchpad(pad, () => runWithLangChainConfig(attemptConfig, run));
  };
  const timeout = task.node.timeout;
  if (timeout === undefined) return attempt(config);
  return runWithTimeout(task.name, config, timeout, attempt);
}

/**
 * The node's LangChain chain run, when the run has callbacks: tagged with its step (and hidden
 * for `__start__`), with the node's metadata, as LangGraph's.
 */
function startNodeRun(loop: GraphLoop, task: Task, config: NodeConfig) {
  const step = `graph:step:${loop.step + 1}`;
  const tags = task.name === START ? [step, "langsmith:hidden"] : [step];
  const run = { name: task.name, tags, metadata: config.metadata };
  return startChainRun(config.callbacks, task.input, run);
}

function createScratchpad(loop: GraphLoop, task: Task, consumed: unknown[]): Scratchpad {
  let taken = false;
  let interruptId: string | undefined;
  return {
    get interruptId() {
      interruptId ??= hash128(task.ns);
      return interruptId;
    },
    consumed: [...consumed],
    callIndex: 0,
    hasCheckpointer: loop.options.saver !== undefined,
    config: undefined as unknown,
    takeResume() {
      const resume = loop.resume;
      if (taken || resume === undefined) return { found: false };
      const value = resume.value;
      if (isResumeMap(value)) {
        if (!Object.hasOwn(value, this.interruptId)) return { found: false };
        taken = true;
        return { found: true, value: value[this.interruptId] };
      }
      taken = true;
      return { found: true, value };
    },
    onConsume() {},
  };
}

/** Whether a resume value is a map from interrupt ids to values. Pure. */
export function isResumeMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => /^[0-9a-f]{32}$/.test(k));
}

function nodeConfig(loop: GraphLoop, task: Task, pad: Scratchpad, signal: AbortSignal): NodeConfig {
  const base = loop.options.config;
  const sink = loop.options.sink;
  const parent: ParentContext = { loop, task, resume: loop.resume, resuming: loop.resumed };
  return {
    ...base,
    // The keys this run's values chunks show are not a graph the node may call's.
    outputKeys: undefined,
    configurable: {
      ...base.configurable,
      thread_id: loop.threadId,
      checkpoint_ns: loop.options.ns,
      checkpoint_id: loop.checkpointId,
      [SCRATCHPAD_KEY]: pad,
      [PARENT_KEY]: parent,
    },
    signal,
    // Created on first use: most nodes never journal, annotate or stream messages.
    get conclave(): TaskRuntime {
      task.runtime ??= createTaskRuntime(loop, task);
      return task.runtime.runtime;
    },
    writer: (chunk: unknown) => {
      if (sink.modes.has("custom")) sink.emit(loop.options.nsPath, "custom", chunk);
      base.writer?.(chunk);
    },
    metadata: {
      ...base.metadata,
      ...(loop.threadId === undefined ? {} : { thread_id: loop.threadId }),
      langgraph_step: loop.step + 1,
      langgraph_node: task.name,
      langgraph_triggers: task.triggers,
      langgraph_path: [
        task.kind === "pull" ? "__pregel_pull" : "__pregel_push",
        task.kind === "pull" ? task.name : task.index,
      ],
      langgraph_checkpoint_ns: task.ns,
      checkpoint_ns: task.ns,
    },
  };
}

function describeError(error: unknown): { name: string; message: string; code?: string } {
  const e = toError(error) as Error & { code?: unknown };
  return typeof e.code === "string"
    ? { name: e.name, message: e.message, code: e.code }
    : { name: e.name, message: e.message };
}
