/**
 * Command as a node's return value (goto, update, goto lists, END, alongside static edges,
 * graph: Command.PARENT) and as input (steering a thread with goto/update).
 */
import { differential, type Lib } from "./harness.ts";

function traceState(lib: Lib) {
  return lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    choice: lib.Annotation<string>(),
  });
}

function leaves() {
  return {
    x: () => ({ trace: ["x"] }),
    y: () => ({ trace: ["y"] }),
  };
}

differential(
  "Command goto routes and update writes in the same step",
  async (lib) => {
    const { x, y } = leaves();
    const graph = new lib.StateGraph(traceState(lib))
      .addNode(
        "decide",
        (s) => new lib.Command({ goto: s.choice, update: { trace: [`decide->${s.choice}`] } }),
        { ends: ["x", "y"] },
      )
      .addNode("x", x)
      .addNode("y", y)
      .addEdge(lib.START, "decide")
      .compile();
    return [await graph.invoke({ choice: "x" }), await graph.invoke({ choice: "y" })];
  },
  [
    { trace: ["decide->x", "x"], choice: "x" },
    { trace: ["decide->y", "y"], choice: "y" },
  ],
);

differential(
  "Command goto a list runs the targets in parallel; goto END stops",
  async (lib) => {
    const { x, y } = leaves();
    const graph = new lib.StateGraph(traceState(lib))
      .addNode(
        "decide",
        (s) => new lib.Command({ goto: s.choice === "both" ? ["y", "x"] : lib.END }),
        { ends: ["x", "y", lib.END] },
      )
      .addNode("x", x)
      .addNode("y", y)
      .addEdge(lib.START, "decide")
      .compile();
    return {
      both: await graph.invoke({ choice: "both" }),
      end: await graph.invoke({ choice: "end" }),
    };
  },
  { both: { trace: ["x", "y"], choice: "both" }, end: { trace: [], choice: "end" } },
);

differential(
  "Command goto adds to, and does not replace, the node's static edges",
  async (lib) => {
    const { x, y } = leaves();
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("decide", () => new lib.Command({ goto: "y" }), { ends: ["y"] })
      .addNode("x", x)
      .addNode("y", y)
      .addEdge(lib.START, "decide")
      .addEdge("decide", "x")
      .compile();
    return graph.invoke({});
  },
  { trace: ["x", "y"] },
);

differential(
  "a node may return a list of Commands",
  async (lib) => {
    const { x, y } = leaves();
    const graph = new lib.StateGraph(traceState(lib))
      .addNode(
        "decide",
        () => [
          new lib.Command({ goto: "x", update: { trace: ["first"] } }),
          new lib.Command({ goto: "y", update: { trace: ["second"] } }),
        ],
        { ends: ["x", "y"] },
      )
      .addNode("x", x)
      .addNode("y", y)
      .addEdge(lib.START, "decide")
      .compile();
    return graph.invoke({});
  },
  { trace: ["first", "second", "x", "y"] },
);

differential(
  "Command graph: PARENT routes the parent graph from inside a subgraph",
  async (lib) => {
    const State = traceState(lib);
    const child = new lib.StateGraph(State)
      .addNode("inner", () => ({ trace: ["inner"] }))
      .addNode(
        "escalate",
        () =>
          new lib.Command({
            graph: lib.Command.PARENT,
            goto: "handler",
            update: { trace: ["escalated"] },
          }),
      )
      .addEdge(lib.START, "inner")
      .addEdge("inner", "escalate")
      .compile();
    const graph = new lib.StateGraph(State)
      .addNode("child", child, { ends: ["handler"] })
      .addNode("handler", (s) => ({ trace: [`handler saw ${s.trace.join(",")}`] }))
      .addEdge(lib.START, "child")
      .compile();
    return graph.invoke({ trace: ["in"] });
  },
  { trace: ["in", "escalated", "handler saw in,escalated"] },
);

differential(
  "Command as input on a thread: update state and goto a node",
  async (lib) => {
    const { x, y } = leaves();
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("start", () => ({ trace: ["start"] }))
      .addNode("x", x)
      .addNode("y", y)
      .addEdge(lib.START, "start")
      .addConditionalEdges("start", (s) => (s.choice === "y" ? "y" : "x"), ["x", "y"])
      .compile({ checkpointer: new lib.MemorySaver() });
    const config = { configurable: { thread_id: "t" } };
    const first = await graph.invoke({ trace: ["in"] }, config);
    const steered = await graph.invoke(
      new lib.Command({ goto: "y", update: { choice: "steered" } }),
      config,
    );
    return { first, steered };
  },
  {
    first: { trace: ["in", "start", "x"] },
    steered: { trace: ["in", "start", "x", "y"], choice: "steered" },
  },
);

differential(
  "Command update alone (no goto) is a plain update, and static edges still apply",
  async (lib) => {
    const { x } = leaves();
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("set", () => new lib.Command({ update: { choice: "set", trace: ["set"] } }))
      .addNode("x", x)
      .addEdge(lib.START, "set")
      .addEdge("set", "x")
      .compile();
    return graph.invoke({});
  },
  { trace: ["set", "x"], choice: "set" },
);
