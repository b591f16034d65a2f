/**
 * Graph wiring: addEdge, waiting edges, conditional edges (no map, list map, object map),
 * addSequence, setEntryPoint and setFinishPoint.
 */
import { captureError, differential, type Lib } from "./harness.ts";

function traceState(lib: Lib) {
  return lib.Annotation.Root({
    trace: lib.Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    route: lib.Annotation<string>(),
  });
}

differential(
  "addEdge chains nodes from START to END",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("one", () => ({ trace: ["one"] }))
      .addNode("two", () => ({ trace: ["two"] }))
      .addEdge(lib.START, "one")
      .addEdge("one", "two")
      .addEdge("two", lib.END)
      .compile();
    return graph.invoke({});
  },
  { trace: ["one", "two"] },
);

differential(
  "two edges out of one node fan out; the join runs once per trigger step",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("root", () => ({ trace: ["root"] }))
      .addNode("left", () => ({ trace: ["left"] }))
      .addNode("right", () => ({ trace: ["right"] }))
      .addNode("deep", () => ({ trace: ["deep"] }))
      .addNode("join", () => ({ trace: ["join"] }))
      .addEdge(lib.START, "root")
      .addEdge("root", "left")
      .addEdge("root", "right")
      .addEdge("right", "deep")
      .addEdge("left", "join")
      .addEdge("deep", "join")
      .compile();
    return graph.invoke({});
  },
  { trace: ["root", "left", "right", "deep", "join", "join"] },
);

differential(
  "a waiting edge addEdge([a, b], c) runs c once, after both a and b",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("a", () => ({ trace: ["a"] }))
      .addNode("b", () => ({ trace: ["b"] }))
      .addNode("b2", () => ({ trace: ["b2"] }))
      .addNode("c", () => ({ trace: ["c"] }))
      .addEdge(lib.START, "a")
      .addEdge(lib.START, "b")
      .addEdge("b", "b2")
      .addEdge(["a", "b2"], "c")
      .compile();
    return graph.invoke({});
  },
  { trace: ["a", "b", "b2", "c"] },
);

differential(
  "conditional edge without a path map routes by returned node name, including END",
  async (lib) => {
    const build = () =>
      new lib.StateGraph(traceState(lib))
        .addNode("decide", () => ({ trace: ["decide"] }))
        .addNode("yes", () => ({ trace: ["yes"] }))
        .addNode("no", () => ({ trace: ["no"] }))
        .addEdge(lib.START, "decide")
        .addConditionalEdges("decide", (s) => (s.route === "stop" ? lib.END : s.route))
        .compile();
    return {
      yes: await build().invoke({ route: "yes" }),
      no: await build().invoke({ route: "no" }),
      stop: await build().invoke({ route: "stop" }),
    };
  },
  {
    yes: { trace: ["decide", "yes"], route: "yes" },
    no: { trace: ["decide", "no"], route: "no" },
    stop: { trace: ["decide"], route: "stop" },
  },
);

differential(
  "conditional edge with an object path map translates labels",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("decide", () => ({ trace: ["decide"] }))
      .addNode("handleA", () => ({ trace: ["A"] }))
      .addNode("handleB", () => ({ trace: ["B"] }))
      .addEdge(lib.START, "decide")
      .addConditionalEdges("decide", (s) => s.route, {
        a: "handleA",
        b: "handleB",
        done: lib.END,
      })
      .compile();
    return {
      a: await graph.invoke({ route: "a" }),
      b: await graph.invoke({ route: "b" }),
      done: await graph.invoke({ route: "done" }),
      unknown: "threw" in (await captureError(() => graph.invoke({ route: "zzz" }))),
    };
  },
  {
    a: { trace: ["decide", "A"], route: "a" },
    b: { trace: ["decide", "B"], route: "b" },
    done: { trace: ["decide"], route: "done" },
    unknown: true,
  },
);

