/**
 * LangChain callback runs for a graph and its nodes, as LangGraph reports them: when a run has
 * LangChain callbacks (a tracer, `streamEvents`, a graph called inside a LangChain runnable),
 * the graph is a chain run, each node a child chain run tagged `graph:step:<n>`, and the models
 * a node calls nest under it. Runs without callbacks load nothing and cost nothing.
 */
import { ConclaveError } from "../errors.ts";
import { loadLangChain } from "./langchain-context.ts";
/** A started chain run (LangChain's `CallbackManagerForChainRun`). */
export interface ChainRun {
  readonly runId: string;
  /** The callbacks for work inside this run (a child manager). */
  getChild(tag?: string): unknown;
  handleChainEnd(output: unknown): Promise<void>;
  handleChainError(error: unknown): Promise<void>;
}

interface CallbackManagerClass {
  configure(
    inheritable?: unknown,
    local?: unknown,
    inheritableTags?: string[],
    localTags?: string[],
    inheritableMetadata?: Record<string, unknown>,
    localMetadata?: Record<string, unknown>,
  ):
    | {
        handleChainStart(
          chain: object,
          inputs: unknown,
          runId?: string,
          runType?: string,
          tags?: string[],
          metadata?: Record<string, unknown>,
          runName?: string,
        ): Promise<ChainRun>;
      }
    | undefined;
}

/** Whether `callbacks` would report anything: a non-empty list, or a manager with handlers. */
export function hasCallbacks(callbacks: unknown): boolean {
  if (callbacks === undefined || callbacks === null) return false;
  if (Array.isArray(callbacks)) return callbacks.length > 0;
  const handlers = (callbacks as { handlers?: unknown[] }).handlers;
  return handlers === undefined || handlers.length > 0;
}

/** How LangGraph names its runs' serialized form (LangSmith shows it). */
const SERIALIZED = { lc: 1, type: "not_implemented", id: ["langgraph", "pregel"] };

/**
 * Starts a chain run named `name` on `callbacks`, with `tags` and `metadata` of its own (not
 * passed on to its children). Undefined when there are no callbacks or no LangChain.
 */
export async function startChainRun(
  callbacks: unknown,
  input: unknown,
  run: { name: string; runId?: string; tags?: string[]; metadata?: Record<string, unknown> },
): Promise<ChainRun | undefined> {
  if (!hasCallbacks(callbacks)) return undefined;
  const module = await loadLangChain<{ CallbackManager: CallbackManagerClass }>(
    "callbacks/manager",
  );
  const CallbackManager = module?.CallbackManager;
  const configured = CallbackManager?.configure(
    callbacks,
    undefined,
    undefined,
    run.tags,
    undefined,
    run.metadata,
  );
  return configured?.handleChainStart(
    SERIALIZED,
    input,
    run.runId,
    undefined,
    undefined,
    undefined,
    run.name,
  );
}

/**
 * Ends `run` with the outcome of `work`: its result, or its error (rethrown; an interrupt too,
 * as LangGraph's runs see the GraphInterrupt).
 */
export async function withinRun<T>(
  run: ChainRun | undefined,
  work: () => Promise<T>,
  output: (result: T) => unknown = (result) => result,
): Promise<T> {
  if (run === undefined) return work();
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await run.handleChainError(error);
    throw error;
  }
  await run.handleChainEnd(output(result));
  return result;
}

/** LangChain's `streamEvents` stream options: which runs to report. */
export interface StreamEventsOptions {
  includeNames?: string[];
  includeTypes?: string[];
  includeTags?: string[];
  excludeNames?: string[];
  excludeTypes?: string[];
  excludeTags?: string[];
}

/** One event of `streamEvents` v2 (LangChain's `StreamEvent`). */
export interface StreamEvent {
  event: string;
  name: string;
  run_id: string;
  tags?: string[];
  metadata: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: LangChain's StreamEventData, so `event.data.chunk.content` compiles.
  data: { input?: any; output?: any; chunk?: any; error?: unknown };
  parent_ids?: string[];
}

/** LangChain's `Runnable` class, from the copy the graph's models run on. */
type RunnableClass = abstract new () => {
  streamEvents(input: unknown, options: unknown, filters?: unknown): AsyncIterable<StreamEvent>;
};

/**
 * LangChain's `streamEvents` v2 over a graph: the graph's chain run, its nodes', and every
 * LangChain model, tool and runnable they call, as `on_<type>_start|stream|end` events.
 * LangChain's own `Runnable.streamEvents` builds them, over a runnable whose `stream` is the
 * graph's: the graph reports its runs to the callbacks it is given (`startChainRun`), and its
 * chunks become the graph's `on_chain_stream` events.
 * @throws ConclaveError for another version than "v2", or without `@langchain/core`.
 */
export async function* streamEventsV2(
  stream: (config: Record<string, unknown>) => Promise<AsyncIterable<unknown>>,
  input: unknown,
  options: Record<string, unknown> & { version?: string },
  filters: StreamEventsOptions = {},
): AsyncGenerator<StreamEvent> {
  if (options.version !== "v2")
    throw new ConclaveError(
      "UNSUPPORTED_STREAM_EVENTS_VERSION",
      `streamEvents supports version "v2"; got ${JSON.stringify(options.version)}. Pass { version: "v2" }.`,
    );
  const module = await loadLangChain<{ Runnable?: RunnableClass }>("runnables");
  if (!module?.Runnable)
    throw new ConclaveError(
      "LANGCHAIN_MISSING",
      "streamEvents builds LangChain's events and needs @langchain/core: install it (npm install @langchain/core).",
    );
  class GraphRunnable extends module.Runnable {
    lc_namespace = ["conclave", "graph"];
    async invoke(): Promise<never> {
      throw new Error("streamEvents calls stream, not invoke");
    }
    // An async generator: LangChain reads the stream with next() as well as for-await.
    async stream(_input: unknown, config: Record<string, unknown>) {
      const chunks = await stream(config);
      return (async function* () {
        yield* chunks;
      })();
    }
  }
  yield* new GraphRunnable().streamEvents(input, options, filters);
}
