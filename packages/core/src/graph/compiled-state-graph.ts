import type { CheckpointConfig, CheckpointSaver, ListOptions } from "../checkpoint/types.ts";
import { INTERRUPT } from "../constants.ts";
import { InvalidArgumentError, UnknownNodeError } from "../errors.ts";
import { readRoot, readState } from "../pregel/algo.ts";
import { Command } from "../pregel/command.ts";
import {
  currentNodeConfig,
  GraphInterrupt,
  type Interrupt,
  SCRATCHPAD_KEY,
} from "../pregel/interrupt.ts";
import { outerLangChainConfig } from "../pregel/langchain-context.ts";
import {
  hasCallbacks,
  type StreamEvent,
  type StreamEventsOptions,
  startChainRun,
  streamEventsV2,
  withinRun,
} from "../pregel/langchain-runs.ts";
import { GraphLoop, type LoopResult } from "../pregel/loop.ts";
import type { NodeCache } from "../pregel/node-cache.ts";
import { PARENT_KEY, type ParentContext } from "../pregel/runner.ts";
import type { GraphSpec, SubgraphRunner } from "../pregel/spec.ts";
import { childSink, SILENT_SINK, StreamQueue, type StreamSink } from "../pregel/stream.ts";
import { loadMessageChunkClass } from "../pregel/stream-messages.ts";
import type { RunConfig, StateSnapshot, StreamMode } from "../pregel/types.ts";
import { ParentCommand } from "../pregel/writes.ts";
import { type DrawableGraph, drawGraph } from "./draw.ts";
import { applyStateUpdates, readHistory, readSnapshot, type StateUpdate } from "./state-access.ts";
import { subgraphUpdate } from "./subgraph-update.ts";
import { subgraphsOf } from "./subgraphs.ts";

export interface CompileOptions<Names extends string = string> {
  checkpointer?: CheckpointSaver | false;
  interruptBefore?: Names[] | "*";
  interruptAfter?: Names[] | "*";
  /** Cross-thread store handed to nodes as `config.store`. */
  store?: unknown;
  /** Where nodes with a `cachePolicy` keep their writes (LangGraph's `cache`). */
  cache?: NodeCache;
  name?: string;
  description?: string;
}

/**
 * A compiled, runnable graph. Runs are stateless unless it has a checkpointer, in which case
 * each call names a thread (`configurable.thread_id`) whose history is saved step by step.
 */
export class CompiledStateGraph<S, U, N extends string = string> implements SubgraphRunner {
  readonly spec: GraphSpec;
  readonly checkpointer: CheckpointSaver | undefined;
  readonly interruptBefore: readonly string[] | "*";
  readonly interruptAfter: readonly string[] | "*";
  readonly store: unknown;
  readonly cache: NodeCache | undefined;
  readonly name: string;
  readonly builder: unknown;
  readonly #defaults: RunConfig;
  declare readonly "~types": { state: S; update: U };

  constructor(
    spec: GraphSpec,
    options: CompileOptions<string>,
    builder: unknown,
    defaults: RunConfig = {},
  ) {
    this.spec = spec;
    this.checkpointer = options.checkpointer || undefined;
    this.interruptBefore = options.interruptBefore ?? [];
    this.interruptAfter = options.interruptAfter ?? [];
    this.store = options.store;
    this.cache = options.cache;
    this.name = spec.name;
    this.builder = builder;
    this.#defaults = defaults;
    for (const name of [...asList(this.interruptBefore), ...asList(this.interruptAfter)]) {
      if (!spec.nodes.has(name))
        throw new UnknownNodeError(
          `interruptBefore/interruptAfter names node "${name}", which is not in graph "${spec.name}".`,
        );
    }
  }

  /** Empties the node cache (LangGraph's `clearCache`). */
  async clearCache(): Promise<void> {
    await this.cache?.clear([]);
  }

