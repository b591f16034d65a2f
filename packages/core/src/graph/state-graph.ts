import { END, RESERVED_NAMES, START } from "../constants.ts";
import { InvalidGraphError } from "../errors.ts";
import type { CachePolicy } from "../pregel/node-cache.ts";
import type { TimeoutPolicy } from "../pregel/node-timeout.ts";
import type { RetryPolicy } from "../pregel/retry.ts";
import type { NodeConfig } from "../pregel/types.ts";
import type { AnnotationRoot, StateDefinition, StateType, UpdateType } from "./annotation.ts";
import { CompiledStateGraph, type CompileOptions } from "./compiled-state-graph.ts";
import { lowerGraph } from "./lower.ts";
import { isSchemaLike } from "./schema.ts";
import type { StateSchema, StateSchemaUpdate, StateSchemaValue } from "./state-schema.ts";
import type { ZodObjectLike } from "./zod.ts";

/** The state a node reads, for any accepted schema form. */
export type StateOf<D> =
  D extends StateSchema<infer F>
    ? StateSchemaValue<F>
    : D extends AnnotationRoot<infer SD extends StateDefinition>
      ? StateType<SD>
      : D extends { state: infer X }
        ? StateOf<X>
        : D extends { stateSchema: infer X }
          ? StateOf<X>
          : D extends { _output: infer O }
            ? O
            : D extends { _zod: { output: infer O } }
              ? O
              : D extends StateDefinition
                ? StateType<D>
                : Record<string, unknown>;

/** The update a node may return, for any accepted schema form. */
export type UpdateOf<D> =
  D extends StateSchema<infer F>
    ? StateSchemaUpdate<F>
    : D extends AnnotationRoot<infer SD extends StateDefinition>
      ? UpdateType<SD>
      : D extends { state: infer X }
        ? UpdateOf<X>
        : D extends { stateSchema: infer X }
          ? UpdateOf<X>
          : D extends StateDefinition
            ? UpdateType<D>
            : Partial<StateOf<D>>;

/** What a node function may return. */
export type NodeReturn<U> =
  | U
  | { lg_name: "Command" }
  | { lg_name: "Command" }[]
  | null
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: a node that returns nothing has return type void.
  | void;

/**
 * A node function. Declared as a method so its parameter is checked bivariantly: a node that
 * only receives `Send` arguments may declare its own input type, as in LangGraph.
 */
export type NodeFunction<S, U> = {
  node(state: S, config: NodeConfig): NodeReturn<U> | Promise<NodeReturn<U>>;
}["node"];

/** A node: a function of state and config, a Runnable-like object, or a compiled subgraph. */
export type NodeAction<S, U> =
  | NodeFunction<S, U>
  | { invoke(state: S, config?: unknown): unknown }
  | CompiledStateGraph<never, never, string>;

export interface AddNodeOptions {
  retryPolicy?: RetryPolicy;
  /** Reuse the node's writes for an input seen before (needs `compile({ cache })`). */
  cachePolicy?: CachePolicy | boolean;
  /** Milliseconds one attempt may run (`runTimeout`), or a policy with an `idleTimeout` too. */
  timeout?: number | TimeoutPolicy;
  /** Run only once every other pending branch has finished. */
  defer?: boolean;
  /** Nodes a Command returned by this node may route to (for validation and drawing). */
  ends?: readonly string[];
  /** A schema whose keys this node reads, instead of the whole state. */
  input?: StateSchema | AnnotationRoot<StateDefinition> | ZodObjectLike;
  metadata?: Record<string, unknown>;
  subgraphs?: unknown[];
}

/** LangGraph's second `StateGraph` argument, in its object form. */
export interface StateGraphOptions {
  /** The schema of what the graph accepts (a subset of the state's keys). */
  input?: unknown;
  /** The schema of what the graph returns. */
  output?: unknown;
  /** The schema of `config.context` (the run's static context). */
  context?: unknown;
  /** Node names, for typing; not needed at run time. */
  nodes?: readonly string[];
}

/** Policies every node gets unless it sets its own (LangGraph's `setNodeDefaults`). */
export interface NodeDefaults {
  retryPolicy?: RetryPolicy;
  cachePolicy?: CachePolicy | boolean;
  timeout?: number | TimeoutPolicy;
}

/** A node as declared on the builder. */
export interface NodeDefinition {
  action: unknown;
  options: AddNodeOptions;
}

