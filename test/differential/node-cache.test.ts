/**
 * Node caching in both engines, with LangGraph's own `InMemoryCache` (from
 * `@langchain/langgraph-checkpoint`) as the graph's cache: a second run with the same input
 * applies the cached writes without running the node and streams them as cached; a custom
 * `keyFunc`; Send tasks cached by their argument; `clearCache`.
 */
import { InMemoryCache } from "@langchain/langgraph-checkpoint";
import { collect, differential, type Lib } from "./harness.ts";

function cachedGraph(lib: Lib, runs: string[], keyFunc?: (args: unknown[]) => string) {
  const State = lib.Annotation.Root({
    n: lib.Annotation<number>(),
    user: lib.Annotation<string>(),
    out: lib.Annotation<number>(),
  });
  return new lib.StateGraph(State)
    .addNode(
      "slow",
      (s: { n: number }) => {
        runs.push(`slow ${s.n}`);
        return { out: s.n * 2 };
      },
      { cachePolicy: { ttl: 60, ...(keyFunc ? { keyFunc } : {}) } },
    )
    .addNode("after", (s: { out: number }) => ({ out: s.out + 1 }))
    .addEdge(lib.START, "slow")
    .addEdge("slow", "after")
    .compile({ cache: new InMemoryCache() });
}

differential(
  "node cache: the same input reuses the node's writes and streams them as cached",
  async (lib) => {
    const runs: string[] = [];
    const graph = cachedGraph(lib, runs);
    const first = await collect(await graph.stream({ n: 1, user: "a" }, { streamMode: "updates" }));
    const second = await collect(
      await graph.stream({ n: 1, user: "a" }, { streamMode: "updates" }),
    );
    const other = await graph.invoke({ n: 2, user: "a" });
    await graph.clearCache();
    const cleared = await graph.invoke({ n: 1, user: "a" });
    return { first, second, other, cleared, runs };
  },
  {
    first: [{ slow: { out: 2 } }, { after: { out: 3 } }],
    second: [{ slow: { out: 2 }, __metadata__: { cached: true } }, { after: { out: 3 } }],
    other: { n: 2, user: "a", out: 5 },
    cleared: { n: 1, user: "a", out: 3 },
    runs: ["slow 1", "slow 2", "slow 1"],
  },
);

differential(
  "node cache: keyFunc decides what counts as the same input",
  async (lib) => {
    const runs: string[] = [];
    const byN = (args: unknown[]) => String((args[0] as { n: number }).n);
    const graph = cachedGraph(lib, runs, byN);
    await graph.invoke({ n: 1, user: "a" });
    const sameN = await graph.invoke({ n: 1, user: "b" });
    return { sameN, runs };
  },
  { sameN: { n: 1, user: "b", out: 3 }, runs: ["slow 1"] },
);

differential(
  "node cache: Send tasks are cached by their argument",
  async (lib) => {
    const runs: number[] = [];
    const State = lib.Annotation.Root({
      items: lib.Annotation<number[]>(),
      squares: lib.Annotation<number[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const graph = new lib.StateGraph(State)
      .addNode(
        "square",
        (x: number) => {
          runs.push(x);
          return { squares: [x * x] };
        },
        { cachePolicy: {} },
      )
      .addConditionalEdges(lib.START, (s: { items: number[] }) =>
        s.items.map((x) => new lib.Send("square", x)),
      )
      .compile({ cache: new InMemoryCache() });
    const first = await graph.invoke({ items: [1, 2] });
    const second = await graph.invoke({ items: [2, 3] });
    return {
      first: [...first.squares].sort(),
      second: [...second.squares].sort(),
      runs: [...runs].sort(),
    };
  },
  { first: [1, 4], second: [4, 9], runs: [1, 2, 3] },
);
