/**
 * Subgraphs as nodes: state passing through shared keys, private child keys, a subgraph called
 * from inside a node (with its config or none: then it is the node's subgraph, interrupts and
 * streams included), and an interrupt inside a subgraph with its resume. (Reducer duplication
 * of shared append keys is a deliberate difference: see differences.test.ts.)
 */
import { collect, differential, type Lib, summariseSnapshot } from "./harness.ts";

function parentWithChild(lib: Lib, counts: Record<string, number>) {
  const bump = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  const ChildState = lib.Annotation.Root({
    topic: lib.Annotation<string>(),
    report: lib.Annotation<string>(),
    scratch: lib.Annotation<string>(),
  });
  const child = new lib.StateGraph(ChildState)
    .addNode("gather", (s) => {
      bump("gather");
      return { scratch: `facts(${s.topic})` };
    })
    .addNode("approve", (s) => {
      bump("approve");
      const verdict = lib.interrupt<string, string>(`approve ${s.scratch}?`);
      return { report: `${s.scratch}:${verdict}` };
    })
    .addEdge(lib.START, "gather")
    .addEdge("gather", "approve")
    .compile();
  const ParentState = lib.Annotation.Root({
    topic: lib.Annotation<string>(),
    report: lib.Annotation<string>(),
    published: lib.Annotation<boolean>(),
  });
  return new lib.StateGraph(ParentState)
    .addNode("child", child)
    .addNode("publish", (s) => {
      bump("publish");
      return { published: s.report.length > 0 };
    })
    .addEdge(lib.START, "child")
    .addEdge("child", "publish")
    .compile({ checkpointer: new lib.MemorySaver() });
}

const thread = { configurable: { thread_id: "t" } };

differential(
  "a subgraph node reads shared keys and writes them back; private keys stay inside",
  async (lib) => {
    const State = lib.Annotation.Root({ q: lib.Annotation<string>(), a: lib.Annotation<string>() });
    const Child = lib.Annotation.Root({
      q: lib.Annotation<string>(),
      a: lib.Annotation<string>(),
      tmp: lib.Annotation<string>(),
    });
    const child = new lib.StateGraph(Child)
      .addNode("think", (s) => ({ tmp: `thinking about ${s.q}` }))
      .addNode("say", (s) => ({ a: `${s.tmp} -> done` }))
      .addEdge(lib.START, "think")
      .addEdge("think", "say")
      .compile();
    const graph = new lib.StateGraph(State)
      .addNode("ask", () => ({ q: "life" }))
      .addNode("child", child)
      .addEdge(lib.START, "ask")
      .addEdge("ask", "child")
      .compile();
    return graph.invoke({});
  },
  { q: "life", a: "thinking about life -> done" },
);

differential(
  "a compiled graph invoked inside a node function",
  async (lib) => {
    const State = lib.Annotation.Root({ n: lib.Annotation<number>() });
    const doubler = new lib.StateGraph(State)
      .addNode("double", (s) => ({ n: s.n * 2 }))
      .addEdge(lib.START, "double")
      .compile();
    const graph = new lib.StateGraph(State)
      .addNode("call", async (s) => {
        const once = await doubler.invoke({ n: s.n });
        const twice = await doubler.invoke({ n: once.n });
        return { n: twice.n + 1 };
      })
      .addEdge(lib.START, "call")
      .compile();
    return graph.invoke({ n: 5 });
  },
  { n: 21 },
);

differential(
  "an interrupt inside a subgraph pauses the parent; the parent's next is the subgraph node",
  async (lib) => {
    const counts: Record<string, number> = {};
    const graph = parentWithChild(lib, counts);
    const paused = await graph.invoke({ topic: "tides" }, thread);
    const state = summariseSnapshot(await graph.getState(thread));
    return { paused, next: state.next, tasks: state.tasks, counts };
  },
  {
    paused: { topic: "tides", __interrupt__: [{ value: "approve facts(tides)?", id: "<id>" }] },
    next: ["child"],
    tasks: [{ name: "child", interrupts: [{ value: "approve facts(tides)?", id: "<id>" }] }],
    counts: { gather: 1, approve: 1 },
  },
);

differential(
  "resuming a subgraph interrupt re-runs only the interrupted child node",
  async (lib) => {
    const counts: Record<string, number> = {};
    const graph = parentWithChild(lib, counts);
    await graph.invoke({ topic: "tides" }, thread);
    const done = await graph.invoke(new lib.Command({ resume: "yes" }), thread);
    return { done, counts };
  },
  {
    done: { topic: "tides", report: "facts(tides):yes", published: true },
    counts: { gather: 1, approve: 2, publish: 1 },
  },
);

differential(
  "getState with subgraphs: true shows the paused child's own state",
  async (lib) => {
    const graph = parentWithChild(lib, {});
    await graph.invoke({ topic: "tides" }, thread);
    const state = await graph.getState(thread, { subgraphs: true });
    const child = summariseSnapshot(state).tasks as { state?: Record<string, unknown> }[];
    const childState = child[0]?.state;
    return { values: childState?.values, next: childState?.next, tasks: childState?.tasks };
  },
  {
    values: { topic: "tides", scratch: "facts(tides)" },
    next: ["approve"],
    tasks: [{ name: "approve", interrupts: [{ value: "approve facts(tides)?", id: "<id>" }] }],
  },
);

