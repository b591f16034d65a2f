/**
 * The graphs a runtime can execute, by graph id. A graph may be given compiled, as an
 * uncompiled `StateGraph`, or as a (possibly async) factory, the three forms a LangGraph
 * project's `langgraph.json` may point at. The platform supplies the checkpointer, so any
 * checkpointer a graph was compiled with is replaced per run.
 */
import { CompiledStateGraph, InvalidArgumentError, StateGraph } from "@conclave/core";

// biome-ignore lint/suspicious/noExplicitAny: graphs of any state type share one registry.
export type AnyCompiledGraph = CompiledStateGraph<any, any, string>;

/**
 * What a graph factory is called with: services of the platform it runs on (the usage ledger
 * and budget store, so model calls are metered in the same database), as the host provides.
 */
export type GraphFactoryContext = Record<string, unknown>;

type Buildable = AnyCompiledGraph | { compile(options?: object): AnyCompiledGraph };

export type GraphSource =
  | Buildable
  | ((context: GraphFactoryContext) => Buildable)
  | ((context: GraphFactoryContext) => Promise<Buildable>);

export interface RegisteredGraph {
  graphId: string;
  graph: AnyCompiledGraph;
  description?: string;
}

const GRAPH_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class GraphRegistry {
  readonly #graphs = new Map<string, RegisteredGraph>();
  readonly #context: GraphFactoryContext;

  constructor(context: GraphFactoryContext = {}) {
    this.#context = context;
  }

  /** Registers (or replaces, for hot reload) a graph under `graphId`. */
  async register(
    graphId: string,
    source: GraphSource,
    description?: string,
  ): Promise<RegisteredGraph> {
    if (!GRAPH_ID.test(graphId)) {
      throw new InvalidArgumentError(
        `Graph id ${JSON.stringify(graphId)} is invalid; use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
        "INVALID_GRAPH_ID",
      );
    }
    const graph = await compiledOf(graphId, source, this.#context);
    const entry: RegisteredGraph = { graphId, graph, description };
    this.#graphs.set(graphId, entry);
    return entry;
  }

  get(graphId: string): RegisteredGraph | undefined {
    return this.#graphs.get(graphId);
  }

  /** The graph, or a GRAPH_NOT_FOUND error naming the registered ones. */
  require(graphId: string): RegisteredGraph {
    const entry = this.#graphs.get(graphId);
    if (entry) return entry;
    throw new InvalidArgumentError(
      `No graph is registered as ${JSON.stringify(graphId)}; registered graphs: ${this.ids().join(", ") || "(none)"}.`,
      "GRAPH_NOT_FOUND",
    );
  }

  ids(): string[] {
    return [...this.#graphs.keys()].sort();
  }

  delete(graphId: string): boolean {
    return this.#graphs.delete(graphId);
  }
}

async function compiledOf(
  graphId: string,
  source: GraphSource,
  context: GraphFactoryContext,
): Promise<AnyCompiledGraph> {
  let value: unknown = source;
  if (typeof value === "function" && !(value instanceof CompiledStateGraph))
    value = await (value as (context: GraphFactoryContext) => unknown)(context);
  if (value instanceof CompiledStateGraph) return value as AnyCompiledGraph;
  if (value instanceof StateGraph || hasCompile(value))
    return (value as { compile(): AnyCompiledGraph }).compile();
  throw new InvalidArgumentError(
    `Graph ${JSON.stringify(graphId)} is not a graph: expected a compiled graph, a StateGraph or a function returning one; got ${describe(value)}.`,
    "INVALID_GRAPH_SOURCE",
  );
}

function hasCompile(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { compile?: unknown }).compile === "function"
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object")
    return `an object with keys [${Object.keys(value).slice(0, 5).join(", ")}]`;
  return typeof value;
}
