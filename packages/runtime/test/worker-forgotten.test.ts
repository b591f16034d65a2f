/**
 * A worker that was forgotten (its registration removed, as the sweeper does once a lease has
 * lapsed for long: a suspended VM, a partition) registers again at its next claim and keeps
 * working, instead of failing every claim with WORKER_NOT_REGISTERED from then on.
 */
import { Annotation, MemoryPlatformStore, type PlatformStore, StateGraph } from "@conclave/core";
import { PostgresPlatformStore } from "@conclave/postgres";
import { Runtime } from "@conclave/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let pg: TestDatabase | undefined;
beforeAll(async () => {
  pg = await createTestDatabase("worker_forgotten");
});
afterAll(async () => {
  await pg?.drop();
});

const STORES: [string, () => Promise<PlatformStore>][] = [
  ["memory", async () => new MemoryPlatformStore()],
  [
    "PostgreSQL",
    async () => {
      const store = PostgresPlatformStore.fromConnString(pg!.url, { schema: "forgotten" });
      await store.setup();
      return store;
    },
  ],
];

const graph = () =>
  new StateGraph(Annotation.Root({ q: Annotation<string>() }))
    .addNode("answer", () => ({ q: "done" }))
    .addEdge("__start__", "answer")
    .compile();

describe.each(STORES)("a forgotten worker on %s", (_name, open) => {
  it("registers again at its next claim and runs what was submitted", async () => {
    const store = await open();
    const runtime = await Runtime.create({ store, graphs: { qa: graph } });
    try {
      const worker = await runtime.startWorker({ leaseMs: 60_000 });
      const first = await runtime.submit({ assistant: "qa", thread: "a", input: { q: "1" } });
      await runtime.join("default", first.runId);
      await store.workers.deregister(worker.workerId);
      expect(await store.workers.list(new Date())).toEqual([]);
      const second = await runtime.submit({ assistant: "qa", thread: "b", input: { q: "2" } });
      expect(await runtime.join("default", second.runId)).toMatchObject({ status: "success" });
      const workers = await store.workers.list(new Date());
      expect(workers.map((w) => w.workerId)).toEqual([worker.workerId]);
    } finally {
      await runtime.close(0);
      await store.close?.();
    }
  });
});