/** A conditional edge as declared on the builder. */
export interface BranchDefinition {
  path: (state: unknown, config: unknown) => unknown;
  pathMap?: Record<string, string>;
}

// Known names autocomplete; any string is accepted so builders that are not chained still type-check.
type NodeName<N extends string> = N | (string & {});

/**
 * Builds a graph over a shared state. Add nodes and edges, then `compile()` it.
 *
 * @example
 * const graph = new StateGraph(State)
 *   .addNode("plan", plan)
 *   .addEdge(START, "plan")
 *   .addEdge("plan", END)
 *   .compile({ checkpointer: new MemorySaver() });
 */
// `in N`: a builder that knows more node names can stand for one that knows fewer, so
// `graph = graph.addNode(...)` in a loop type-checks.
export class StateGraph<D, S = StateOf<D>, U = UpdateOf<D>, in N extends string = typeof START> {
  readonly nodes = new Map<string, NodeDefinition>();
  readonly edges: [string, string][] = [];
  readonly waitingEdges: [string[], string][] = [];
  readonly branches = new Map<string, BranchDefinition[]>();
  readonly schema: D;
  /** The schema of `config.context`, when the constructor was given one (for `getSchemas`). */
  readonly contextSchema: unknown;
  /** The policies of nodes that set none (see {@link setNodeDefaults}). */
  readonly nodeDefaults: NodeDefaults = {};

  /**
   * @param schema - the state: a StateSchema, an Annotation root, a zod object, or
   *   `{ state, input?, output? }`.
   * @param options - as LangGraph's second argument: `{ input?, output?, context? }`, or the
   *   context schema itself. `input` narrows what the graph accepts and `output` what it returns.
   */
  constructor(schema: D, options?: StateGraphOptions | object) {
    this.schema = schema;
    if (options === undefined || options === null) return;
    if (isSchemaLike(options)) {
      this.contextSchema = options;
      return;
    }
    const { input, output, context } = options as StateGraphOptions;
    this.contextSchema = context;
    if (input !== undefined || output !== undefined)
      // Lowered as LangGraph's `{ state, input, output }` form; the state types stay `D`'s.
      this.schema = { state: schema, input, output } as D;
  }

  /**
   * Sets the retry, cache and timeout policies of every node that does not set its own, as
   * LangGraph's `setNodeDefaults`. Read at `compile()`, so the call order does not matter;
   * later calls override earlier ones field by field. Subgraphs do not inherit them.
   * @throws InvalidGraphError for `errorHandler`, which Conclave does not support yet.
   */
  setNodeDefaults(defaults: NodeDefaults & { errorHandler?: unknown }): this {
    if (defaults.errorHandler !== undefined)
      throw new InvalidGraphError(
        "setNodeDefaults({ errorHandler }) is not supported by Conclave yet. Catch the error in the node, or give it a retryPolicy.",
        "UNSUPPORTED_OPTION",
      );
    if (defaults.retryPolicy !== undefined) this.nodeDefaults.retryPolicy = defaults.retryPolicy;
    if (defaults.cachePolicy !== undefined) this.nodeDefaults.cachePolicy = defaults.cachePolicy;
    if (defaults.timeout !== undefined) this.nodeDefaults.timeout = defaults.timeout;
    return this;
  }

  /** Adds a node (or a record of nodes). Throws on reserved or duplicate names. */
  addNode<K extends string>(
    name: K,
    action: NodeAction<S, U>,
    options?: AddNodeOptions,
  ): StateGraph<D, S, U, N | K>;
  addNode<K extends string>(nodes: Record<K, NodeAction<S, U>>): StateGraph<D, S, U, N | K>;
  addNode(
    nameOrNodes: string | Record<string, unknown>,
    action?: unknown,
    options: AddNodeOptions = {},
  ): this {
    if (typeof nameOrNodes !== "string") {
      for (const [name, fn] of Object.entries(nameOrNodes))
        this.addNode(name, fn as NodeAction<S, U>);
      return this;
    }
    const name = nameOrNodes;
    if (RESERVED_NAMES.has(name) || name.includes("|") || name.includes(":")) {
      throw new InvalidGraphError(
        `Node name "${name}" is reserved or contains "|" or ":". Rename the node; reserved names are ${[...RESERVED_NAMES].join(", ")}.`,
        "RESERVED_NAME",
      );
    }
    if ((options as { errorHandler?: unknown }).errorHandler !== undefined)
      throw new InvalidGraphError(
        `Node "${name}" has an errorHandler, which Conclave does not support yet. Catch the error in the node, or give it a retryPolicy.`,
        "UNSUPPORTED_OPTION",
      );
    if (this.nodes.has(name)) {
      throw new InvalidGraphError(
        `Node "${name}" is already present in this graph. Give each node a unique name.`,
        "DUPLICATE_NODE",
      );
    }
    if (
      typeof action !== "function" &&
      typeof (action as { invoke?: unknown })?.invoke !== "function"
    ) {
      throw new InvalidGraphError(
        `Node "${name}" must be a function, a compiled graph or an object with invoke(); got ${action === null ? "null" : typeof action}.`,
        "INVALID_NODE",
      );
    }
    this.nodes.set(name, { action, options });
    return this;
  }

