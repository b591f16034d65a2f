/**
 * The benchmark's graphs, written once against the LangGraph.js 1.x API and built for either
 * engine: a scenario receives the engine's module (`@langchain/langgraph` or `@conclave/core`)
 * and builds exactly the same graph, state and input from it. Nothing here measures time.
 */

/** The slice of a graph module the scenarios use; both engines export it under these names. */
export interface GraphLib {
  StateGraph: new <S>(state: unknown) => GraphBuilder<S>;
  Annotation: AnnotationFactory;
  Send: new (node: string, arg: unknown) => unknown;
  START: string;
  END: string;
  MemorySaver: new () => object;
  /** LangGraph 1.7's opt-in, beta delta channel; only the reference cell uses it. */
  DeltaChannel?: new (
    reducer: (state: Message[], writes: Message[][]) => Message[],
    options: { initialValueFactory: () => Message[] },
  ) => unknown;
}

/** `Annotation<T>(spec)` and `Annotation.Root(fields)`, as in LangGraph.js. */
export interface AnnotationFactory {
  <T, U = T>(spec?: { reducer: (current: T, update: U) => T; default?: () => T }): unknown;
  Root(fields: Record<string, unknown>): unknown;
}

/** The builder methods the scenarios call; `S` is the state type the nodes see. */
export interface GraphBuilder<S> {
  addNode(name: string, node: (state: S) => Partial<S>): GraphBuilder<S>;
  addEdge(from: string, to: string): GraphBuilder<S>;
  addConditionalEdges(
    from: string,
    route: (state: S) => string | unknown[],
    pathMap?: string[],
  ): GraphBuilder<S>;
  compile(options?: { checkpointer?: object }): CompiledGraph;
}

/** A compiled graph, as far as the benchmark drives it. */
export interface CompiledGraph {
  invoke(input: unknown, config?: InvokeConfig): Promise<unknown>;
}

/** The run config passed to every `invoke`. */
export interface InvokeConfig {
  configurable: { thread_id: string };
  recursionLimit: number;
  durability: "async" | "sync";
}

/** One benchmark scenario: how to build it, what to feed it and how to check the result. */
export interface Scenario {
  name: ScenarioName;
  /** One line for the table footnote: what a "step" is here. */
  describe: string;
  /** Node executions per `invoke`; µs/step divides a run's time by this. */
  steps: number;
  /** The graph plus the checks that both engines did the same work. */
  build(lib: GraphLib, checkpointer: object | undefined): CompiledGraph;
  input(): unknown;
  recursionLimit: number;
  /** Throws when the final state is not what the graph must produce. */
  check(output: unknown): void;
}

/** Names accepted by `--only`. */
export const SCENARIO_NAMES = ["chain", "fanout", "loop", "messages"] as const;
/** One of {@link SCENARIO_NAMES}. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Sizes of the scenarios; the full run uses the issue's, `--quick` smaller ones. */
export interface ScenarioSizes {
  chain: number;
  fanout: number;
  loop: number;
  messages: number;
}

/** The sizes the issue asks for. */
export const FULL_SIZES: ScenarioSizes = { chain: 200, fanout: 100, loop: 1000, messages: 2000 };
/** Sizes for the CI smoke run. */
export const QUICK_SIZES: ScenarioSizes = { chain: 50, fanout: 20, loop: 200, messages: 200 };

/** A chat message as stored in the `messages` channel: a plain object, 1 KB of content. */
export interface Message {
  role: "user" | "assistant";
  content: string;
  id: string;
}

type CountState = { count: number };
type FanState = { results: number[]; total: number };
type MessageState = { messages: Message[]; turn: number };

const lastValue = <T>(_current: T, update: T): T => update;
const concat = <T>(current: T[], update: T[]): T[] => current.concat(update);

function expectField(output: unknown, field: string, expected: unknown): void {
  const seen = (output as Record<string, unknown> | null)?.[field];
  const value = Array.isArray(seen) ? seen.length : seen;
  if (value !== expected) {
    throw new Error(`final state has ${field}=${String(value)}, expected ${String(expected)}`);
  }
}

function countState(lib: GraphLib): unknown {
  return lib.Annotation.Root({
    count: lib.Annotation<number>({ reducer: lastValue, default: () => 0 }),
  });
}

/** START -> n0 -> n1 -> ... -> n{size-1} -> END; each node adds one to `count`. */
export function chainScenario(size: number): Scenario {
  return {
    name: "chain",
    describe: `chain of ${size} nodes; step = one node`,
    steps: size,
    recursionLimit: size + 50,
    input: () => ({ count: 0 }),
    check: (output) => expectField(output, "count", size),
    build(lib, checkpointer) {
      const graph = new lib.StateGraph<CountState>(countState(lib));
      for (let i = 0; i < size; i++) graph.addNode(`n${i}`, (s) => ({ count: s.count + 1 }));
      graph.addEdge(lib.START, "n0");
      for (let i = 1; i < size; i++) graph.addEdge(`n${i - 1}`, `n${i}`);
      graph.addEdge(`n${size - 1}`, lib.END);
      return graph.compile({ checkpointer });
    },
  };
}

