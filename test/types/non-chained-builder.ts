/**
 * Type-level checks, compiled by `npm run typecheck` (never run). A builder that is not chained
 * must type-check: LangGraph.js rejects `addEdge(START, "a")` on a separately built graph
 * (langgraphjs#763), Conclave accepts it and validates names at compile().
 */
import { Annotation, Command, END, START, StateGraph } from "@conclave/core";

const State = Annotation.Root({
  count: Annotation<number>(),
  items: Annotation<string[], string | string[]>({
    reducer: (a, b) => a.concat(b),
    default: () => [],
  }),
});

const graph = new StateGraph(State);
graph.addNode("a", (s) => ({ count: s.count + 1 }));
graph.addNode("b", (s) => ({ items: `seen ${s.items.length}` }));
graph.addEdge(START, "a");
graph.addEdge("a", "b");
graph.addConditionalEdges("b", (s) => (s.count > 2 ? END : "a"));
export const compiled = graph.compile();

// Chained builders keep precise state and update types.
export const chained = new StateGraph(State)
  .addNode("inc", (s) => ({ count: s.count + 1 }))
  .addNode("route", () => new Command({ goto: "inc" }), { ends: ["inc"] })
  .addEdge(START, "inc")
  .compile();

export async function typedResult(): Promise<number> {
  const out = await chained.invoke({ count: 1 });
  return out.count;
}

// @ts-expect-error an update of the wrong type is rejected
new StateGraph(State).addNode("bad", () => ({ count: "one" }));

// A builder reassigned in a loop (the way generated graphs are built) type-checks.
let looped = new StateGraph(State);
for (const name of ["x", "y", "z"]) looped = looped.addNode(name, (s) => ({ count: s.count + 1 }));
looped = looped.addEdge(START, "x");
export const loopedCompiled = looped.compile();
