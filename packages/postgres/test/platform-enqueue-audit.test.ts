/**
 * `enqueueAudited` on PostgreSQL: the `run.created` events of the runs an enqueue creates go
 * into the audit outbox in the enqueue's own statement (every enqueue path: one run, a fresh
 * batch, a multitask strategy, an idempotency key), so the trail can never miss a run that
 * exists, and nothing is written for a run that was not created.
 */
import type { EnqueueAudit, NewAuditEvent, NewRun } from "@conclave/core";
import { PostgresAuditLog, PostgresPlatformStore } from "@conclave/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("enqueue_audit");
});
afterAll(async () => {
  await db?.drop();
});

const T = new Date("2026-11-23T10:00:00.000Z");
let schemas = 0;

async function open() {
  const schema = `ea_${schemas++}`;
  const store = PostgresPlatformStore.fromConnString(db!.url, { schema });
  await store.setup();
  const log = new PostgresAuditLog(store.pool, { schema });
  const outbox = async () => {
    const sql = `SELECT event FROM "${schema}".conclave_audit_outbox ORDER BY id`;
    const { rows } = await store.pool.query<{ event: string }>(sql);
    return rows.map((row) => (JSON.parse(row.event) as NewAuditEvent).runId);
  };
  return { store, schema, log, outbox };
}

const created = (run: NewRun): NewAuditEvent => ({
  tenant: run.tenant,
  kind: "run.created",
  actor: "key:k1",
  runId: run.runId,
  threadId: run.threadId,
  data: { assistantId: run.assistantId },
});

const auditOf = (log: PostgresAuditLog, runs: NewRun[]): EnqueueAudit => ({
  log,
  events: runs.map((run) => [created(run)]),
});

describe("PostgresRunQueue.enqueueAudited", () => {
  it("writes each created run's events with it, on every enqueue path, in batch order", async () => {
    const { store, log, outbox } = await open();
    try {
      const lone = [newRun("r1")];
      await store.runs.enqueueAudited!(lone, T, auditOf(log, lone));
      const fresh = [newRun("r2"), newRun("r3")];
      await store.runs.enqueueAudited!(fresh, T, auditOf(log, fresh));
      // An existing thread with a strategy takes the transaction path.
      const queued = [newRun("r4", { threadId: "thread-r1", ifNotExists: "reject" })];
      await store.runs.enqueueAudited!(queued, T, auditOf(log, queued));
      expect(await outbox()).toEqual(["r1", "r2", "r3", "r4"]);
      // Nothing is in the chain until the log takes the outbox, then all in that order.
      expect(await log.list({ tenant: "acme" })).toEqual([]);
      await log.flushPending();
      const events = await log.list({ tenant: "acme" });
      expect(events.map((e) => [e.kind, e.runId])).toEqual(
        ["r1", "r2", "r3", "r4"].map((id) => ["run.created", id]),
      );
      expect(await outbox()).toEqual([]);
      expect(await log.verify("acme")).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });

  it("writes nothing for a repeated idempotency key or a refused enqueue", async () => {
    const { store, log, outbox } = await open();
    try {
      const keyed = [newRun("k1", { idempotencyKey: "once" })];
      const [first] = (await store.runs.enqueueAudited!(keyed, T, auditOf(log, keyed)))!;
      expect(first).toMatchObject({ created: true });
      const again = [newRun("k2", { idempotencyKey: "once" })];
      const [repeat] = (await store.runs.enqueueAudited!(again, T, auditOf(log, again)))!;
      expect(repeat).toMatchObject({ created: false, run: { runId: "k1" } });
      const busy = [newRun("k3", { threadId: "thread-k1", multitaskStrategy: "reject" })];
      await expect(store.runs.enqueueAudited!(busy, T, auditOf(log, busy))).rejects.toMatchObject({
        code: "THREAD_BUSY",
      });
      const missing = [newRun("k4", { threadId: "nowhere", ifNotExists: "reject" })];
      await expect(
        store.runs.enqueueAudited!(missing, T, auditOf(log, missing)),
      ).rejects.toMatchObject({ code: "THREAD_NOT_FOUND" });
      expect(await outbox()).toEqual(["k1"]);
    } finally {
      await store.close();
    }
  });

  it("chains an outbox of more than one batch before an append's own events", async () => {
    const { store, schema, log } = await open();
    try {
      const backlog = Array.from({ length: 5_001 }, (_, i) => created(newRun(`b${i}`)));
      await store.pool.query(
        `INSERT INTO "${schema}".conclave_audit_outbox (event) SELECT unnest($1::text[])`,
        [log.prepareForOutbox(backlog)],
      );
      const [appended] = await log.append([created(newRun("late"))]);
      expect(appended).toMatchObject({ runId: "late", seq: 5_002 });
      const head = await log.head("acme");
      expect(head?.seq).toBe(5_002);
      expect(await log.verify("acme")).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });

  it("leaves an event the log refuses to the caller, having enqueued nothing", async () => {
    const { store, log } = await open();
    try {
      const runs = [newRun("bad")];
      const refused = { log, events: [[{ ...created(runs[0]!), kind: "" }]] };
      expect(await store.runs.enqueueAudited!(runs, T, refused)).toBeUndefined();
      expect(await store.runs.get("acme", "bad")).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it("leaves a log it cannot join to the caller, having enqueued nothing", async () => {
    const { store, schema } = await open();
    const elsewhere = PostgresAuditLog.fromConnString(db!.url, { schema });
    try {
      const runs = [newRun("x1")];
      expect(await store.runs.enqueueAudited!(runs, T, auditOf(elsewhere, runs))).toBeUndefined();
      expect(await store.runs.get("acme", "x1")).toBeUndefined();
    } finally {
      await elsewhere.end();
      await store.close();
    }
  });
});
