/**
 * The contract of fresh threads (core's `FreshThreads`): a run claimed on a thread with no root
 * checkpoint skips its first read of one, and a run on a thread with checkpoints reads them and
 * continues the state.
 */
import { Annotation, type PlatformStore, StateGraph } from "@conclave/core";
import { describe, expect, it } from "vitest";
import { newRun } from "./platform-queue.contract.ts";

/** Counts the store's reads of a thread's newest checkpoint id. */
export interface ReadCounter {
  count(): number;
  reset(): void;
}

const Count = Annotation.Root({
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const graph = new StateGraph(Count)
  .addNode("step", (s: { log: string[] }) => ({ log: [`step:${s.log.length}`] }))
  .addEdge("__start__", "step");

/** `open` gives a set-up store, the counter of its reads, and how to dispose of both. */
export function platformFreshThreadContract(
  name: string,
  open: () => Promise<{ store: PlatformStore; reads: ReadCounter; close: () => Promise<void> }>,
): void {
  describe(`${name}: fresh threads`, () => {
    it("skips the first checkpoint read of a run on a thread with none, and only then", async () => {
      const { store, reads, close } = await open();
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
          reads.reset();
          const values = await app.invoke(input, { configurable: { thread_id: "t" } });
          await store.runs.finish(run!, { status: "success", values }, T);
          return { values, reads: reads.count() };
        };
        const first = await runOn("r1", { log: ["a"] });
        expect(first).toEqual({ values: { log: ["a", "step:1"] }, reads: 0 });
        // The thread has checkpoints now: the second run reads them and continues the state.
        const second = await runOn("r2", { log: ["b"] });
        expect(second.values).toEqual({ log: ["a", "step:1", "b", "step:3"] });
        expect(second.reads).toBeGreaterThan(0);
      } finally {
        await close();
      }
    });
  });
}
