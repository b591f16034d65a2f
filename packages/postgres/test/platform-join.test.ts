/**
 * Joining a run another process executes, on PostgreSQL: the joiner declares that it waits
 * (`watchFinish`), so the finish is announced to it, while finishes nobody waits for are not.
 */
import { Annotation, StateGraph, type WakeEvent } from "@conclave/core";
import { PostgresPlatformStore } from "@conclave/postgres";
import { Runtime } from "@conclave/runtime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("join_watch");
});
afterAll(async () => {
  await db?.drop();
});

const graph = new StateGraph(Annotation.Root({ n: Annotation<number>() }))
  .addNode("inc", (s) => ({ n: s.n + 1 }))
  .addEdge("__start__", "inc")
  .compile();

async function openRuntime() {
  const store = PostgresPlatformStore.fromConnString(db!.url, { schema: "join_watch" });
  await store.setup();
  return { store, runtime: await Runtime.create({ store, graphs: { agent: graph } }) };
}

describe("join on PostgreSQL", () => {
  it("declares the wait, so only the joined run's finish reaches the joiner", async () => {
    const worker = await openRuntime();
    const client = await openRuntime();
    const finished: string[] = [];
    const unsubscribe = await client.store.subscribe((event: WakeEvent) => {
      if (event.kind === "run.finished") finished.push(event.runId);
    });
    const watch = vi.spyOn(client.store, "watchFinish");
    try {
      const unjoined = await client.runtime.submit({ assistant: "agent", input: { n: 0 } });
      const joined = await client.runtime.submit({ assistant: "agent", input: { n: 1 } });
      const joining = client.runtime.join("default", joined.runId);
      await vi.waitFor(() => expect(watch).toHaveBeenCalled());
      await worker.runtime.startWorker();
      expect(await joining).toMatchObject({ status: "success", runId: joined.runId });
      await vi.waitFor(async () =>
        expect((await client.runtime.getRun("default", unjoined.runId)).status).toBe("success"),
      );
      expect(watch.mock.calls.map(([runId]) => runId)).toEqual([joined.runId]);
      // Declared before the run ended, so its finish was announced; the other's was not.
      await vi.waitFor(() => expect(finished).toContain(joined.runId));
      expect(finished).toEqual([joined.runId]);
    } finally {
      await unsubscribe();
      await worker.runtime.close(0);
      await client.runtime.close(0);
      await worker.store.close();
      await client.store.close();
    }
  });

  it("refuses a bad run id to watch, saying what it got", async () => {
    const { store, runtime } = await openRuntime();
    try {
      const now = new Date();
      await expect(store.watchFinish("", now, now)).rejects.toMatchObject({
        code: "INVALID_ID",
        message: expect.stringContaining('got ""'),
      });
    } finally {
      await runtime.close(0);
      await store.close();
    }
  });
});
