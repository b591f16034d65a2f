import { Annotation, StateGraph } from "@conclave/core";
import { SqlitePlatformStore, SqliteRowStore } from "@conclave/sqlite";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";

const Count = Annotation.Root({
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const graph = new StateGraph(Count)
  .addNode("step", (s: { log: string[] }) => ({ log: [`step:${s.log.length}`] }))
  .addEdge("__start__", "step");

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SqlitePlatformStore fresh threads", () => {
  it("skips the first checkpoint read of a run on a thread with none, and only then", async () => {
    const store = SqlitePlatformStore.fromConnString(":memory:");
    const reads = vi.spyOn(SqliteRowStore.prototype, "latestId");
    try {
      const T = new Date("2026-11-22T10:00:00.000Z");
      await store.workers.register(
        { workerId: "w", graphIds: ["agent"], concurrency: 2 },
        T,
        30_000,
      );
      const runOn = async (runId: string, input: { log: string[] }) => {
        await store.runs.enqueue(newRun(runId, { threadId: "t" }), T);
        const [run] = await store.runs.claim({ workerId: "w", limit: 1, now: T });
        const app = graph.compile({ checkpointer: store.fencedSaver(run!) });
        reads.mockClear();
        const values = await app.invoke(input, { configurable: { thread_id: "t" } });
        await store.runs.finish(run!, { status: "success", values }, T);
        return { values, reads: reads.mock.calls.length };
      };
      const first = await runOn("r1", { log: ["a"] });
      expect(first).toEqual({ values: { log: ["a", "step:1"] }, reads: 0 });
      // The thread has checkpoints now: the second run reads them and continues the state.
      const second = await runOn("r2", { log: ["b"] });
      expect(second.values).toEqual({ log: ["a", "step:1", "b", "step:3"] });
      expect(second.reads).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
