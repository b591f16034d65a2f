import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Annotation, StateGraph } from "@conclave/core";
import { SqlitePlatformStore } from "@conclave/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { platformAssistantCheckContract } from "../../../test/contracts/platform-assistant-check.contract.ts";
import { platformBatchContract } from "../../../test/contracts/platform-batch.contract.ts";
import { newRun, platformQueueContract } from "../../../test/contracts/platform-queue.contract.ts";
import { platformResourcesContract } from "../../../test/contracts/platform-resources.contract.ts";
import { startPlatformChild } from "../../../test/support/platform-child.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-platform-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `platform-${files++}.db`);

const make = async () => {
  const store = SqlitePlatformStore.fromConnString(freshFile());
  return { store, cleanup: () => store.close() };
};

platformResourcesContract("SqlitePlatformStore", make);
platformQueueContract("SqlitePlatformStore", make);
platformBatchContract("SqlitePlatformStore", make);
platformAssistantCheckContract("SqlitePlatformStore", make);

const State = Annotation.Root({ n: Annotation<number>() });
const workerScript = fileURLToPath(new URL("./platform-worker.ts", import.meta.url));

/** Starts platform-worker.ts; resolves `ready` once it registered, `finished` with its runs. */
function startWorker(file: string, workerId: string) {
  return startPlatformChild(workerScript, [file], workerId);
}