differential(
  "conditional edge with a list path map; returning a list fans out in parallel",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("decide", () => ({ trace: ["decide"] }))
      .addNode("p", () => ({ trace: ["p"] }))
      .addNode("q", () => ({ trace: ["q"] }))
      .addNode("r", () => ({ trace: ["r"] }))
      .addEdge(lib.START, "decide")
      .addConditionalEdges("decide", (s) => (s.route === "both" ? ["r", "p"] : "q"), [
        "p",
        "q",
        "r",
      ])
      .compile();
    return { both: await graph.invoke({ route: "both" }), one: await graph.invoke({ route: "x" }) };
  },
  {
    both: { trace: ["decide", "p", "r"], route: "both" },
    one: { trace: ["decide", "q"], route: "x" },
  },
);

differential(
  "a router sees the state with its source node's own writes applied",
  async (lib) => {
    const seen: string[] = [];
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("decide", () => ({ route: "right", trace: ["decide"] }))
      .addNode("left", () => ({ trace: ["left"] }))
      .addNode("right", () => ({ trace: ["right"] }))
      .addEdge(lib.START, "decide")
      .addConditionalEdges("decide", (s) => {
        seen.push(`${s.route}:${s.trace.join("+")}`);
        return s.route;
      })
      .compile();
    return { out: await graph.invoke({ route: "left" }), seen };
  },
  { out: { trace: ["decide", "right"], route: "right" }, seen: ["right:decide"] },
);

differential(
  "conditional edges from START pick the first node",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("fast", () => ({ trace: ["fast"] }))
      .addNode("slow", () => ({ trace: ["slow"] }))
      .addConditionalEdges(lib.START, (s) => (s.route === "f" ? "fast" : "slow"), ["fast", "slow"])
      .compile();
    return [await graph.invoke({ route: "f" }), await graph.invoke({ route: "s" })];
  },
  [
    { trace: ["fast"], route: "f" },
    { trace: ["slow"], route: "s" },
  ],
);

differential(
  "addSequence adds nodes and chains them (array and object forms)",
  async (lib) => {
    const fromArray = new lib.StateGraph(traceState(lib))
      .addSequence([
        ["s1", () => ({ trace: ["s1"] })],
        ["s2", () => ({ trace: ["s2"] })],
        ["s3", () => ({ trace: ["s3"] })],
      ])
      .addEdge(lib.START, "s1")
      .compile();
    const fromObject = new lib.StateGraph(traceState(lib))
      .addSequence({ o1: () => ({ trace: ["o1"] }), o2: () => ({ trace: ["o2"] }) })
      .addEdge(lib.START, "o1")
      .compile();
    return { array: await fromArray.invoke({}), object: await fromObject.invoke({}) };
  },
  { array: { trace: ["s1", "s2", "s3"] }, object: { trace: ["o1", "o2"] } },
);

differential(
  "setEntryPoint and setFinishPoint behave like edges from START and to END",
  async (lib) => {
    const graph = new lib.StateGraph(traceState(lib))
      .addNode("first", () => ({ trace: ["first"] }))
      .addNode("last", () => ({ trace: ["last"] }))
      .setEntryPoint("first")
      .addEdge("first", "last")
      .setFinishPoint("last")
      .compile();
    return graph.invoke({ trace: ["in"] });
  },
  { trace: ["in", "first", "last"] },
);

differential(
  "compile rejects an edge to an unknown node and an unreachable-only graph",
  async (lib) => {
    const unknownEdge = await captureError(async () =>
      new lib.StateGraph(traceState(lib))
        .addNode("a", () => ({}))
        .addEdge(lib.START, "a")
        .addEdge("a", "ghost" as "a")
        .compile(),
    );
    const noEntry = await captureError(async () =>
      new lib.StateGraph(traceState(lib)).addNode("a", () => ({})).compile(),
    );
    const duplicate = await captureError(async () =>
      new lib.StateGraph(traceState(lib)).addNode("a", () => ({})).addNode("a", () => ({})),
    );
    return {
      unknownEdge: "threw" in unknownEdge,
      noEntry: "threw" in noEntry,
      duplicate: "threw" in duplicate,
    };
  },
  { unknownEdge: true, noEntry: true, duplicate: true },
);
