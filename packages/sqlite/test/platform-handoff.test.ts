/**
 * Handoff on SQLite: a worker of the process gets runs claimed inside the transaction that
 * enqueued them, as `claim` would claim them, and only once that transaction committed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClaimRequest, Run, WakeEvent } from "@conclave/core";
import { SqlitePlatformStore } from "@conclave/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-handoff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const T = new Date("2026-11-22T10:00:00.000Z");

async function storeWithWorker(concurrency = 2) {
  const store = SqlitePlatformStore.fromConnString(join(dir, `h-${files++}.db`));
  await store.workers.register({ workerId: "w", graphIds: ["agent"], concurrency }, T, 30_000);
  const woken: WakeEvent[] = [];
  await store.subscribe((event) => woken.push(event));
  return { store, woken };
}

describe("SqliteRunQueue.handoff", () => {
  it("claims enqueued runs for the worker in the enqueue's commit, up to its free slots", async () => {
    const { store, woken } = await storeWithWorker();
    const handed: Run[] = [];
    let free = 1;
    const request = (): ClaimRequest | undefined =>
      free > 0 ? { workerId: "w", limit: free, now: T, graphIds: ["agent"] } : undefined;
    const stop = store.runs.handoff!({
      request,
      claimed: (runs) => {
        free -= runs.length;
        handed.push(...runs);
      },
    });
    try {
      const [first, second] = await Promise.all([
        store.runs.enqueue(newRun("r1", { threadId: "t1" }), T),
        store.runs.enqueue(newRun("r2", { threadId: "t2" }), T),
      ]);
      expect(first!.run.status).toBe("pending");
      expect(handed.map((r) => [r.runId, r.status, r.workerId, r.generation])).toEqual([
        ["r1", "running", "w", 1],
      ]);
      expect((await store.runs.get("acme", "r1"))?.status).toBe("running");
      expect((await store.runs.get("acme", "r2"))?.status).toBe("pending");
      expect(second!.run.runId).toBe("r2");
      // The wake-ups still go out, for other listeners (queue status) and other workers.
      await expect.poll(() => woken.filter((e) => e.kind === "run.pending").length).toBe(2);
      // A later claim does not claim the handed run twice.
      const claimed = await store.runs.claim({ workerId: "w", limit: 5, now: T });
      expect(claimed.map((r) => r.runId)).toEqual(["r2"]);
    } finally {
      stop();
      await store.close();
    }
  });

  it("claims nothing for a worker without free slots, or once stopped", async () => {
    const { store } = await storeWithWorker();
    const handed: Run[] = [];
    const stop = store.runs.handoff!({
      request: () => undefined,
      claimed: (r) => handed.push(...r),
    });
    try {
      await store.runs.enqueue(newRun("r1", { threadId: "t1" }), T);
      stop();
      const stopped = store.runs.handoff!({
        request: () => ({ workerId: "w", limit: 1, now: T }),
        claimed: (r) => handed.push(...r),
      });
      stopped();
      await store.runs.enqueue(newRun("r2", { threadId: "t2" }), T);
      expect(handed).toEqual([]);
      expect((await store.runs.get("acme", "r2"))?.status).toBe("pending");
    } finally {
      await store.close();
    }
  });

  it("keeps the enqueue when the handoff claim fails, and hands nothing", async () => {
    const { store } = await storeWithWorker();
    const handed: Run[] = [];
    // An unregistered worker: the claim throws WORKER_NOT_REGISTERED inside the commit.
    const stop = store.runs.handoff!({
      request: () => ({ workerId: "ghost", limit: 1, now: T }),
      claimed: (r) => handed.push(...r),
    });
    try {
      await store.runs.enqueue(newRun("r1", { threadId: "t1" }), T);
      expect(handed).toEqual([]);
      expect((await store.runs.get("acme", "r1"))?.status).toBe("pending");
      expect(store.db.inTransaction).toBe(false);
    } finally {
      stop();
      await store.close();
    }
  });
});