/** START fans out `size` Sends to `worker`; each appends its index; `join` sums them once. */
export function fanoutScenario(size: number): Scenario {
  const expectedTotal = (size * (size - 1)) / 2;
  return {
    name: "fanout",
    describe: `Send x${size} then a join; step = one node (${size} workers + join)`,
    steps: size + 1,
    recursionLimit: 50,
    input: () => ({ total: 0 }),
    check: (output) => expectField(output, "total", expectedTotal),
    build(lib, checkpointer) {
      const state = lib.Annotation.Root({
        results: lib.Annotation<number[]>({ reducer: concat, default: () => [] }),
        total: lib.Annotation<number>({ reducer: lastValue, default: () => 0 }),
      });
      const graph = new lib.StateGraph<FanState & { i: number }>(state);
      graph.addNode("worker", (s) => ({ results: [s.i] }));
      graph.addNode("join", (s) => ({ total: s.results.reduce((a, b) => a + b, 0) }));
      const fanOut = () => Array.from({ length: size }, (_, i) => new lib.Send("worker", { i }));
      graph.addConditionalEdges(lib.START, fanOut, ["worker"]);
      graph.addEdge("worker", "join");
      graph.addEdge("join", lib.END);
      return graph.compile({ checkpointer });
    },
  };
}

/** One node `tick` with a conditional edge back to itself until `count` reaches `size`. */
export function loopScenario(size: number): Scenario {
  return {
    name: "loop",
    describe: `self-loop x${size}; step = one iteration`,
    steps: size,
    recursionLimit: size + 50,
    input: () => ({ count: 0 }),
    check: (output) => expectField(output, "count", size),
    build(lib, checkpointer) {
      const graph = new lib.StateGraph<CountState>(countState(lib));
      graph.addNode("tick", (s) => ({ count: s.count + 1 }));
      graph.addEdge(lib.START, "tick");
      graph.addConditionalEdges("tick", (s) => (s.count < size ? "tick" : lib.END), [
        "tick",
        lib.END,
      ]);
      return graph.compile({ checkpointer });
    },
  };
}

/**
 * Random printable text: incompressible, so a saver that compresses gains nothing a real chat
 * transcript would not give it. Pure for a given seed (xorshift32).
 */
export function randomText(length: number, seed: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,";
  let x = seed | 0 || 1;
  let out = "";
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out += alphabet[(x >>> 0) % alphabet.length];
  }
  return out;
}

/** `count` distinct 1 KB messages, alternating roles; built before timing starts. */
export function makeMessages(count: number): Message[] {
  return Array.from({ length: count }, (_, i) => ({
    role: i % 2 === 0 ? "user" : "assistant",
    content: randomText(1024, i + 1),
    id: `msg-${String(i).padStart(6, "0")}`,
  }));
}

/**
 * A long thread in one invoke: node `say` appends one 1 KB message per iteration and loops
 * back until `size` messages exist, so every step writes exactly one checkpoint of a thread
 * that grows by 1 KB. (One invoke per message would add an input checkpoint per step and
 * measure invoke set-up instead.) With `deltaChannel`, `messages` is LangGraph's opt-in
 * DeltaChannel instead: the reference row, never a target.
 */
export function messagesScenario(size: number, deltaChannel = false): Scenario {
  const messages = makeMessages(size);
  return {
    name: "messages",
    describe: `one thread of ${size} steps, each appending one 1 KB message (append reducer), in one invoke`,
    steps: size,
    recursionLimit: size + 50,
    input: () => ({ turn: 0 }),
    check: (output) => expectField(output, "messages", size),
    build(lib, checkpointer) {
      const state = lib.Annotation.Root({
        messages: deltaChannel
          ? deltaMessages(lib)
          : lib.Annotation<Message[]>({ reducer: concat, default: () => [] }),
        turn: lib.Annotation<number>({ reducer: lastValue, default: () => 0 }),
      });
      const graph = new lib.StateGraph<MessageState>(state);
      graph.addNode("say", (s) => ({ messages: [messages[s.turn]!], turn: s.turn + 1 }));
      graph.addEdge(lib.START, "say");
      graph.addConditionalEdges("say", (s) => (s.turn < size ? "say" : lib.END), ["say", lib.END]);
      return graph.compile({ checkpointer });
    },
  };
}

function deltaMessages(lib: GraphLib): unknown {
  if (!lib.DeltaChannel) throw new Error("this engine has no DeltaChannel export");
  return new lib.DeltaChannel((state, writes) => state.concat(...writes), {
    initialValueFactory: () => [],
  });
}

/** The scenario called `name` at the given sizes. Pure. */
export function scenarioFor(
  name: ScenarioName,
  sizes: ScenarioSizes,
  deltaChannel = false,
): Scenario {
  switch (name) {
    case "chain":
      return chainScenario(sizes.chain);
    case "fanout":
      return fanoutScenario(sizes.fanout);
    case "loop":
      return loopScenario(sizes.loop);
    case "messages":
      return messagesScenario(sizes.messages, deltaChannel);
  }
}
