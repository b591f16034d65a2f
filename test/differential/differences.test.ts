/**
 * Deliberate differences from LangGraph.js (README "Differences from LangGraph.js"). Each test
 * runs the same scenario on both engines and asserts each engine's own behaviour.
 *
 * (1) A route to an unknown node fails loudly in Conclave (code UNKNOWN_NODE); LangGraph drops it.
 * (2) A subgraph writes back only its own updates, so append reducers on shared keys do not
 *     duplicate the parent's values; LangGraph re-reduces the child's full state.
 * (3) interrupt() and streaming work without AsyncLocalStorage in Conclave. Not observable in
 *     Node, where LangGraph has AsyncLocalStorage: covered by every interrupt and custom-stream
 *     scenario passing on Conclave, and by "interrupt() after awaits in parallel nodes".
 * (4) Node-name typing works for non-chained builders in Conclave. A compile-time property: the
 *     runtime half is the last scenario below, which needs casts only for LangGraph's types.
 * (5) Stream mode `messages` without `subgraphs` streams the tokens of models inside subgraphs,
 *     live, under the inner node's metadata. LangGraph 1.7.3 streams none of them, and emits the
 *     subgraph's new messages whole, under the subgraph node, once the subgraph has finished.
 * (6) `writer(chunk)` writes to stream mode `custom` from the running node. LangGraph 1.7.3's
 *     reads the writer from `config.configurable`, where it never is, and writes nothing.
 * (7) A functional-API task whose result comes from the cache streams one cached update.
 *     LangGraph 1.7.3 streams a second cached update whose value repeats the result in a list.
 * (8) History shows a task's `result` only for tasks saved as pending writes: those that
 *     finished while siblings ran. A step's last task is stored by the next checkpoint, so its
 *     snapshot task has none; LangGraph saves and shows every task's.
 */
import { InMemoryCache } from "@langchain/langgraph-checkpoint";
import { collect, deferred, differential, divergent, type Lib } from "./harness.ts";
import { hello, messageEvents, parentWithSubgraph, type Rec } from "./messages-events.ts";

function traceState(lib: Lib) {
  return lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  });
}

/** Settles `run()` and keeps the error's own code, which the normaliser would drop. */
async function outcome(run: () => Promise<unknown>) {
  try {
    return { returned: await run() };
  } catch (error) {
    const e = error as { code?: unknown; lc_error_code?: unknown };
    return { threw: { code: e.code ?? e.lc_error_code } };
  }
}

const unknownNode = { threw: { code: "UNKNOWN_NODE" } };

divergent(
  "(1) a conditional edge without a path map returning an unknown node",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("a", () => ({ trace: ["a"] }))
      .addNode("b", () => ({ trace: ["b"] }))
      .addEdge(lib.START, "a")
      .addConditionalEdges("a", () => "nope" as "b")
      .compile();
    return outcome(() => graph.invoke({}));
  },
  { langgraph: { returned: { trace: ["a"] } }, conclave: unknownNode },
);

divergent(
  "(1) a conditional edge returning a list with one unknown node",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("a", () => ({ trace: ["a"] }))
      .addNode("b", () => ({ trace: ["b"] }))
      .addEdge(lib.START, "a")
      .addConditionalEdges("a", () => ["b", "nope"] as "b"[])
      .compile();
    return outcome(() => graph.invoke({}));
  },
  { langgraph: { returned: { trace: ["a", "b"] } }, conclave: unknownNode },
);

divergent(
  "(1) Command goto an unknown node",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("a", () => new lib.Command({ goto: "nope", update: { trace: ["a"] } }), {
        ends: ["b"],
      })
      .addNode("b", () => ({ trace: ["b"] }))
      .addEdge(lib.START, "a")
      .compile();
    return outcome(() => graph.invoke({}));
  },
  { langgraph: { returned: { trace: ["a"] } }, conclave: unknownNode },
);

divergent(
  "(2) a subgraph sharing an append key does not duplicate the parent's values",
  async (lib) => {
    const State = traceState(lib);
    const child = new lib.StateGraph(State)
      .addNode("s1", () => ({ trace: ["s1"] }))
      .addNode("s2", () => ({ trace: ["s2"] }))
      .addEdge(lib.START, "s1")
      .addEdge("s1", "s2")
      .compile();
    const graph = new lib.StateGraph(State)
      .addNode("p1", () => ({ trace: ["p1"] }))
      .addNode("child", child)
      .addNode("p2", () => ({ trace: ["p2"] }))
      .addEdge(lib.START, "p1")
      .addEdge("p1", "child")
      .addEdge("child", "p2")
      .compile();
    return graph.invoke({ trace: ["in"] });
  },
  {
    langgraph: { trace: ["in", "p1", "in", "p1", "s1", "s2", "p2"] },
    conclave: { trace: ["in", "p1", "s1", "s2", "p2"] },
  },
);

