import { ConclaveError, type ErrorDisposition, GraphValueError } from "../errors.ts";
import type { NodeConfig } from "./types.ts";

/** One pending interrupt: what a node asked, and the id to resume it by. */
export interface Interrupt<Value = unknown> {
  id: string;
  value: Value;
}

/** Thrown inside a node by `interrupt()`; the engine catches it and pauses the run. */
export class GraphInterrupt extends ConclaveError {
  override readonly disposition: ErrorDisposition = "paused";
  readonly interrupts: Interrupt[];
  constructor(interrupts: Interrupt[]) {
    super(
      "GRAPH_INTERRUPT",
      `The run paused for input: ${interrupts.length} interrupt(s) pending.`,
    );
    this.interrupts = interrupts;
  }
}

/**
 * LangGraph's legacy interrupt: throw it from a node to pause without a resume value. The run
 * stops before the node, which re-runs from the top when the thread is resumed.
 */
export class NodeInterrupt extends GraphInterrupt {
  constructor(value: unknown) {
    super([{ id: "", value }]);
  }
}

/** Whether `value` is an interrupt signal (error) thrown by `interrupt()`. Pure. */
export function isGraphInterrupt(value: unknown): value is GraphInterrupt {
  return value instanceof GraphInterrupt;
}

/** Whether an `invoke` result paused on interrupts (has an `__interrupt__` key). Pure. */
export function isInterrupted(value: unknown): value is { __interrupt__: Interrupt[] } {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { __interrupt__?: unknown }).__interrupt__)
  );
}

/**
 * Per-task interrupt bookkeeping. The Nth `interrupt()` call in a node returns the Nth resume
 * value; values consumed so far are saved as the task's `__resume__` write, because a resumed
 * node re-runs from the top.
 */
export interface Scratchpad {
  /** Computed on first use: most tasks never interrupt. */
  readonly interruptId: string;
  /** Resume values this task has consumed, in call order. */
  readonly consumed: unknown[];
  /** A value sent to the thread for the next unanswered interrupt, if not yet taken. */
  takeResume(): { found: boolean; value?: unknown };
  /** Called when the task consumes a new resume value, so it can be saved. */
  onConsume(consumed: unknown[]): void;
  callIndex: number;
  readonly hasCheckpointer: boolean;
  /** The running node's config, for `getConfig()`. */
  config?: unknown;
  /** The running task's input, for `getCurrentTaskInput()`. */
  input?: unknown;
}

/** An AsyncLocalStorage holding values of type `T`. */
export interface ContextStorage<T> {
  run<R>(store: T, fn: () => R): R;
  getStore(): T | undefined;
}

type AsyncHooks = { AsyncLocalStorage: new () => ContextStorage<unknown> };

// AsyncLocalStorage is used where the host has it (Node, Deno, Bun), found without a static
// node: import so the engine still loads in browsers; there `interrupt(value, config)` works.
const hooks = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.("node:async_hooks") as AsyncHooks | undefined;

/** A new AsyncLocalStorage, or undefined where the host has none (browsers). */
export function newContextStorage<T>(): ContextStorage<T> | undefined {
  return hooks ? (new hooks.AsyncLocalStorage() as ContextStorage<T>) : undefined;
}

const storage = newContextStorage<Scratchpad>();
let syncCurrent: Scratchpad | undefined;

/** Key under which a node's config carries its scratchpad, for `interrupt(value, config)`. */
export const SCRATCHPAD_KEY = "__conclave_scratchpad";

/** Runs `fn` with `pad` as the current task's scratchpad. */
export function runWithScratchpad<R>(pad: Scratchpad, fn: () => R): R {
  if (storage) return storage.run(pad, fn);
  const previous = syncCurrent;
  syncCurrent = pad;
  try {
    return fn();
  } finally {
    syncCurrent = previous;
  }
}

