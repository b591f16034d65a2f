/**
 * `finishAudited` on PostgreSQL: a run's end and its audit events are written by one statement
 * (the events into the audit outbox), and `flushPending` of any process chains them.
 */
import type { NewAuditEvent, Run } from "@conclave/core";
import { PostgresAuditLog, PostgresPlatformStore } from "@conclave/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("finish_audit");
});
afterAll(async () => {
  await db?.drop();
});

const T = new Date("2026-11-22T10:00:00.000Z");
let schemas = 0;

async function claimedRun() {
  const schema = `fa_${schemas++}`;
  const store = PostgresPlatformStore.fromConnString(db!.url, { schema });
  await store.setup();
  await store.workers.register({ workerId: "w", graphIds: ["agent"], concurrency: 1 }, T, 30_000);
  await store.runs.enqueue(newRun("r1", { threadId: "t1" }), T);
  const [run] = await store.runs.claim({ workerId: "w", limit: 1, now: T });
  const fence = { runId: run!.runId, generation: run!.generation };
  const log = new PostgresAuditLog(store.pool, { schema });
  return { store, schema, log, fence };
}

const ended = (end: Pick<Run, "status" | "error">): NewAuditEvent[] => [
  {
    tenant: "acme",
    kind: "run.finished",
    actor: "worker:w",
    runId: "r1",
    data: { status: end.status },
  },
];
const kinds = async (log: PostgresAuditLog) =>
  (await log.list({ tenant: "acme" })).map((e) => [e.kind, e.runId]);

describe("PostgresRunQueue.finishAudited", () => {
  it("ends the run with its events in the outbox, which any process's next write chains", async () => {
    const { store, schema, log, fence } = await claimedRun();
    try {
      const run = await store.runs.finishAudited!(fence, { status: "success" }, T, {
        log,
        events: ended,
      });
      expect(run).toMatchObject({ runId: "r1", status: "success" });
      expect(await kinds(log)).toEqual([]);
      // Its process dies here. Another process appends: the outbox goes first, so what the
      // dead one left is chained before the new event.
      const other = PostgresAuditLog.fromConnString(db!.url, { schema });
      try {
        await other.append([{ tenant: "acme", kind: "run.created", actor: "key:k", runId: "r2" }]);
        expect(await kinds(log)).toEqual([
          ["run.finished", "r1"],
          ["run.created", "r2"],
        ]);
        await other.flushPending();
        expect(await kinds(log)).toHaveLength(2);
        expect(await other.verify("acme")).toMatchObject({ ok: true });
      } finally {
        await other.end();
      }
      await log.flushPending();
      expect(await kinds(log)).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it("chains the outbox on flushPending, and writes nothing for a stale fence", async () => {
    const { store, log, fence } = await claimedRun();
    try {
      const stale = { ...fence, generation: fence.generation + 1 };
      await expect(
        store.runs.finishAudited!(stale, { status: "success" }, T, { log, events: ended }),
      ).rejects.toMatchObject({ code: "LEASE_LOST" });
      await store.runs.finishAudited!(
        fence,
        { status: "error", error: { code: "X", message: "m" } },
        T,
        {
          log,
          events: ended,
        },
      );
      await log.flushPending();
      const events = await log.list({ tenant: "acme" });
      expect(events.map((e) => [e.kind, e.data])).toEqual([["run.finished", { status: "error" }]]);
    } finally {
      await store.close();
    }
  });

  it("does nothing for a log on another schema, so the caller ends the run itself", async () => {
    const { store, fence } = await claimedRun();
    const elsewhere = new PostgresAuditLog(store.pool, { schema: `fa_other_${schemas++}` });
    try {
      expect(
        await store.runs.finishAudited!(fence, { status: "success" }, T, {
          log: elsewhere,
          events: ended,
        }),
      ).toBeUndefined();
      expect((await store.runs.get("acme", "r1"))?.status).toBe("running");
    } finally {
      await store.close();
    }
  });
});
