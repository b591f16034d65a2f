/**
 * getGraph(): the drawable graph's nodes and edges (conditional or not, with path-map labels),
 * and drawMermaid() compared as node and edge sets parsed from the text, never as text.
 */
import { differential, type Lib } from "./harness.ts";

type DrawableEdge = { source: string; target: string; conditional?: boolean; data?: unknown };

function edgeKey(e: DrawableEdge): string {
  const label = e.data === undefined ? "" : ` [${String(e.data)}]`;
  return `${e.source} ${e.conditional ? "-.->" : "-->"} ${e.target}${label}`;
}

function summariseDrawable(drawable: { nodes: Record<string, unknown>; edges: DrawableEdge[] }) {
  return { nodes: Object.keys(drawable.nodes).sort(), edges: drawable.edges.map(edgeKey).sort() };
}

const MERMAID_EDGE = /^\s*(\S+) (?:(-->)|(-\.->)|-\. &nbsp;(.+?)&nbsp; \.->) (\S+);$/;
const MERMAID_NODE = /^\s*([^\s([%]+)[([]/;

/** Parses node ids and edges out of drawMermaid() text (pure). */
function parseMermaid(text: string) {
  const nodes = new Set<string>();
  const edges: string[] = [];
  for (const line of text.split("\n")) {
    const edge = MERMAID_EDGE.exec(line);
    if (edge) {
      const [, source, plain, , label, target] = edge;
      const conditional = plain === undefined;
      edges.push(edgeKey({ source: source ?? "", target: target ?? "", conditional, data: label }));
      continue;
    }
    const node = MERMAID_NODE.exec(line);
    if (node?.[1] && node[1] !== "graph") nodes.add(node[1]);
  }
  return { nodes: [...nodes].sort(), edges: edges.sort() };
}

function sample(lib: Lib) {
  const State = lib.Annotation.Root({ x: lib.Annotation<string>() });
  return new lib.StateGraph(State)
    .addNode("plan", () => ({}))
    .addNode("act", () => ({}))
    .addNode("retry", () => new lib.Command({ goto: "act" }), { ends: ["act"] })
    .addNode("join", () => ({}))
    .addEdge(lib.START, "plan")
    .addConditionalEdges("plan", () => "go", { go: "act", stop: lib.END, again: "retry" })
    .addEdge(["act", "retry"], "join")
    .compile();
}

const sampleEdges = [
  "__start__ --> plan",
  "act --> join",
  "join --> __end__",
  "plan -.-> __end__ [stop]",
  "plan -.-> act [go]",
  "plan -.-> retry [again]",
  "retry --> join",
  "retry -.-> act",
];

differential(
  "getGraph(): nodes, plain edges, labelled conditional edges, Command ends, implicit END",
  async (lib) => summariseDrawable(sample(lib).getGraph()),
  { nodes: ["__end__", "__start__", "act", "join", "plan", "retry"], edges: sampleEdges },
);

differential(
  "drawMermaid(): the same node and edge sets",
  async (lib) => parseMermaid(sample(lib).getGraph().drawMermaid()),
  { nodes: ["__end__", "__start__", "act", "join", "plan", "retry"], edges: sampleEdges },
);

differential(
  "getGraph(): a conditional edge with a list path map, and one with no map",
  async (lib) => {
    const State = lib.Annotation.Root({ x: lib.Annotation<string>() });
    const graph = new lib.StateGraph(State)
      .addNode("a", () => ({}))
      .addNode("b", () => ({}))
      .addNode("c", () => ({}))
      .addConditionalEdges(lib.START, () => "a", ["a", "b"])
      .addConditionalEdges("a", () => "c")
      .addEdge("b", lib.END)
      .addEdge("c", lib.END)
      .compile();
    return summariseDrawable(graph.getGraph());
  },
  {
    nodes: ["__end__", "__start__", "a", "b", "c"],
    edges: [
      "__start__ -.-> a",
      "__start__ -.-> b",
      "a -.-> __end__",
      "a -.-> b",
      "a -.-> c",
      "b --> __end__",
      "c --> __end__",
    ],
  },
);

differential(
  "getGraph(): a sequence drawn as a chain",
  async (lib) => {
    const State = lib.Annotation.Root({ x: lib.Annotation<string>() });
    const graph = new lib.StateGraph(State)
      .addSequence({ one: () => ({}), two: () => ({}) })
      .addEdge(lib.START, "one")
      .compile();
    return summariseDrawable(graph.getGraph());
  },
  {
    nodes: ["__end__", "__start__", "one", "two"],
    edges: ["__start__ --> one", "one --> two", "two --> __end__"],
  },
);