function scratchpadFrom(config: unknown): Scratchpad | undefined {
  const configurable = (config as { configurable?: Record<string, unknown> } | undefined)
    ?.configurable;
  return configurable?.[SCRATCHPAD_KEY] as Scratchpad | undefined;
}

function currentScratchpad(): Scratchpad | undefined {
  return storage?.getStore() ?? syncCurrent;
}

function requireScratchpad(fn: string): Scratchpad {
  const pad = currentScratchpad();
  if (!pad) {
    throw new ConclaveError(
      "OUTSIDE_NODE",
      `${fn}() was called outside a running node. Call it inside a node, or read the node's second argument (config) instead.`,
    );
  }
  return pad;
}

/**
 * Runs `fn` as part of the running node, with `config` as what `getConfig()` and
 * `currentNodeConfig()` return (a task's journal scope). The rest of the node's scratchpad,
 * its interrupt counters, is shared, so an `interrupt()` in `fn` is the node's.
 */
export function runWithNodeConfig<R>(config: unknown, fn: () => R): R {
  const pad = currentScratchpad();
  if (!pad) return fn();
  const scoped = new Proxy(pad, {
    get: (target, key) => (key === "config" ? config : Reflect.get(target, key)),
  });
  return runWithScratchpad(scoped, fn);
}

/** The config of the node running now, if any (undefined outside nodes, or after an await without AsyncLocalStorage). */
export function currentNodeConfig(): unknown {
  return currentScratchpad()?.config;
}

/** The config of the running node (LangGraph's `getConfig`). Needs AsyncLocalStorage after an await. */
export function getConfig<C = NodeConfig>(): C {
  return requireScratchpad("getConfig").config as C;
}

/** The running node's custom-stream writer (LangGraph's `getWriter`). */
export function getWriter(): (chunk: unknown) => void {
  return (requireScratchpad("getWriter").config as { writer: (chunk: unknown) => void }).writer;
}

/** Writes `chunk` to stream mode `custom` from the running node (LangGraph's `writer`). */
export function writer(chunk: unknown): void {
  getWriter()(chunk);
}

/** The input of the running task: the state it read, or a Send's argument. */
export function getCurrentTaskInput<T = unknown>(): T {
  return requireScratchpad("getCurrentTaskInput").input as T;
}

/** The cross-thread store given to the run, if any (LangGraph's `getStore`). */
export function getStore<S = unknown>(): S | undefined {
  return (requireScratchpad("getStore").config as { store?: S }).store;
}

/**
 * Pauses the run and surfaces `value` to the caller; on resume, returns the resume value. The
 * node re-runs from the top on resume, so code before `interrupt()` runs again.
 * Pass the node's `config` as the second argument where AsyncLocalStorage is unavailable.
 *
 * @example
 * const answer = interrupt<{ question: string }, string>({ question: "Approve?" });
 */
export function interrupt<Value = unknown, Resume = unknown>(
  value: Value,
  config?: unknown,
): Resume {
  const pad = scratchpadFrom(config) ?? storage?.getStore() ?? syncCurrent;
  if (!pad) {
    throw new ConclaveError(
      "INTERRUPT_OUTSIDE_NODE",
      "interrupt() was called outside a running node. Call it inside a node function; where " +
        "AsyncLocalStorage is unavailable (browsers), pass the node's config: interrupt(value, config).",
    );
  }
  if (!pad.hasCheckpointer) {
    throw new GraphValueError(
      "No checkpointer set: interrupt() needs one to save the paused run. Compile the graph with " +
        "{ checkpointer: new MemorySaver() } (or a SqliteSaver) and invoke it with a thread_id.",
      "MISSING_CHECKPOINTER",
    );
  }
  const index = pad.callIndex++;
  if (index < pad.consumed.length) return pad.consumed[index] as Resume;
  const next = pad.takeResume();
  if (next.found) {
    pad.consumed.push(next.value);
    pad.onConsume(pad.consumed);
    return next.value as Resume;
  }
  throw new GraphInterrupt([{ id: pad.interruptId, value }]);
}