  /** Runs `to` after `from`; with a list of sources, after all of them (a waiting edge). */
  addEdge(from: NodeName<N> | NodeName<N>[], to: NodeName<N> | typeof END): this {
    if (Array.isArray(from)) {
      if (from.includes(END) || to === START) throw badEdge(String(from), to);
      this.waitingEdges.push([[...from], to]);
      return this;
    }
    if (from === END || to === START) throw badEdge(from, to);
    this.edges.push([from, to]);
    return this;
  }

  /** Routes after `source` by calling `path(state)`, which names the next node(s) or returns Sends. */
  addConditionalEdges(
    source:
      | NodeName<N>
      | {
          source: string;
          path: BranchDefinition["path"];
          pathMap?: Record<string, string> | string[];
        },
    path?: (state: S, config: NodeConfig) => unknown,
    pathMap?: Record<string, string> | string[],
  ): this {
    if (typeof source === "object")
      return this.addConditionalEdges(source.source, source.path, source.pathMap);
    if (typeof path !== "function") {
      throw new InvalidGraphError(
        `addConditionalEdges("${source}", path): path must be a function.`,
        "INVALID_BRANCH",
      );
    }
    const map = Array.isArray(pathMap) ? Object.fromEntries(pathMap.map((n) => [n, n])) : pathMap;
    const list = this.branches.get(source) ?? [];
    list.push({ path: path as BranchDefinition["path"], pathMap: map });
    this.branches.set(source, list);
    return this;
  }

  /** Adds nodes and chains them with edges, in order. */
  addSequence<K extends string>(
    nodes: [K, NodeAction<S, U>][] | Record<K, NodeAction<S, U>>,
  ): StateGraph<D, S, U, N | K> {
    const list: [string, NodeAction<S, U>][] = Array.isArray(nodes)
      ? nodes
      : (Object.entries(nodes) as [string, NodeAction<S, U>][]);
    if (list.length === 0)
      throw new InvalidGraphError("addSequence needs at least one node.", "INVALID_SEQUENCE");
    let previous: string | undefined;
    for (const [name, action] of list) {
      this.addNode(name, action);
      if (previous !== undefined) this.addEdge(previous, name);
      previous = name;
    }
    return this as StateGraph<D, S, U, N | K>;
  }

  /** Same as `addEdge(START, name)`. */
  setEntryPoint(name: NodeName<N>): this {
    return this.addEdge(START, name);
  }

  /** Same as `addConditionalEdges(START, path, pathMap)`. */
  setConditionalEntryPoint(
    path: (state: S, config: NodeConfig) => unknown,
    pathMap?: Record<string, string> | string[],
  ): this {
    return this.addConditionalEdges(START, path, pathMap);
  }

  /** Same as `addEdge(name, END)`. */
  setFinishPoint(name: NodeName<N>): this {
    return this.addEdge(name, END);
  }

  /** Validates the graph and returns a runnable, checkpointable graph. */
  compile(options: CompileOptions<NodeName<N>> = {}): CompiledStateGraph<S, U, N> {
    const spec = lowerGraph(
      this as unknown as StateGraph<unknown, unknown, unknown, string>,
      options.name ?? "LangGraph",
    );
    return new CompiledStateGraph<S, U, N>(
      spec,
      options,
      this as unknown as StateGraph<unknown, unknown, unknown, string>,
    );
  }
}

function badEdge(from: string, to: string): InvalidGraphError {
  return new InvalidGraphError(
    `Invalid edge ${from} -> ${to}: edges cannot leave END or enter START. Route from START and to END instead.`,
    "INVALID_EDGE",
  );
}
