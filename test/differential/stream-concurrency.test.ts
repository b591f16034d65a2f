/**
 * Streaming under concurrency and nesting: parallel branches (compared as multisets, since
 * updates arrive in completion order), subgraphs: true namespaces, and cancellation through
 * config.signal.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import {
  captureError,
  collect,
  deferred,
  differential,
  divergent,
  type Lib,
  sortByJson,
} from "./harness.ts";

function namespaceNames(ns: unknown): unknown {
  return Array.isArray(ns) ? ns.map((s) => String(s).split(":")[0]) : ns;
}

function traceState(lib: Lib) {
  return lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
}

function parallel(lib: Lib) {
  const bDone = deferred();
  return new lib.StateGraph(traceState(lib))
    .addNode("a", async () => {
      await bDone.promise;
      return { trace: ["a"] };
    })
    .addNode("b", () => {
      bDone.resolve();
      return { trace: ["b"] };
    })
    .addNode("c", () => ({ trace: ["c"] }))
    .addEdge(lib.START, "a")
    .addEdge(lib.START, "b")
    .addEdge(["a", "b"], "c")
    .compile();
}

differential(
  "parallel branches: the updates multiset, and values after the join",
  async (lib) => {
    const chunks = await collect(
      parallel(lib).stream({ trace: ["in"] }, { streamMode: ["updates", "values"] }),
    );
    const updates = chunks.filter((c) => Array.isArray(c) && c[0] === "updates");
    const values = chunks.filter((c) => Array.isArray(c) && c[0] === "values");
    return { updates: sortByJson(updates), values };
  },
  {
    updates: [
      ["updates", { a: { trace: ["a"] } }],
      ["updates", { b: { trace: ["b"] } }],
      ["updates", { c: { trace: ["c"] } }],
    ],
    values: [
      ["values", { trace: ["in"] }],
      ["values", { trace: ["in", "a", "b"] }],
      ["values", { trace: ["in", "a", "b", "c"] }],
    ],
  },
);

function withSubgraph(lib: Lib) {
  const State = lib.Annotation.Root({
    topic: lib.Annotation<string>(),
    notes: lib.Annotation<string>(),
  });
  const child = new lib.StateGraph(State)
    .addNode("research", (s, config: LangGraphRunnableConfig) => {
      config.writer?.(`researching ${s.topic}`);
      return { notes: `notes on ${s.topic}` };
    })
    .addNode("polish", (s) => ({ notes: `${s.notes}!` }))
    .addEdge(lib.START, "research")
    .addEdge("research", "polish")
    .compile();
  return new lib.StateGraph(State)
    .addNode("intro", () => ({ topic: "bees" }))
    .addNode("child", child)
    .addEdge(lib.START, "intro")
    .addEdge("intro", "child")
    .compile();
}

const childChunks = [
  [["child"], { research: { notes: "notes on bees" } }],
  [["child"], { polish: { notes: "notes on bees!" } }],
];

// The subgraph node's own update differs by design (README difference 2): LangGraph reports the
// child's full shared state, Conclave only what the child wrote.
divergent(
  "subgraphs: true with one mode yields [namespace, chunk]",
  async (lib) => {
    const chunks = await collect(
      withSubgraph(lib).stream({ topic: "none" }, { streamMode: "updates", subgraphs: true }),
    );
    return chunks.map((c) => (Array.isArray(c) ? [namespaceNames(c[0]), c[1]] : c));
  },
  {
    langgraph: [
      [[], { intro: { topic: "bees" } }],
      ...childChunks,
      [[], { child: { topic: "bees", notes: "notes on bees!" } }],
    ],
    conclave: [
      [[], { intro: { topic: "bees" } }],
      ...childChunks,
      [[], { child: { notes: "notes on bees!" } }],
    ],
  },
);

differential(
  "subgraphs: true with several modes yields [namespace, mode, chunk]",
  async (lib) => {
    const chunks = await collect(
      withSubgraph(lib).stream(
        { topic: "none" },
        { streamMode: ["custom", "values"], subgraphs: true },
      ),
    );
    return chunks.map((c) => (Array.isArray(c) ? [namespaceNames(c[0]), c[1], c[2]] : c));
  },
  [
    [[], "values", { topic: "none" }],
    [[], "values", { topic: "bees" }],
    [["child"], "values", { topic: "bees" }],
    [["child"], "custom", "researching bees"],
    [["child"], "values", { topic: "bees", notes: "notes on bees" }],
    [["child"], "values", { topic: "bees", notes: "notes on bees!" }],
    [[], "values", { topic: "bees", notes: "notes on bees!" }],
  ],
);

divergent(
  "without subgraphs: true, the subgraph's inner chunks are not streamed (custom still is)",
  async (lib) =>
    collect(withSubgraph(lib).stream({ topic: "none" }, { streamMode: ["updates", "custom"] })),
  {
    langgraph: [
      ["updates", { intro: { topic: "bees" } }],
      ["custom", "researching bees"],
      ["updates", { child: { topic: "bees", notes: "notes on bees!" } }],
    ],
    conclave: [
      ["updates", { intro: { topic: "bees" } }],
      ["custom", "researching bees"],
      ["updates", { child: { notes: "notes on bees!" } }],
    ],
  },
);

function hanging(lib: Lib) {
  const started = deferred();
  const signals: AbortSignal[] = [];
  const graph = new lib.StateGraph(traceState(lib))
    .addNode("wait", async (_s, config: LangGraphRunnableConfig) => {
      if (config.signal) signals.push(config.signal);
      started.resolve();
      await new Promise<never>(() => {});
      return { trace: ["never"] };
    })
    .addEdge(lib.START, "wait")
    .compile();
  return { graph, started, signals };
}

differential(
  "aborting config.signal mid-run rejects invoke and aborts the node's signal",
  async (lib) => {
    const { graph, started, signals } = hanging(lib);
    const controller = new AbortController();
    const run = captureError(() => graph.invoke({}, { signal: controller.signal }));
    await started.promise;
    controller.abort();
    const result = await run;
    return { result, nodeSignalAborted: signals.map((s) => s.aborted) };
  },
  { result: { threw: { error: "AbortError" } }, nodeSignalAborted: [true] },
);

differential(
  "aborting config.signal rejects invoke even when the node returns normally afterwards",
  async (lib) => {
    const started = deferred();
    let returned = 0;
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("polite", async (_s, config: LangGraphRunnableConfig) => {
        const signal = config.signal;
        started.resolve();
        if (signal) await new Promise((resolve) => signal.addEventListener("abort", resolve));
        returned += 1;
        return { trace: ["polite"] };
      })
      .addEdge(lib.START, "polite")
      .compile();
    const controller = new AbortController();
    const run = captureError(() => graph.invoke({}, { signal: controller.signal }));
    await started.promise;
    controller.abort();
    return { result: await run, returned };
  },
  { result: { threw: { error: "AbortError" } }, returned: 1 },
);

differential(
  "an already-aborted signal rejects before any node runs; so does stream()",
  async (lib) => {
    const { graph, signals } = hanging(lib);
    const controller = new AbortController();
    controller.abort();
    const invoked = await captureError(() => graph.invoke({}, { signal: controller.signal }));
    const streamed = await captureError(() =>
      collect(graph.stream({}, { signal: controller.signal })),
    );
    return { invoked, streamed, nodeRuns: signals.length };
  },
  {
    invoked: { threw: { error: "AbortError" } },
    streamed: { threw: { error: "AbortError" } },
    nodeRuns: 0,
  },
);