divergent(
  "(2) a subgraph that writes nothing to a shared append key leaves it unchanged",
  async (lib) => {
    const State = lib.Annotation.Root({
      trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
      note: lib.Annotation<string>(),
    });
    const child = new lib.StateGraph(State)
      .addNode("annotate", (s) => ({ note: `saw ${s.trace.length}` }))
      .addEdge(lib.START, "annotate")
      .compile();
    const graph = new lib.StateGraph(State)
      .addNode("child", child)
      .addEdge(lib.START, "child")
      .compile();
    return graph.invoke({ trace: ["a", "b"] });
  },
  {
    langgraph: { trace: ["a", "b", "a", "b"], note: "saw 2" },
    conclave: { trace: ["a", "b"], note: "saw 2" },
  },
);

differential(
  "(4) a graph built with separate statements, not a chain, runs the same",
  async (lib) => {
    const builder = new lib.StateGraph(traceState(lib));
    builder.addNode("a", () => ({ trace: ["a"] }));
    builder.addNode("b", () => ({ trace: ["b"] }));
    builder.addEdge(lib.START, "a" as never);
    builder.addEdge("a" as never, "b" as never);
    builder.addEdge("b" as never, lib.END);
    return builder.compile().invoke({});
  },
  { trace: ["a", "b"] },
);

divergent(
  "(5) stream mode messages without subgraphs: a subgraph's model tokens",
  async (lib) =>
    (await messageEvents(parentWithSubgraph(lib).stream(hello, { streamMode: "messages" }))).map(
      (e) => {
        const { class: kind, text, node, ns } = e as Rec;
        return [kind, text, node, ns];
      },
    ),
  {
    langgraph: [["AIMessage", "ab", "team", "team"]],
    conclave: [
      ["AIMessageChunk", "a", "think", "team|think"],
      ["AIMessageChunk", "b", "think", "team|think"],
    ],
  },
);

divergent(
  "(6) writer() called in a node without its config",
  async (lib) => {
    const State = lib.Annotation.Root({ done: lib.Annotation<boolean>() });
    const graph = new lib.StateGraph(State)
      .addNode("work", async () => {
        lib.writer({ progress: 1 });
        await Promise.resolve();
        lib.writer("after an await");
        return { done: true };
      })
      .addEdge(lib.START, "work")
      .compile();
    return collect(graph.stream({}, { streamMode: "custom" }));
  },
  { langgraph: [], conclave: [{ progress: 1 }, "after an await"] },
);

divergent(
  "(7) a functional-API task with a cachePolicy, called again with the same argument",
  async (lib) => {
    const ran: number[] = [];
    const square = lib.task({ name: "square", cachePolicy: { ttl: 60 } }, async (n: number) => {
      ran.push(n);
      return n * n;
    });
    const workflow = lib.entrypoint(
      { name: "squares", cache: new InMemoryCache() },
      async (numbers: number[]) => Promise.all(numbers.map((n) => square(n))),
    );
    const first = await collect(await workflow.stream([2, 3]));
    const second = (await collect(await workflow.stream([3, 4]))) as Record<string, unknown>[];
    // The calls run concurrently: only which updates came, not their order, is compared.
    const cached = second.filter((update) => "__metadata__" in update);
    return { first, cached, last: second.at(-1), ran };
  },
  {
    langgraph: {
      first: [{ square: 4 }, { square: 9 }, { squares: [4, 9] }],
      cached: [
        { square: 9, __metadata__: { cached: true } },
        { square: [9, 9], __metadata__: { cached: true } },
      ],
      last: { squares: [9, 16] },
      ran: [2, 3, 4],
    },
    conclave: {
      first: [{ square: 4 }, { square: 9 }, { squares: [4, 9] }],
      cached: [{ square: 9, __metadata__: { cached: true } }],
      last: { squares: [9, 16] },
      ran: [2, 3, 4],
    },
  },
);

divergent(
  "(8) history results: only tasks that finished while siblings ran show one in Conclave",
  async (lib) => {
    const State = lib.Annotation.Root({
      trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const slow = deferred();
    const graph = new lib.StateGraph(State)
      .addNode("solo", () => ({ trace: ["solo"] }))
      .addNode("quick", () => {
        slow.resolve();
        return { trace: ["quick"] };
      })
      .addNode("slow", async () => {
        await slow.promise;
        return { trace: ["slow"] };
      })
      .addNode("noop", () => ({}))
      .addEdge(lib.START, "solo")
      .addEdge("solo", "quick")
      .addEdge("solo", "slow")
      .addEdge(["quick", "slow"], "noop")
      .compile({ checkpointer: new lib.MemorySaver() });
    const config = { configurable: { thread_id: "results" } };
    await graph.invoke({ trace: ["in"] }, config);
    const results: Record<string, unknown> = {};
    for await (const snapshot of graph.getStateHistory(config))
      for (const task of snapshot.tasks)
        results[task.name] = (task as { result?: unknown }).result ?? "none";
    return results;
  },
  {
    langgraph: {
      __start__: { trace: ["in"] },
      solo: { trace: ["solo"] },
      quick: { trace: ["quick"] },
      slow: { trace: ["slow"] },
      noop: "none",
    },
    conclave: {
      __start__: "none",
      solo: "none",
      quick: { trace: ["quick"] },
      slow: "none",
      noop: "none",
    },
  },
);