differential(
  "a subgraph with a different schema maps by key name; the child sees only its keys",
  async (lib) => {
    const Parent = lib.Annotation.Root({
      doc: lib.Annotation<string>(),
      summary: lib.Annotation<string>(),
      audit: lib.Annotation<string>(),
    });
    const Child = lib.Annotation.Root({
      doc: lib.Annotation<string>(),
      summary: lib.Annotation<string>(),
    });
    const seen: unknown[] = [];
    const child = new lib.StateGraph(Child)
      .addNode("sum", (s) => {
        seen.push(Object.keys(s).sort());
        return { summary: s.doc.slice(0, 5) };
      })
      .addEdge(lib.START, "sum")
      .compile();
    const graph = new lib.StateGraph(Parent)
      .addNode("child", child)
      .addEdge(lib.START, "child")
      .compile();
    return { out: await graph.invoke({ doc: "abcdefgh", audit: "kept" }), seen };
  },
  { out: { doc: "abcdefgh", audit: "kept", summary: "abcde" }, seen: [["doc"]] },
);

/** A parent whose node calls `inner.invoke` (with its config, or none); `inner` interrupts. */
function callingParent(lib: Lib, passConfig: boolean) {
  const Log = lib.Annotation.Root({
    log: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
  const inner = new lib.StateGraph(Log)
    .addNode("ask", () => ({ log: [`answer:${lib.interrupt<string, string>("ok?")}`] }))
    .addNode("after", () => ({ log: ["inner done"] }))
    .addEdge(lib.START, "ask")
    .addEdge("ask", "after")
    .compile();
  return new lib.StateGraph(Log)
    .addNode("outer", async (_s, config) => {
      const result = await (passConfig
        ? inner.invoke({ log: [] }, config)
        : inner.invoke({ log: [] }));
      return { log: result.log };
    })
    .addEdge(lib.START, "outer")
    .compile({ checkpointer: new lib.MemorySaver() });
}

for (const passConfig of [false, true])
  differential(
    `a graph invoked in a node ${passConfig ? "with the node's config" : "without config"} is its subgraph: its interrupt pauses the parent, and resumes`,
    async (lib) => {
      const graph = callingParent(lib, passConfig);
      const thread = { configurable: { thread_id: "t" } };
      const paused = await graph.invoke({ log: [] }, thread);
      const resumed = await graph.invoke(new lib.Command({ resume: "yes" }), thread);
      return { paused, resumed };
    },
    {
      paused: { log: [], __interrupt__: [{ value: "ok?", id: "<id>" }] },
      resumed: { log: ["answer:yes", "inner done"] },
    },
  );

differential(
  "a graph invoked in a node streams its events under the node's namespace with subgraphs",
  async (lib) => {
    const Log = lib.Annotation.Root({
      log: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const inner = new lib.StateGraph(Log)
      .addNode("i", () => ({ log: ["inner"] }))
      .addEdge(lib.START, "i")
      .compile();
    const graph = new lib.StateGraph(Log)
      .addNode("outer", async (_s, config) => ({
        log: (await inner.invoke({ log: [] }, config)).log,
      }))
      .addEdge(lib.START, "outer")
      .compile();
    const chunks = await collect(
      graph.stream({ log: [] }, { streamMode: "updates", subgraphs: true }),
    );
    return chunks.map((c) => {
      const [ns, update] = c as [string[], unknown];
      return [ns.map((n) => n.split(":")[0]), update];
    });
  },
  [
    [["outer"], { i: { log: ["inner"] } }],
    [[], { outer: { log: ["inner"] } }],
  ],
);

differential(
  "getSubgraphs names subgraph nodes, recursing as parent|child and picking one namespace",
  async (lib) => {
    const State = lib.Annotation.Root({ v: lib.Annotation<string>() });
    const leaf = new lib.StateGraph(State)
      .addNode("l", () => ({}))
      .addEdge(lib.START, "l")
      .compile();
    const mid = new lib.StateGraph(State)
      .addNode("leaf", leaf)
      .addEdge(lib.START, "leaf")
      .compile();
    const top = new lib.StateGraph(State)
      .addNode("mid", mid)
      .addNode("other", leaf)
      .addNode("plain", () => ({}))
      .addEdge(lib.START, "mid")
      .addEdge(lib.START, "other")
      .addEdge("mid", "plain")
      .compile();
    const names = (entries: Iterable<[string, unknown]>) => [...entries].map(([name]) => name);
    return {
      top: names(top.getSubgraphs()),
      all: names(top.getSubgraphs(undefined, true)),
      one: names(top.getSubgraphs("mid")),
      nested: names(top.getSubgraphs("mid|leaf", true)),
    };
  },
  {
    top: ["mid", "other"],
    all: ["mid", "mid|leaf", "other"],
    one: ["mid"],
    nested: ["mid|leaf"],
  },
);
