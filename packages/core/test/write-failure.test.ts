/**
 * A checkpoint write that fails while a node is still running (the database went away) must
 * reach the caller through invoke's rejection, and never as an unhandled rejection, which
 * would end a Node process. Found by the server's database-outage test.
 */
import { Annotation, MemorySaver, StateGraph } from "@conclave/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const State = Annotation.Root({
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** Resolves after a macrotask, so a node is still running when a write fails. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A saver whose writes fail once `down` is set, asynchronously like a driver's. */
function failingSaver() {
  const saver = new MemorySaver();
  const state = { down: false };
  const put = saver.put.bind(saver);
  const putWrites = saver.putWrites.bind(saver);
  const refuse = async () => {
    await Promise.resolve();
    throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  };
  saver.put = (...args) => (state.down ? refuse() : put(...args));
  saver.putWrites = (...args) => (state.down ? refuse() : putWrites(...args));
  return { saver, state };
}

let unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", record);
});
afterEach(() => {
  process.off("unhandledRejection", record);
});

describe("a checkpoint write failing mid-run", () => {
  it("rejects invoke and leaves nothing unhandled (async durability)", async () => {
    const { saver, state } = failingSaver();
    const graph = new StateGraph(State)
      .addNode("a", async () => {
        state.down = true;
        await tick();
        return { log: ["a"] };
      })
      .addNode("b", async () => {
        await tick();
        return { log: ["b"] };
      })
      .addEdge("__start__", "a")
      .addEdge("a", "b")
      .compile({ checkpointer: saver });
    await expect(graph.invoke({ log: [] }, { configurable: { thread_id: "t" } })).rejects.toThrow(
      "ECONNREFUSED",
    );
    await tick();
    expect(unhandled).toEqual([]);
  });

  it("rejects invoke and leaves nothing unhandled when a sibling's writes fail (sync)", async () => {
    const { saver, state } = failingSaver();
    const graph = new StateGraph(State)
      .addNode("fast", () => {
        state.down = true;
        return { log: ["fast"] };
      })
      .addNode("slow", async () => {
        await tick();
        await tick();
        return { log: ["slow"] };
      })
      .addEdge("__start__", "fast")
      .addEdge("__start__", "slow")
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t" }, durability: "sync" as const };
    await expect(graph.invoke({ log: [] }, config)).rejects.toThrow("ECONNREFUSED");
    await tick();
    expect(unhandled).toEqual([]);
  });
});
