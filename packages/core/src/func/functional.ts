/**
 * LangGraph's functional API. `entrypoint` turns a function into a graph of one node, and
 * `task` a function whose calls inside a node run once per thread: each finished call is kept
 * in the node's journal (a pending write), so when the node runs again (resumed after an
 * `interrupt()`, retried, recovered after a crash) the call returns its recorded result
 * instead of running. LangGraph runs each call as a task of its own; the journal keeps the
 * same promise (finished calls never run twice) with no extra step per call.
 */
import { ephemeralValue, lastValue } from "../channels/last-value.ts";
import type { CheckpointSaver } from "../checkpoint/types.ts";
import { END, START } from "../constants.ts";
import { ConclaveError } from "../errors.ts";
import { CompiledStateGraph } from "../graph/compiled-state-graph.ts";
import { currentNodeConfig, runWithNodeConfig } from "../pregel/interrupt.ts";
import { plainMessages, runWithLangChainConfig } from "../pregel/langchain-context.ts";
import {
  type CacheFullKey,
  type CachePolicy,
  cacheKeyFor,
  keepOrWarn,
  type NodeCache,
} from "../pregel/node-cache.ts";
import { runWithTimeout, type TimeoutPolicy, timeoutPolicyOf } from "../pregel/node-timeout.ts";
import { type RetryPolicy, retrying } from "../pregel/retry.ts";
import type { GraphSpec, NodeSpec } from "../pregel/spec.ts";
import type { TaskRuntime } from "../pregel/task-runtime.ts";
import type { NodeConfig } from "../pregel/types.ts";

/** The channel an entrypoint saves for the next call on its thread (`getPreviousState`). */
const PREVIOUS = "__previous__";
const FINAL_TYPE = "__pregel_final";

/** LangGraph's task options. */
export interface TaskOptions {
  name: string;
  retry?: RetryPolicy;
  /** Milliseconds one attempt may run, or a policy with an `idleTimeout` (see node timeouts). */
  timeout?: number | TimeoutPolicy;
  /** Reuse a result for arguments seen before (needs a graph `cache`); `true` for defaults. */
  cachePolicy?: CachePolicy | boolean;
}

/** LangGraph's entrypoint options. */
export interface EntrypointOptions {
  name: string;
  /** How long one attempt of the entrypoint may run (see node timeouts). */
  timeout?: number | TimeoutPolicy;
  checkpointer?: CheckpointSaver;
  store?: unknown;
  /** Where tasks with a `cachePolicy` keep their results. */
  cache?: NodeCache;
}

/** What `entrypoint.final` returns: the caller gets `value`, the thread keeps `save`. */
export interface EntrypointFinal<V, S> {
  value: V;
  save: S;
  __lg_type: typeof FINAL_TYPE;
}

type Unwrapped<R> = R extends EntrypointFinal<infer V, unknown> ? V : R;

/**
 * Defines a task. Called inside an entrypoint or a StateGraph node, it runs `fn` and returns
 * a promise of its result, which is journaled (so it must be serializable with a checkpointer)
 * and streamed in mode `updates` as `{ [name]: result }`.
 * @throws ConclaveError `TASK_OUTSIDE_GRAPH` when called outside a running node.
 */
export function task<A extends unknown[], R>(
  optionsOrName: string | TaskOptions,
  fn: (...args: A) => R | Promise<R>,
): (...args: A) => Promise<Awaited<R>> {
  const options = typeof optionsOrName === "string" ? { name: optionsOrName } : optionsOrName;
  const timeout = timeoutPolicyOf(options.timeout);
  if (isGenerator(fn))
    throw new Error(
      "Generators are disallowed as tasks. For streaming responses, use config.write.",
    );
  const { name, retry } = options;
  const chosen = options.cachePolicy ?? (options as { cache?: CachePolicy | boolean }).cache;
  const policy = chosen === true ? {} : chosen || undefined;
  return (...args: A): Promise<Awaited<R>> => {
    const config = runningNode(name);
    const runtime = config.conclave;
    const slot = runtime.journal<Awaited<R>>(`task:${name}`);
    if (slot.replay) {
      runtime.update(name, slot.result, true);
      return Promise.resolve(slot.result);
    }
    // The call's own journal scope: tasks it calls do not shift the positions of the node's
    // later calls, which must match when the node re-runs and this call is only replayed.
    const own = taskConfig(config, name, runtime.scope(`task${slot.at}`));
    const attempt = async (config: NodeConfig) =>
      runWithNodeConfig(config, () => runWithLangChainConfig(config, () => fn(...args)));
    // Each attempt is timed on its own, as LangGraph times a task's attempts.
    const once = () => (timeout ? runWithTimeout(name, own, timeout, attempt) : attempt(own));
    const run = () => retrying(retry, once);
    const cache = policy && runtime.cache;
    const call = { name, runtime, record: slot.record, run: run as () => Promise<Awaited<R>> };
    return cache ? cachedCall(call, cache, cacheKeyFor(name, args, policy)) : finishCall(call);
  };
}

/** A task call on its way: how to run it, and where its result goes. */
interface TaskCall<T> {
  name: string;
  runtime: TaskRuntime;
  record(result: T): void;
  run(): Promise<T>;
}

/** Runs a call, then journals its result (messages plain) and streams it. */
async function finishCall<T>(call: TaskCall<T>): Promise<T> {
  const result = await call.run();
  call.record(plainMessages(result) as T);
  call.runtime.update(call.name, result);
  return result;
}

