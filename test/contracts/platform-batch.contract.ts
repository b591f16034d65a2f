/**
 * The contract of `enqueueMany`: a batch enqueues in order, each run as `enqueue` would
 * (later runs see the earlier ones), and all of it or none of it. Both shapes are covered: runs
 * that each create their thread with the "enqueue" strategy (one statement on PostgreSQL), and
 * batches with strategies, idempotency keys or existing threads.
 */
import type { PlatformStore, WakeEvent } from "@conclave/core";
import { describe, expect, it } from "vitest";
import { newRun } from "./platform-queue.contract.ts";
import { at, type MakePlatform, T0, withStore } from "./platform-resources.contract.ts";

async function claimAll(store: PlatformStore, now = T0): Promise<string[]> {
  await store.workers.register(
    { workerId: "w", graphIds: ["agent"], concurrency: 50 },
    now,
    30_000,
  );
  const runs = await store.runs.claim({ workerId: "w", limit: 50, now });
  return runs.map((run) => run.runId).sort();
}

export function platformBatchContract(name: string, make: MakePlatform): void {
  describe(`${name}: enqueue batches`, () => {
    it("enqueues in order: one line per thread, each run announced", () =>
      withStore(make, async (store) => {
        const events: WakeEvent[] = [];
        const unsubscribe = await store.subscribe((event) => events.push(event));
        const onT = (runId: string) => newRun(runId, { threadId: "t", threadMetadata: { n: 1 } });
        const results = await store.runs.enqueueMany(
          [onT("r1"), onT("r2"), newRun("r3"), onT("r4")],
          T0,
        );
        expect(results.map((r) => [r.run.runId, r.created, r.run.status])).toEqual([
          ["r1", true, "pending"],
          ["r2", true, "pending"],
          ["r3", true, "pending"],
          ["r4", true, "pending"],
        ]);
        expect(await store.threads.get("acme", "t")).toMatchObject({
          status: "busy",
          metadata: { n: 1 },
        });
        // One running run per thread, first in line first.
        expect(await claimAll(store)).toEqual(["r1", "r3"]);
        await store.runs.finish({ runId: "r1", generation: 1 }, { status: "success" }, at(1));
        expect(await claimAll(store, at(2))).toEqual(["r2"]);
        await store.runs.finish({ runId: "r2", generation: 1 }, { status: "success" }, at(3));
        expect(await claimAll(store, at(4))).toEqual(["r4"]);
        await store.runs.finish({ runId: "r4", generation: 1 }, { status: "success" }, at(5));
        expect((await store.threads.get("acme", "t"))?.status).toBe("idle");
        await expect
          .poll(() => events.filter((e) => e.kind === "run.pending").map((e) => e.runId))
          .toEqual(["r1", "r2", "r3", "r4"]);
        await unsubscribe();
      }));

    it("stores nothing when one run fails, and says which", () =>
      withStore(make, async (store) => {
        const events: WakeEvent[] = [];
        const unsubscribe = await store.subscribe((event) => events.push(event));
        await store.runs.enqueue(newRun("r0"), T0);
        await expect(
          store.runs.enqueueMany([newRun("r1"), newRun("r0", { threadId: "other" })], T0),
        ).rejects.toMatchObject({ code: "RUN_EXISTS", message: expect.stringContaining('"r0"') });
        await expect(
          store.runs.enqueueMany([newRun("r2"), newRun("r3", { ifNotExists: "reject" })], T0),
        ).rejects.toMatchObject({ code: "THREAD_NOT_FOUND" });
        for (const runId of ["r1", "r2", "r3"])
          expect(await store.runs.get("acme", runId)).toBeUndefined();
        for (const threadId of ["thread-r1", "other", "thread-r2"])
          expect(await store.threads.get("acme", threadId)).toBeUndefined();
        // A later enqueue still works, and nothing from the failed batches was announced.
        await store.runs.enqueue(newRun("r9"), at(1));
        await expect.poll(() => events.map((e) => e.runId)).toEqual(["r0", "r9"]);
        await unsubscribe();
      }));

    it("applies strategies and idempotency keys against earlier runs of the batch", () =>
      withStore(make, async (store) => {
        const results = await store.runs.enqueueMany(
          [
            newRun("k1", { idempotencyKey: "k" }),
            newRun("k2", { idempotencyKey: "k" }),
            newRun("a", { threadId: "t" }),
            newRun("b", { threadId: "t", multitaskStrategy: "interrupt" }),
          ],
          T0,
        );
        expect(results.map((r) => [r.run.runId, r.created])).toEqual([
          ["k1", true],
          ["k1", false],
          ["a", true],
          ["b", true],
        ]);
        expect(results[3]!.displaced.map((run) => run.runId)).toEqual(["a"]);
        expect((await store.runs.get("acme", "a"))?.status).toBe("cancelled");
        await expect(
          store.runs.enqueueMany(
            [
              newRun("c", { threadId: "t" }),
              newRun("d", { threadId: "t", multitaskStrategy: "reject" }),
            ],
            T0,
          ),
        ).rejects.toMatchObject({ code: "THREAD_BUSY" });
        expect(await store.runs.get("acme", "c")).toBeUndefined();
        expect(await store.runs.enqueueMany([], T0)).toEqual([]);
      }));
  });
}
