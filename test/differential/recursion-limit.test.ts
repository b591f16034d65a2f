/**
 * recursionLimit and GraphRecursionError, including the exact boundary. LangGraph 1.7: with
 * recursionLimit R a self-loop node runs exactly R times and then fails, even when its last run
 * routed to END; a loop that needs k runs succeeds only with R >= k + 1.
 */
import { captureError, differential, type Lib } from "./harness.ts";

function counter(lib: Lib, stopAt: number) {
  const State = lib.Annotation.Root({
    n: lib.Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
  });
  let runs = 0;
  const graph = new lib.StateGraph(State)
    .addNode("tick", () => {
      runs += 1;
      return { n: 1 };
    })
    .addEdge(lib.START, "tick")
    .addConditionalEdges("tick", (s) => (s.n < stopAt ? "tick" : lib.END))
    .compile({ checkpointer: new lib.MemorySaver() });
  return { graph, runs: () => runs };
}

async function attempt(lib: Lib, stopAt: number, recursionLimit?: number) {
  const { graph, runs } = counter(lib, stopAt);
  const config = {
    configurable: { thread_id: "t" },
    ...(recursionLimit ? { recursionLimit } : {}),
  };
  const result = await captureError(() => graph.invoke({}, config));
  return { result, runs: runs() };
}

differential(
  "a loop needing k runs: fails at recursionLimit k, succeeds at k + 1",
  async (lib) => ({
    atK: await attempt(lib, 3, 3),
    atKPlus1: await attempt(lib, 3, 4),
    below: await attempt(lib, 3, 2),
  }),
  {
    atK: {
      result: { threw: { error: "GraphRecursionError", lc_error_code: "GRAPH_RECURSION_LIMIT" } },
      runs: 3,
    },
    atKPlus1: { result: { returned: { n: 3 } }, runs: 3 },
    below: {
      result: { threw: { error: "GraphRecursionError", lc_error_code: "GRAPH_RECURSION_LIMIT" } },
      runs: 2,
    },
  },
);

differential(
  "the default recursionLimit is 25: an endless self-loop runs exactly 25 times",
  async (lib) => ({
    endless: await attempt(lib, Number.POSITIVE_INFINITY),
    fits: await attempt(lib, 24),
  }),
  {
    endless: {
      result: { threw: { error: "GraphRecursionError", lc_error_code: "GRAPH_RECURSION_LIMIT" } },
      runs: 25,
    },
    fits: { result: { returned: { n: 24 } }, runs: 24 },
  },
);

differential(
  "a chain of k nodes needs recursionLimit >= k + 1",
  async (lib) => {
    const State = lib.Annotation.Root({
      trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const graph = new lib.StateGraph(State)
      .addSequence([
        ["a", () => ({ trace: ["a"] })],
        ["b", () => ({ trace: ["b"] })],
        ["c", () => ({ trace: ["c"] })],
      ])
      .addEdge(lib.START, "a")
      .compile();
    return {
      three: await captureError(() => graph.invoke({}, { recursionLimit: 3 })),
      four: await captureError(() => graph.invoke({}, { recursionLimit: 4 })),
    };
  },
  {
    three: { threw: { error: "GraphRecursionError", lc_error_code: "GRAPH_RECURSION_LIMIT" } },
    four: { returned: { trace: ["a", "b", "c"] } },
  },
);

differential(
  "GraphRecursionError is the exported class; the last checkpoint keeps the progress",
  async (lib) => {
    const { graph } = counter(lib, Number.POSITIVE_INFINITY);
    const config = { configurable: { thread_id: "t" }, recursionLimit: 5 };
    const result = await captureError(() => graph.invoke({}, config));
    const state = await graph.getState({ configurable: { thread_id: "t" } });
    return {
      isClass: result.threw instanceof lib.GraphRecursionError,
      values: state.values,
      next: state.next,
    };
  },
  { isClass: true, values: { n: 5 }, next: ["tick"] },
);

differential(
  "recursionLimit below 1 is rejected",
  async (lib) => {
    const { graph } = counter(lib, 1);
    const result = await captureError(() =>
      graph.invoke({}, { configurable: { thread_id: "t" }, recursionLimit: 0 }),
    );
    return { rejected: "threw" in result };
  },
  { rejected: true },
);

differential(
  "the limit counts supersteps, not tasks: wide parallel steps do not use it up",
  async (lib) => {
    const State = lib.Annotation.Root({
      n: lib.Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
    });
    const names = ["p1", "p2", "p3", "p4", "p5", "p6"] as const;
    let builder = new lib.StateGraph(State);
    for (const name of names) builder = builder.addNode(name, () => ({ n: 1 })) as typeof builder;
    for (const name of names) builder = builder.addEdge(lib.START, name as never) as typeof builder;
    return captureError(() => builder.compile().invoke({}, { recursionLimit: 2 }));
  },
  { returned: { n: 6 } },
);
