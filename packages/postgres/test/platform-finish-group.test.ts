/**
 * Run ends in groups on PostgreSQL (`platform/finish-group.ts`): the ends that arrive together
 * share one statement, and each keeps its own outcome: a stale fence or a conflicting batch
 * fails alone and writes nothing, the others end with their checkpoints and audit events. A
 * group the server refuses is tried again run by run, so one bad run fails alone.
 */
import type { Fence, NewAuditEvent } from "@conclave/core";
import { PostgresAuditLog, PostgresPlatformStore } from "@conclave/postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";
import { checkpointOf, meta } from "../../../test/support/checkpoints.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("finish_group");
});
afterAll(async () => {
  await db?.drop();
});

const T = new Date("2026-11-23T10:00:00.000Z");
let schemas = 0;

/** A store with runs r1..rN claimed, each on its own thread tN. */
async function claimedRuns(n: number) {
  const schema = `fg_${schemas++}`;
  const store = PostgresPlatformStore.fromConnString(db!.url, { schema });
  await store.setup();
  await store.workers.register({ workerId: "w", graphIds: ["agent"], concurrency: n }, T, 30_000);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  for (const i of ids) await store.runs.enqueue(newRun(`r${i}`, { threadId: `t${i}` }), T);
  const runs = await store.runs.claim({ workerId: "w", limit: n, now: T });
  const fences = new Map(runs.map((r) => [r.runId, { runId: r.runId, generation: r.generation }]));
  return { store, schema, fence: (runId: string) => fences.get(runId)! };
}

const root = (thread: string) => ({ configurable: { thread_id: thread, checkpoint_ns: "" } });

const endEvents = (runId: string) => (): NewAuditEvent[] => [
  { tenant: "acme", kind: "run.finished", actor: "worker:w", runId, data: { status: "success" } },
];

/** The group statements sent to the server while `work` runs. */
async function groupStatements(work: () => Promise<unknown>): Promise<number> {
  const query = vi.spyOn(pg.Pool.prototype, "query");
  try {
    await work();
    return query.mock.calls.filter(([config]) =>
      String((config as { name?: string }).name).endsWith("finishGroup"),
    ).length;
  } finally {
    query.mockRestore();
  }
}

async function heldBatch(store: PostgresPlatformStore, fence: Fence, thread: string, n: number) {
  const saver = store.fencedSaver(fence);
  const { held } = await saver.holdBatch!(() =>
    saver.put(root(thread), checkpointOf({}, { n }, { id: `c-${thread}` }), meta(-1)),
  );
  return held;
}

describe("run ends in groups on PostgreSQL", () => {
  it("ends runs that arrive together in one statement, each as if alone", async () => {
    const { store, schema, fence } = await claimedRuns(4);
    const log = new PostgresAuditLog(store.pool, { schema });
    try {
      // t3 already has the checkpoint id r3's batch will put, with other content.
      const before = store.fencedSaver(fence("r3"));
      await before.put(root("t3"), checkpointOf({}, { n: 0 }, { id: "c-t3" }), meta(-1));
      const held1 = await heldBatch(store, fence("r1"), "t1", 1);
      const held2 = await heldBatch(store, fence("r2"), "t2", 2);
      const held3 = await heldBatch(store, fence("r3"), "t3", 3);
      const stale = { ...fence("r2"), generation: fence("r2").generation + 1 };
      let settled: PromiseSettledResult<unknown>[] = [];
      const statements = await groupStatements(async () => {
        settled = await Promise.allSettled([
          store.runs.finishAudited!(fence("r1"), { status: "success", held: held1 }, T, {
            log,
            events: endEvents("r1"),
          }),
          store.runs.finishAudited!(stale, { status: "success", held: held2 }, T, {
            log,
            events: endEvents("r2"),
          }),
          store.runs.finish(fence("r3"), { status: "success", held: held3 }, T),
          store.runs.finish(
            fence("r4"),
            { status: "error", error: { code: "NODE_FAILED", message: "no" } },
            T,
          ),
        ]);
      });
      expect(statements).toBe(1);
      expect(settled.map((s) => s.status)).toEqual([
        "fulfilled",
        "rejected",
        "rejected",
        "fulfilled",
      ]);
      expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: "LEASE_LOST" });
      expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({
        code: "CHECKPOINT_EXISTS",
      });
      const statuses = await Promise.all(
        ["r1", "r2", "r3", "r4"].map(async (id) => (await store.runs.get("acme", id))?.status),
      );
      expect(statuses).toEqual(["success", "running", "running", "error"]);
      const values = async (thread: string) =>
        (await store.saver.getTuple({ configurable: { thread_id: thread } }))?.checkpoint
          .channel_values;
      expect(await values("t1")).toEqual({ n: 1 });
      expect(await values("t2")).toBeUndefined();
      expect(await values("t3")).toEqual({ n: 0 });
      const threads = await Promise.all(
        ["t1", "t2", "t4"].map(async (id) => (await store.threads.get("acme", id))?.status),
      );
      expect(threads).toEqual(["idle", "busy", "error"]);
      await log.flushPending();
      const events = await log.list({ tenant: "acme" });
      expect(events.map((e) => [e.kind, e.runId])).toEqual([["run.finished", "r1"]]);
    } finally {
      await store.close();
    }
  });

  it("tries a group the server refused again run by run, so only the bad run fails", async () => {
    const { store, fence } = await claimedRuns(3);
    try {
      let settled: PromiseSettledResult<unknown>[] = [];
      const statements = await groupStatements(async () => {
        settled = await Promise.allSettled([
          store.runs.finish(fence("r1"), { status: "success" }, T),
          // An invalid time reaches the server as NaN, which a bigint refuses.
          store.runs.finish(fence("r2"), { status: "success" }, new Date(Number.NaN)),
          store.runs.finish(fence("r3"), { status: "success" }, T),
        ]);
      });
      expect(statements).toBe(4);
      expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: "22P02" });
      const statuses = await Promise.all(
        ["r1", "r2", "r3"].map(async (id) => (await store.runs.get("acme", id))?.status),
      );
      expect(statuses).toEqual(["success", "running", "success"]);
    } finally {
      await store.close();
    }
  });
});