/**
 * A call of a task with a `cachePolicy`: a result cached for these arguments is journaled and
 * streamed as cached (plain, as a checkpoint stores it); otherwise it runs and is kept.
 */
async function cachedCall<T>(
  call: TaskCall<T>,
  cache: NodeCache,
  found: { key: CacheFullKey; ttl?: number },
): Promise<T> {
  const [hit] = await cache.get([found.key]);
  if (hit) {
    call.record(hit.value as T);
    call.runtime.update(call.name, hit.value, true);
    return hit.value as T;
  }
  const result = await finishCall(call);
  await keepOrWarn(cache, found, plainMessages(result), `task "${call.name}"`);
  return result;
}

/**
 * The config a task call runs with: its own journal scope, and LangGraph's task metadata, so a
 * model called in it streams `messages` as from the task (`langgraph_node` is the task's name).
 */
function taskConfig(config: NodeConfig, name: string, conclave: TaskRuntime): NodeConfig {
  const metadata = {
    ...config.metadata,
    langgraph_node: name,
    langgraph_triggers: [PUSH_TRIGGER],
  };
  const own = { ...config, conclave, metadata };
  previousByConfig.set(own, previousByConfig.get(config));
  return own;
}

/** The trigger LangGraph gives tasks started by a call (`__pregel_push`). */
const PUSH_TRIGGER = "__pregel_push";

function runningNode(name: string): NodeConfig {
  const config = currentNodeConfig() as NodeConfig | undefined;
  if (config?.conclave) return config;
  throw new ConclaveError(
    "TASK_OUTSIDE_GRAPH",
    `Task "${name}" was called outside a running graph. Call tasks inside an entrypoint or a StateGraph node (where AsyncLocalStorage is missing, before the node's first await).`,
  );
}

/** The previous call's saved value on this thread (its return value, or `final`'s `save`). */
const previousByConfig = new WeakMap<object, unknown>();

/**
 * The value the entrypoint saved on the last call on this thread: its return value, or the
 * `save` of `entrypoint.final`. Undefined on a thread's first call.
 */
export function getPreviousState<S>(): S | undefined {
  const config = currentNodeConfig();
  return (
    typeof config === "object" && config !== null ? previousByConfig.get(config) : undefined
  ) as S | undefined;
}

/**
 * Defines a workflow: a graph with one node, `name`, that runs `fn(input, config)`. Its input
 * and output are plain values (not state objects); `stream` defaults to mode `updates`.
 */
function entrypoint<I, R>(
  optionsOrName: string | EntrypointOptions,
  fn: (input: I, config: NodeConfig) => R | Promise<R>,
) {
  const options = typeof optionsOrName === "string" ? { name: optionsOrName } : optionsOrName;
  if (isGenerator(fn))
    throw new Error(
      "Generators are disallowed as entrypoints. For streaming responses, use config.write.",
    );
  const spec = entrypointSpec(options.name, fn as NodeSpec["run"], options.timeout);
  return new CompiledStateGraph<Unwrapped<Awaited<R>>, I, string>(
    spec,
    { checkpointer: options.checkpointer, store: options.store, cache: options.cache },
    undefined,
  );
}

/** Returns `value` to the caller and saves `save` for the thread's next call. */
entrypoint.final = <V, S>({ value, save }: { value?: V; save?: S }): EntrypointFinal<V, S> => ({
  value: value as V,
  save: save as S,
  __lg_type: FINAL_TYPE,
});

export { entrypoint };

function isFinal(value: unknown): value is EntrypointFinal<unknown, unknown> {
  return (value as { __lg_type?: unknown } | null)?.__lg_type === FINAL_TYPE;
}

/**
 * The engine's form of an entrypoint, as LangGraph's Pregel: the input written to `__start__`
 * triggers the node; it writes its return value to `__end__` (the output) and its saved value
 * to `__previous__`. The `__start__` node is kept for commands and never triggered.
 */
function entrypointSpec(
  name: string,
  fn: NodeSpec["run"],
  timeout: number | TimeoutPolicy | undefined,
): GraphSpec {
  const node: NodeSpec = {
    name,
    timeout: timeoutPolicyOf(timeout),
    run: (input, config) => {
      const { [START]: value, [PREVIOUS]: previous } = input as Record<string, unknown>;
      previousByConfig.set(config as object, previous);
      return fn(value, config);
    },
    // Also how `updateState(config, value)` writes as the entrypoint, as in LangGraph.
    writesOf: (result) => [
      [END, plainMessages(isFinal(result) ? result.value : result)],
      [PREVIOUS, plainMessages(isFinal(result) ? result.save : result)],
    ],
    inputKeys: [START, PREVIOUS],
    triggers: [START],
    edges: [],
    branches: [],
    defer: false,
  };
  const start: NodeSpec = { ...node, name: START, run: () => null, inputKeys: undefined };
  return {
    name,
    channels: new Map([
      [START, ephemeralValue()],
      [END, lastValue()],
      [PREVIOUS, lastValue()],
    ]),
    stateKeys: [END, PREVIOUS],
    inputKeys: [],
    outputKeys: [END],
    nodes: new Map([
      [START, { ...start, triggers: [] }],
      [name, node],
    ]),
    triggerIndex: new Map([[START, [name]]]),
    finishChannels: [],
    rootChannel: END,
  };
}

function isGenerator(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: string } })?.constructor?.name;
  return name === "GeneratorFunction" || name === "AsyncGeneratorFunction";
}
