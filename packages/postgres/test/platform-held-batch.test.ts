/**
 * A run's last checkpoint batch written by the statement that ends it (`RunOutcome.held`,
 * `finishGroup`): a batch in conflict ends nothing, a batch of another schema's saver is
 * written first, and a runtime's runs store their last checkpoints with their end.
 */
import { Annotation, type Fence, StateGraph } from "@conclave/core";
import { PostgresChainSaver, PostgresPlatformStore, PostgresRowStore } from "@conclave/postgres";
import { Runtime } from "@conclave/runtime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";
import { checkpointOf, meta } from "../../../test/support/checkpoints.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("held_batch");
});
afterAll(async () => {
  await db?.drop();
});

const T = new Date("2026-11-23T10:00:00.000Z");
let schemas = 0;

async function openStore() {
  const store = PostgresPlatformStore.fromConnString(db!.url, { schema: `hb_${schemas++}` });
  await store.setup();
  await store.workers.register({ workerId: "w", graphIds: ["agent"], concurrency: 5 }, T, 30_000);
  return store;
}

async function claimed(store: PostgresPlatformStore, runId: string, threadId: string) {
  await store.runs.enqueue(newRun(runId, { threadId }), T);
  const [run] = await store.runs.claim({ workerId: "w", limit: 1, now: T });
  return { runId, generation: run!.generation } satisfies Fence;
}

const root = (thread: string) => ({ configurable: { thread_id: thread, checkpoint_ns: "" } });

describe("finish with a held checkpoint batch on PostgreSQL", () => {
  it("ends nothing and stores nothing when a held row conflicts with a stored one", async () => {
    const store = await openStore();
    try {
      const fence = await claimed(store, "r1", "t");
      const saver = store.fencedSaver(fence);
      await saver.put(root("t"), checkpointOf({}, { n: 1 }, { id: "c1" }), meta(-1));
      const { held } = await saver.holdBatch!(() =>
        saver.put(root("t"), checkpointOf({}, { n: 2 }, { id: "c1" }), meta(-1)),
      );
      await expect(store.runs.finish(fence, { status: "success", held }, T)).rejects.toMatchObject({
        code: "CHECKPOINT_EXISTS",
      });
      expect((await store.runs.get("acme", "r1"))?.status).toBe("running");
      const tuple = await store.saver.getTuple({ configurable: { thread_id: "t" } });
      expect(tuple?.checkpoint.channel_values).toEqual({ n: 1 });
    } finally {
      await store.close();
    }
  });

  it("writes a batch held by another schema's saver before ending the run", async () => {
    const store = await openStore();
    const other = await openStore();
    try {
      const fence = await claimed(store, "r1", "t");
      const foreign = await claimed(other, "r1", "t");
      const saver = other.fencedSaver(foreign);
      const { held } = await saver.holdBatch!(() =>
        saver.put(root("t"), checkpointOf({}, { n: 3 }), meta(-1)),
      );
      await store.runs.finish(fence, { status: "success", held }, T);
      expect((await store.runs.get("acme", "r1"))?.status).toBe("success");
      const mine = await store.saver.getTuple({ configurable: { thread_id: "t" } });
      const theirs = await other.saver.getTuple({ configurable: { thread_id: "t" } });
      expect([mine, theirs?.checkpoint.channel_values]).toEqual([undefined, { n: 3 }]);
    } finally {
      await store.close();
      await other.close();
    }
  });

  for (const durability of ["async", "exit"] as const) {
    it(`ends each run of a runtime with its last checkpoints in one statement (${durability})`, async () => {
      const store = await openStore();
      const State = Annotation.Root({ n: Annotation<number>() });
      const graph = new StateGraph(State)
        .addNode("one", (s) => ({ n: s.n + 1 }))
        .addNode("two", (s) => ({ n: s.n * 10 }))
        .addEdge("__start__", "one")
        .addEdge("one", "two")
        .compile();
      const runtime = await Runtime.create({ store, graphs: { agent: graph } });
      const held = vi.spyOn(PostgresChainSaver.prototype, "holdBatch");
      const separately = vi.spyOn(PostgresRowStore.prototype, "storeBatch");
      try {
        await runtime.startWorker();
        const runs = await Promise.all(
          [1, 2, 3].map((n) =>
            runtime.submit({ assistant: "agent", thread: `t${n}`, input: { n }, durability }),
          ),
        );
        for (const run of runs) {
          expect(await runtime.join("default", run.runId)).toMatchObject({ status: "success" });
        }
        expect(held).toHaveBeenCalledTimes(3);
        // Under `exit` every write is the last batch's; `async` stores earlier steps as it goes.
        if (durability === "exit") expect(separately).not.toHaveBeenCalled();
        for (const n of [1, 2, 3]) {
          const thread = { configurable: { thread_id: `t${n}` } };
          const tuple = await store.saver.getTuple(thread);
          expect(tuple?.checkpoint.channel_values).toEqual({ n: (n + 1) * 10 });
          let stored = 0;
          for await (const _ of store.saver.list(thread)) stored++;
          expect(stored).toBe(durability === "exit" ? 1 : 4);
          expect((await store.saver.verify(`t${n}`)).ok).toBe(true);
        }
      } finally {
        held.mockRestore();
        separately.mockRestore();
        await runtime.close(0);
        await store.close();
      }
    });
  }
});
