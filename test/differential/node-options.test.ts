/**
 * addNode options: retryPolicy, defer, ends (Command routing) and metadata-free basics.
 * Retry intervals are set to 0 with no jitter so no test waits on a real delay.
 */
import { captureError, differential, type Lib } from "./harness.ts";

function traceState(lib: Lib) {
  return lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
}

const fastRetry = { initialInterval: 0, jitter: false, logWarning: false };

function flaky(failures: number, attempts: string[], error = () => new Error("flaky")) {
  return () => {
    attempts.push(`attempt ${attempts.length + 1}`);
    if (attempts.length <= failures) throw error();
    return { trace: ["flaky ok"] };
  };
}

differential(
  "retryPolicy: a node that fails twice succeeds on its third attempt",
  async (lib) => {
    const attempts: string[] = [];
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("flaky", flaky(2, attempts), { retryPolicy: { ...fastRetry, maxAttempts: 3 } })
      .addEdge(lib.START, "flaky")
      .compile();
    return { out: await graph.invoke({}), attempts };
  },
  { out: { trace: ["flaky ok"] }, attempts: ["attempt 1", "attempt 2", "attempt 3"] },
);

differential(
  "retryPolicy: maxAttempts used up rethrows the node's last error",
  async (lib) => {
    const attempts: string[] = [];
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("flaky", flaky(5, attempts), { retryPolicy: { ...fastRetry, maxAttempts: 2 } })
      .addEdge(lib.START, "flaky")
      .compile();
    return { result: await captureError(() => graph.invoke({})), attempts };
  },
  { result: { threw: { error: "Error", message: "flaky" } }, attempts: ["attempt 1", "attempt 2"] },
);

differential(
  "no retryPolicy means no retry",
  async (lib) => {
    const attempts: string[] = [];
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("flaky", flaky(1, attempts))
      .addEdge(lib.START, "flaky")
      .compile();
    return { result: await captureError(() => graph.invoke({})), attempts };
  },
  { result: { threw: { error: "Error", message: "flaky" } }, attempts: ["attempt 1"] },
);

differential(
  "retryPolicy.retryOn decides which errors are retried",
  async (lib) => {
    class Fatal extends Error {}
    const attempts: string[] = [];
    const graph = new lib.StateGraph(traceState(lib))
      .addNode(
        "flaky",
        flaky(1, attempts, () => new Fatal("fatal")),
        {
          retryPolicy: {
            ...fastRetry,
            maxAttempts: 5,
            retryOn: (e: unknown) => !(e instanceof Fatal),
          },
        },
      )
      .addEdge(lib.START, "flaky")
      .compile();
    return { result: await captureError(() => graph.invoke({})), attempts };
  },
  { result: { threw: { error: "Error", message: "fatal" } }, attempts: ["attempt 1"] },
);

differential(
  "retry re-runs only the failing node, and its successful sibling's write is kept",
  async (lib) => {
    const attempts: string[] = [];
    let steady = 0;
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("flaky", flaky(1, attempts), { retryPolicy: { ...fastRetry, maxAttempts: 2 } })
      .addNode("steady", () => {
        steady += 1;
        return { trace: ["steady"] };
      })
      .addEdge(lib.START, "flaky")
      .addEdge(lib.START, "steady")
      .compile();
    return { out: await graph.invoke({}), attempts: attempts.length, steady };
  },
  { out: { trace: ["flaky ok", "steady"] }, attempts: 2, steady: 1 },
);

differential(
  "defer: a deferred node waits for every other branch and runs once",
  async (lib) => {
    const build = (defer: boolean) =>
      new lib.StateGraph(traceState(lib))
        .addNode("a", () => ({ trace: ["a"] }))
        .addNode("b", () => ({ trace: ["b"] }))
        .addNode("c", () => ({ trace: ["c"] }))
        .addNode("c2", () => ({ trace: ["c2"] }))
        .addNode("d", (s) => ({ trace: [`d(${s.trace.length})`] }), { defer })
        .addEdge(lib.START, "a")
        .addEdge("a", "b")
        .addEdge("a", "c")
        .addEdge("b", "d")
        .addEdge("c", "c2")
        .addEdge("c2", "d")
        .compile();
    return { deferred: await build(true).invoke({}), eager: await build(false).invoke({}) };
  },
  {
    deferred: { trace: ["a", "b", "c", "c2", "d(4)"] },
    eager: { trace: ["a", "b", "c", "c2", "d(3)", "d(5)"] },
  },
);

differential(
  "ends: a node routing by Command compiles and runs; without ends the targets are unreachable",
  async (lib) => {
    const build = (ends: string[] | undefined) =>
      new lib.StateGraph(traceState(lib))
        .addNode(
          "router",
          (s) =>
            new lib.Command({
              goto: s.trace.includes("go-y") ? "y" : "x",
              update: { trace: ["router"] },
            }),
          ends === undefined ? {} : { ends },
        )
        .addNode("x", () => ({ trace: ["x"] }))
        .addNode("y", () => ({ trace: ["y"] }))
        .addEdge(lib.START, "router")
        .compile();
    const withoutEnds = await captureError(async () => build(undefined));
    const graph = build(["x", "y"]);
    return {
      withoutEnds: "threw" in withoutEnds,
      toX: await graph.invoke({}),
      toY: await graph.invoke({ trace: ["go-y"] }),
    };
  },
  {
    withoutEnds: true,
    toX: { trace: ["router", "x"] },
    toY: { trace: ["go-y", "router", "y"] },
  },
);

differential(
  "setNodeDefaults: retry, cache and timeout policies for every node that sets none",
  async (lib) => {
    const { InMemoryCache } = await import("@langchain/langgraph-checkpoint");
    const State = lib.Annotation.Root({ n: lib.Annotation<number>() });
    const calls: Record<string, number> = {};
    const flaky = (name: string, failures: number) => (s: { n: number }) => {
      calls[name] = (calls[name] ?? 0) + 1;
      if (calls[name] <= failures) throw new Error(`${name} failed`);
      return { n: s.n + 1 };
    };
    const graph = new lib.StateGraph(State)
      .addNode("a", flaky("a", 2))
      .addNode("b", flaky("b", 0), { cachePolicy: false } as never)
      .addEdge(lib.START, "a")
      .addEdge("a", "b")
      .setNodeDefaults({
        retryPolicy: { maxAttempts: 3, initialInterval: 1, jitter: false, logWarning: false },
        cachePolicy: { ttl: 60 },
      } as never)
      .compile({ cache: new InMemoryCache() });
    const first = await graph.invoke({ n: 0 });
    const second = await graph.invoke({ n: 0 });
    return { first, second, calls };
  },
  { first: { n: 2 }, second: { n: 2 }, calls: { a: 3, b: 2 } },
);
