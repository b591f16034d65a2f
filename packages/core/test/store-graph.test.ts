/**
 * Nodes reach the Store through `config.store`: memories written on one thread are read on
 * another, from `compile({ store })` or from the invoke config.
 */
import {
  Annotation,
  InMemoryStore,
  MemorySaver,
  type NodeConfig,
  START,
  StateGraph,
  type Store,
} from "@conclave/core";
import { describe, expect, it } from "vitest";

const State = Annotation.Root({
  user: Annotation<string>(),
  fact: Annotation<string>(),
  recalled: Annotation<string[]>(),
});

function memoryGraph(store?: Store) {
  return new StateGraph(State)
    .addNode("remember", async (state, config: NodeConfig) => {
      const memory = (config as { store?: Store }).store!;
      if (state.fact) {
        await memory.put(["users", state.user, "facts"], `f${state.fact.length}`, {
          text: state.fact,
        });
      }
      const hits = await memory.search(["users", state.user], { query: "coffee" });
      return { recalled: hits.map((hit) => String(hit.value.text)) };
    })
    .addEdge(START, "remember")
    .compile({ checkpointer: new MemorySaver(), store });
}

describe("Store in the graph", () => {
  it("is shared across threads through config.store (from compile)", async () => {
    const store = new InMemoryStore();
    const graph = memoryGraph(store);
    const first = { configurable: { thread_id: "t1" } };
    await graph.invoke({ user: "ann", fact: "Ann drinks coffee black", recalled: [] }, first);
    const second = { configurable: { thread_id: "t2" } };
    const out = await graph.invoke({ user: "ann", fact: "", recalled: [] }, second);
    expect(out.recalled).toEqual(["Ann drinks coffee black"]);
    expect((await store.listNamespaces()).map((ns) => ns.join("/"))).toEqual(["users/ann/facts"]);
  });

  it("takes the store from the invoke config too", async () => {
    const store = new InMemoryStore();
    await store.put(["users", "bo", "facts"], "old", { text: "Bo likes coffee with milk" });
    const out = await memoryGraph().invoke(
      { user: "bo", fact: "", recalled: [] },
      { configurable: { thread_id: "t3" }, store },
    );
    expect(out.recalled).toEqual(["Bo likes coffee with milk"]);
  });
});