  /** A copy of this graph whose calls start from `config`. */
  withConfig(config: RunConfig): CompiledStateGraph<S, U, N> {
    const options = {
      checkpointer: this.checkpointer,
      interruptBefore: this.interruptBefore as string[] | "*",
      interruptAfter: this.interruptAfter as string[] | "*",
      store: this.store,
      cache: this.cache,
    };
    return new CompiledStateGraph<S, U, N>(
      this.spec,
      options,
      this.builder,
      mergeConfig(this.#defaults, config),
    );
  }

  /**
   * A copy of this graph that saves through `checkpointer` (and uses `store`, when given). The
   * platform runs each claimed run through a copy whose saver is fenced to that claim.
   */
  withCheckpointer(
    checkpointer: CheckpointSaver | undefined,
    store: unknown = this.store,
  ): CompiledStateGraph<S, U, N> {
    const options = {
      checkpointer,
      interruptBefore: this.interruptBefore as string[] | "*",
      interruptAfter: this.interruptAfter as string[] | "*",
      store,
      cache: this.cache,
    };
    return new CompiledStateGraph<S, U, N>(this.spec, options, this.builder, this.#defaults);
  }

  /**
   * Runs the graph to completion (or to an interrupt) and returns the final state. Called in a
   * node, with that node's config or with none, it runs as that node's subgraph, as under
   * LangGraph: its checkpoints nest under the node, its events join the parent's stream, and an
   * interrupt inside it pauses the parent run.
   */
  async invoke(
    input: U | S | Command | null | undefined,
    config?: RunConfig,
  ): Promise<S & { [INTERRUPT]?: Interrupt[] }> {
    const nodeConfig = config ?? (currentNodeConfig() as RunConfig | undefined);
    const parent = parentOf(nodeConfig);
    if (parent && nodeConfig) {
      const result = await this.#runInParent(input, nodeConfig, parent);
      return this.#output(result) as S & { [INTERRUPT]?: Interrupt[] };
    }
    const merged = mergeConfig(this.#defaults, config ?? {});
    // As LangGraph: with another stream mode than "values", invoke returns that mode's chunks.
    if (merged.streamMode !== undefined && merged.streamMode !== "values") {
      const chunks: unknown[] = [];
      const outputKeys = merged.outputKeys ?? [...this.spec.outputKeys];
      for await (const chunk of await this.stream(input, { ...merged, outputKeys }))
        chunks.push(chunk);
      return chunks as never;
    }
    const result = await this.#run(input, merged, SILENT_SINK);
    return this.#output(result) as S & { [INTERRUPT]?: Interrupt[] };
  }

  /**
   * LangChain's `streamEvents` (version "v2"): the graph's, its nodes' and their models' runs as
   * `on_chain_start`, `on_chat_model_stream`... events, as LangGraph's graphs report them.
   */
  streamEvents(
    input: U | S | Command | null | undefined,
    options: RunConfig & { version: "v2" | (string & {}) },
    filters?: StreamEventsOptions,
  ): AsyncGenerator<StreamEvent> {
    const run = (config: Record<string, unknown>) =>
      this.stream(input, config as RunConfig) as Promise<AsyncIterable<unknown>>;
    return streamEventsV2(run, input, options as Record<string, unknown>, filters);
  }

  /**
   * Streams the run. One mode yields chunks; several yield `[mode, chunk]`; with
   * `subgraphs: true` chunks are prefixed by their namespace. Defaults to `updates`.
   */
  async stream(
    input: U | S | Command | null | undefined,
    config?: RunConfig,
  ): Promise<StreamQueue<unknown>> {
    const merged = mergeConfig(this.#defaults, config ?? {});
    const requested = asList(merged.streamMode ?? "updates") as StreamMode[];
    const single = !Array.isArray(merged.streamMode);
    const subgraphs = merged.subgraphs === true;
    const controller = new AbortController();
    const userSignal = merged.signal;
    const signal = userSignal
      ? AbortSignal.any([userSignal, controller.signal])
      : controller.signal;
    const queue = new StreamQueue<unknown>(() => controller.abort());
    if (requested.includes("messages")) await loadMessageChunkClass();
    const sink: StreamSink = {
      modes: new Set(requested),
      subgraphs,
      emit(ns, mode, chunk) {
        if (!this.modes.has(mode)) return;
        const body = single ? chunk : [mode, chunk];
        queue.push(subgraphs ? (single ? [ns, chunk] : [ns, mode, chunk]) : body);
      },
    };
    this.#run(input, { ...merged, signal }, sink).then(
      (result) => {
        if (
          result.status === "interrupted" &&
          requested.includes("values") &&
          result.interrupts.length > 0
        ) {
          sink.emit([], "values", { [INTERRUPT]: result.interrupts });
        }
        queue.close();
      },
      (error) => queue.close(error, true),
    );
    return queue;
  }

  async #run(
    input: unknown,
    config: RunConfig,
    sink: StreamSink,
    extra: Partial<ConstructorParameters<typeof GraphLoop>[0]> = {},
  ): Promise<LoopResult> {
    // A graph called inside a LangChain runnable reports to that runnable's callbacks.
    const callbacks = config.callbacks ?? outerLangChainConfig()?.callbacks;
    const graphRun = hasCallbacks(callbacks)
      ? await startChainRun(callbacks, input, { name: this.name, runId: config.runId })
      : undefined;
    const loop = new GraphLoop({
      spec: this.spec,
      saver: this.checkpointer,
      cache: this.cache,
      config: {
        ...config,
        store: config.store ?? this.store,
        callbacks: graphRun ? graphRun.getChild() : callbacks,
      },
      sink,
      nsPath: [],
      ns: config.configurable?.checkpoint_ns ?? "",
      interruptBefore: config.interruptBefore ?? this.interruptBefore,
      interruptAfter: config.interruptAfter ?? this.interruptAfter,
      ...extra,
    });
    if (graphRun === undefined) return loop.run(input);
    return withinRun(
      graphRun,
      () => loop.run(input),
      (result) => this.#output(result),
    );
  }

  // LangGraph's invoke returns the last `values` chunk, plus `__interrupt__` when paused.
  #output(result: LoopResult): Record<string, unknown> {
    const root = this.spec.rootChannel;
    if (root !== undefined && result.status !== "interrupted")
      return (result.outputValues ? readRoot(this.spec, root, result.outputValues) : null) as never;
    const values =
      result.outputValues && root === undefined
        ? readState(this.spec, result.outputValues, this.spec.outputKeys)
        : {};
    if (result.status === "interrupted") values[INTERRUPT] = result.interrupts;
    return values;
  }

  /** Runs this graph as a node of a parent graph; returns only the updates it made. */
  async runAsSubgraph(input: unknown, config: unknown): Promise<unknown> {
    const parent = parentOf(config);
    if (!parent) return this.invoke(input as U, config as RunConfig);
    let result: LoopResult;
    try {
      result = await this.#runInParent(input, config as RunConfig, parent);
    } catch (error) {
      if (error instanceof ParentCommand)
        return new Command({ update: error.command.update, goto: error.command.goto });
      throw error;
    }
    return subgraphUpdate(
      parent.loop.spec,
      input,
      readState(this.spec, result.values, this.spec.outputKeys),
    );
  }

  /**
   * Runs this graph inside `parent`'s task, under the task's namespace. An interrupt becomes
   * the parent task's GraphInterrupt.
   */
  async #runInParent(
    input: unknown,
    nodeConfig: RunConfig,
    parent: ParentContext,
  ): Promise<LoopResult> {
    const { loop, task } = parent;
    const saver = this.checkpointer ?? loop.options.saver;
    // As LangGraph 1.7.3: a subgraph caches only in a cache of its own.
    const cache = this.cache;
    // A subgraph is a chain run of its own inside its node's, as LangGraph reports it.
    const graphRun = hasCallbacks(nodeConfig.callbacks)
      ? await startChainRun(nodeConfig.callbacks, input, {
          name: this.name,
          metadata: nodeConfig.metadata,
        })
      : undefined;
    const child = new GraphLoop({
      spec: this.spec,
      saver,
      cache,
      config: {
        ...nodeConfig,
        writer: undefined,
        configurable: {
          ...inheritedConfigurable(nodeConfig.configurable),
          thread_id: loop.threadId,
        },
        // A subgraph runs as LangGraph's `invoke`: its values chunks show its output keys.
        outputKeys: [...this.spec.outputKeys],
        durability: loop.durability,
        ...(graphRun ? { callbacks: graphRun.getChild() } : {}),
      },
      sink: childSink(loop.options.sink),
      nsPath: [...loop.options.nsPath, task.ns.slice(task.ns.lastIndexOf("|") + 1)],
      ns: task.ns,
      interruptBefore: this.interruptBefore,
      interruptAfter: this.interruptAfter,
      parents: { ...(loop.options.parents ?? {}), [loop.options.ns]: loop.checkpointId },
      parentResume: parent.resume,
      resuming: parent.resuming,
    });
    const run = async () => {
      const result = await child.run(input);
      if (result.status === "interrupted") throw new GraphInterrupt(result.interrupts);
      return result;
    };
    if (graphRun === undefined) return run();
    return withinRun(graphRun, run, (result) => this.#output(result));
  }

  /** The thread's state at its newest checkpoint (or the one named in `config`). */
  getState(config: RunConfig, options: { subgraphs?: boolean } = {}): Promise<StateSnapshot> {
    return readSnapshot(
      this,
      this.#saver("getState"),
      config as CheckpointConfig,
      options.subgraphs === true,
    );
  }

  /** The thread's checkpoints as snapshots, newest first. */
  getStateHistory(config: RunConfig, options?: ListOptions): AsyncGenerator<StateSnapshot> {
    return readHistory(this, this.#saver("getStateHistory"), config as CheckpointConfig, options);
  }

  /** Writes a new checkpoint as if `asNode` had returned `values`; returns its config. */
  updateState(config: RunConfig, values: unknown, asNode?: N | string): Promise<CheckpointConfig> {
    const update = asNode === undefined ? { values } : { values, asNode };
    return applyStateUpdates(this, this.#saver("updateState"), config as CheckpointConfig, [
      update,
    ]);
  }

  /**
   * Applies supersteps of updates in order, one checkpoint each; the updates of one superstep
   * are applied together, as the tasks of one step (LangGraph's `bulkUpdateState`). Returns the
   * last checkpoint's config.
   */
  async bulkUpdateState(
    config: RunConfig,
    supersteps: readonly { updates: readonly StateUpdate[] }[],
  ): Promise<CheckpointConfig> {
    if (supersteps.length === 0)
      throw new InvalidArgumentError(
        "bulkUpdateState needs at least one superstep: pass [{ updates: [{ values, asNode }] }].",
        "EMPTY_UPDATE",
      );
    const saver = this.#saver("bulkUpdateState");
    let current = config as CheckpointConfig;
    for (const { updates } of supersteps)
      current = await applyStateUpdates(this, saver, current, updates);
    return current;
  }

  /** The graph's nodes and edges, with `toJSON()` and `drawMermaid()`. */
  getGraph(_config?: RunConfig): DrawableGraph {
    return drawGraph(this.spec);
  }

  /** Async form of `getGraph`, as in LangGraph. */
  async getGraphAsync(config?: RunConfig): Promise<DrawableGraph> {
    return this.getGraph(config);
  }

  /**
   * The compiled graphs used as nodes, by node name; with `recurse`, theirs too, named
   * `parent|child`. `namespace` picks one subgraph (and, with `recurse`, its own), as LangGraph's
   * `getSubgraphs` does.
   */
  getSubgraphs(
    namespace?: string,
    recurse = false,
  ): Generator<[string, CompiledStateGraph<unknown, unknown>]> {
    return subgraphsOf(this.spec, namespace, recurse);
  }

  /** Async form of `getSubgraphs`, as in LangGraph. */
  async *getSubgraphsAsync(
    namespace?: string,
    recurse = false,
  ): AsyncGenerator<[string, CompiledStateGraph<unknown, unknown>]> {
    yield* this.getSubgraphs(namespace, recurse);
  }

  #saver(method: string): CheckpointSaver {
    if (!this.checkpointer) {
      throw new InvalidArgumentError(
        `${method}() needs a checkpointer. Compile the graph with { checkpointer: new MemorySaver() } or a SqliteSaver.`,
        "NO_CHECKPOINTER",
      );
    }
    return this.checkpointer;
  }
}

/**
 * What a subgraph inherits of its parent's `configurable`: the user's keys (a run's mode, model
 * settings), as LangGraph passes them down, without the parent's checkpoint address and
 * engine internals.
 */
function inheritedConfigurable(configurable: RunConfig["configurable"]): Record<string, unknown> {
  const inherited: Record<string, unknown> = { ...configurable };
  for (const key of [
    "checkpoint_id",
    "checkpoint_ns",
    "checkpoint_map",
    SCRATCHPAD_KEY,
    PARENT_KEY,
  ])
    delete inherited[key];
  return inherited;
}

function asList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined || value === "*") return [];
  return Array.isArray(value) ? [...value] : [value as T];
}

/** The parent task a node's config names, if `config` is a node's. */
function parentOf(config: unknown): ParentContext | undefined {
  const configurable = (config as { configurable?: Record<string, unknown> } | undefined)
    ?.configurable;
  return configurable?.[PARENT_KEY] as ParentContext | undefined;
}

function mergeConfig(base: RunConfig, override: RunConfig): RunConfig {
  if (Object.keys(base).length === 0) return override;
  return {
    ...base,
    ...override,
    configurable: { ...base.configurable, ...override.configurable },
    metadata: { ...base.metadata, ...override.metadata },
  };
}
