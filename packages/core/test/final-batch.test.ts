/**
 * The engine's batches under `async` and `exit` durability, and the `final` mark on the root
 * graph's last one (`BatchOptions.final`): a saver may hold those writes for the run's end.
 * A subgraph's end is not its run's, so its batches are never final.
 */
import {
  Annotation,
  type BatchOptions,
  type Durability,
  MemorySaver,
  StateGraph,
} from "@conclave/core";
import { describe, expect, it } from "vitest";

/** A MemorySaver that batches (writes in order, at once) and records each batch's options. */
function recordingSaver() {
  const saver = new MemorySaver() as MemorySaver & {
    batch<T>(work: () => Promise<T>, options?: BatchOptions): Promise<T>;
  };
  const batches: { final: boolean; puts: string[] }[] = [];
  const put = saver.put.bind(saver);
  let open: { final: boolean; puts: string[] } | undefined;
  saver.put = (config, checkpoint, metadata) => {
    open?.puts.push(config.configurable.checkpoint_ns ?? "");
    return put(config, checkpoint, metadata);
  };
  saver.batch = async (work, options) => {
    open = { final: options?.final === true, puts: [] };
    batches.push(open);
    try {
      return await work();
    } finally {
      open = undefined;
    }
  };
  return { saver, batches };
}

const State = Annotation.Root({ n: Annotation<number>() });

function withSubgraph() {
  const inner = new StateGraph(State)
    .addNode("double", (s) => ({ n: s.n * 2 }))
    .addEdge("__start__", "double")
    .compile();
  return new StateGraph(State)
    .addNode("inc", (s) => ({ n: s.n + 1 }))
    .addNode("sub", inner)
    .addEdge("__start__", "inc")
    .addEdge("inc", "sub");
}

describe("the engine's final batch", () => {
  for (const durability of ["async", "exit"] as Durability[]) {
    it(`marks only the root's last batch final, once per invocation (${durability})`, async () => {
      const { saver, batches } = recordingSaver();
      const graph = withSubgraph().compile({ checkpointer: saver });
      const config = { configurable: { thread_id: "t" }, durability };
      expect(await graph.invoke({ n: 1 }, config)).toEqual({ n: 4 });
      expect(batches.filter((b) => b.final)).toHaveLength(1);
      expect(batches.at(-1)?.final).toBe(true);
      expect(batches.at(-1)?.puts).toContain("");
      // Under `exit` the root writes only at its end; the subgraph at its own.
      const early = batches.filter((b) => !b.final).flatMap((b) => b.puts);
      if (durability === "exit") expect(early.every((ns) => ns !== "")).toBe(true);
      expect(await graph.invoke({ n: 2 }, config)).toEqual({ n: 6 });
      expect(batches.filter((b) => b.final)).toHaveLength(2);
      expect(batches.at(-1)?.final).toBe(true);
    });
  }

  it("batches nothing under sync durability", async () => {
    const { saver, batches } = recordingSaver();
    const graph = withSubgraph().compile({ checkpointer: saver });
    await graph.invoke({ n: 1 }, { configurable: { thread_id: "t" }, durability: "sync" });
    expect(batches).toEqual([]);
    expect((await saver.getTuple({ configurable: { thread_id: "t" } }))?.checkpoint).toBeDefined();
  });
});