describe("SqlitePlatformStore across processes", () => {
  it("two processes claim and finish 200 runs from one file: each exactly once", async () => {
    const file = freshFile();
    const store = SqlitePlatformStore.fromConnString(file);
    try {
      const T = new Date();
      // Five runs on each of 40 threads, so the processes also contend for each thread's line.
      for (let i = 0; i < 200; i++) {
        await store.runs.enqueue(newRun(`r${i}`, { threadId: `t${i % 40}` }), T);
      }
      const workers = [startWorker(file, "p1"), startWorker(file, "p2")];
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.go();
      const [one, two] = await Promise.all(workers.map((w) => w.finished));
      const all = [...one!, ...two!];
      expect(all.length).toBe(200);
      expect(new Set(all).size).toBe(200);
      const runs = await store.runs.list({ tenant: "acme", limit: 1000 });
      expect(runs.length).toBe(200);
      expect(runs.every((r) => r.status === "success" && r.attempt === 1)).toBe(true);
      expectOneAtATimePerThread(workers.flatMap((w) => w.lines));
      const thread = await store.threads.get("acme", "t0");
      expect(thread).toMatchObject({ status: "idle", values: { n: 1 } });
    } finally {
      await store.close();
    }
  });

  it("rejects a stale claim's checkpoint write made through another connection", async () => {
    const file = freshFile();
    const first = SqlitePlatformStore.fromConnString(file);
    const second = SqlitePlatformStore.fromConnString(file);
    try {
      const T = new Date("2026-11-22T10:00:00.000Z");
      await first.runs.enqueue(newRun("r1", { threadId: "t" }), T);
      await first.workers.register(
        { workerId: "w1", graphIds: ["agent"], concurrency: 1 },
        T,
        1000,
      );
      const [held] = await first.runs.claim({ workerId: "w1", limit: 1, now: T });
      const stale = first.fencedSaver({ runId: "r1", generation: held!.generation });
      // The other connection (another process, in effect) sweeps the lapsed lease and claims.
      const later = new Date(T.getTime() + 5000);
      await second.workers.register(
        { workerId: "w2", graphIds: ["agent"], concurrency: 1 },
        later,
        1000,
      );
      expect((await second.workers.sweep(later)).requeued).toEqual(["r1"]);
      expect((await second.runs.claim({ workerId: "w2", limit: 1, now: later })).length).toBe(1);
      const graph = new StateGraph(State)
        .addNode("inc", (st) => ({ n: st.n + 1 }))
        .addEdge("__start__", "inc")
        .compile({ checkpointer: stale });
      await expect(
        graph.invoke({ n: 1 }, { configurable: { thread_id: "t" } }),
      ).rejects.toMatchObject({
        code: "LEASE_LOST",
      });
      expect(await second.saver.getTuple({ configurable: { thread_id: "t" } })).toBeUndefined();
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe("SqlitePlatformStore batches", () => {
  it("group-commits concurrent enqueues: a failing one rolls back alone, the rest commit and wake", async () => {
    const store = SqlitePlatformStore.fromConnString(freshFile());
    try {
      const T = new Date("2026-11-22T10:00:00.000Z");
      const woken: string[] = [];
      const unsubscribe = await store.subscribe((event) => {
        if (event.kind === "run.pending") woken.push(event.runId);
      });
      await store.runs.enqueue(newRun("r1", { threadId: "t1" }), T);
      const results = await Promise.allSettled([
        store.runs.enqueue(newRun("r2", { threadId: "t2" }), T),
        // Taken run id: its savepoint (the new thread t-dup included) rolls back.
        store.runs.enqueue(newRun("r1", { threadId: "t-dup" }), T),
        store.runs.enqueue(newRun("r3", { threadId: "t3" }), T),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "RUN_EXISTS" });
      expect(await store.threads.get("acme", "t-dup")).toBeUndefined();
      expect((await store.runs.get("acme", "r3"))?.threadId).toBe("t3");
      await expect.poll(() => woken.sort()).toEqual(["r1", "r2", "r3"]);
      expect(store.db.inTransaction).toBe(false);
      await unsubscribe();
    } finally {
      await store.close();
    }
  });

  it("a failing fenced batch keeps what other runs wrote while it was open", async () => {
    const store = SqlitePlatformStore.fromConnString(freshFile());
    try {
      const T = new Date("2026-11-22T10:00:00.000Z");
      await store.runs.enqueue(newRun("r1", { threadId: "t1" }), T);
      await store.runs.enqueue(newRun("r2", { threadId: "t2" }), T);
      await store.workers.register({ workerId: "w", graphIds: ["agent"], concurrency: 2 }, T, 1000);
      const [r1, r2] = await store.runs.claim({ workerId: "w", limit: 2, now: T });
      const stale = store.fencedSaver({ runId: r1!.runId, generation: r1!.generation + 1 });
      const graph = new StateGraph(State)
        .addNode("inc", (st) => ({ n: st.n + 1 }))
        .addEdge("__start__", "inc")
        .compile({ checkpointer: stale });
      const batch = stale.batch!(async () => {
        // Another run's finish lands inside this batch's transaction, as it would when its
        // promise chain interleaves with the batch's awaits.
        await store.runs.finish(
          { runId: r2!.runId, generation: r2!.generation },
          { status: "success" },
          T,
        );
        await graph.invoke({ n: 1 }, { configurable: { thread_id: "t1" } });
      });
      await expect(batch).rejects.toMatchObject({ code: "LEASE_LOST" });
      expect(store.db.inTransaction).toBe(false);
      expect(await store.runs.get("acme", r2!.runId)).toMatchObject({ status: "success" });
      expect(await store.saver.getTuple({ configurable: { thread_id: "t1" } })).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

/** Runs of one thread never overlapped: each started after the previous one ended. */
/**
 * No thread ran two runs at once: by the workers' own stamps, each run of a thread was claimed
 * after the one before it asked to finish. The stores' `startedAt`/`endedAt` cannot show it,
 * since each is the caller's clock read before its statement waited for the write lock.
 */
function expectOneAtATimePerThread(lines: string[]) {
  type Span = { threadId: string; claimed: number; ending: number };
  const spans = lines
    .filter((line) => line.startsWith("spans "))
    .flatMap((line) => JSON.parse(line.slice("spans ".length)) as Span[]);
  expect(spans).toHaveLength(200);
  const byThread = new Map<string, Span[]>();
  for (const span of spans)
    byThread.set(span.threadId, [...(byThread.get(span.threadId) ?? []), span]);
  for (const line of byThread.values()) {
    line.sort((a, b) => a.claimed - b.claimed || a.ending - b.ending);
    for (let i = 1; i < line.length; i++) {
      expect(line[i]!.claimed).toBeGreaterThanOrEqual(line[i - 1]!.ending);
    }
  }
}
