/**
 * Audit durability on the stores that can write a run's audit events in their own statements.
 * - `exit` (`RunQueue.finishAudited`): a run's held lifecycle events and its end event are
 *   written by the statement that ends it, not appended afterwards. On PostgreSQL they wait in
 *   the audit outbox until the sink chains them (`flush`, or shortly after the run ended).
 * - `async` (the default): a run's own events are held for a short while, so a run that ends
 *   within it has them written by the statement that ends it; a longer run has them appended
 *   while it runs. On PostgreSQL `run.created` is written by the enqueue itself
 *   (`RunQueue.enqueueAudited`), so short runs cost no audit append at all.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Annotation, type AuditLog, type PlatformStore, StateGraph } from "@conclave/core";
import { PostgresAuditLog, PostgresPlatformStore } from "@conclave/postgres";
import { Runtime } from "@conclave/runtime";
import { SqliteAuditLog, SqlitePlatformStore } from "@conclave/sqlite";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { expectLifecycles, spyAppends } from "./audit-trails.ts";

const State = Annotation.Root({ q: Annotation<string>() });
const graph = () =>
  new StateGraph(State)
    .addNode("answer", () => ({ q: "done" }))
    .addEdge("__start__", "answer")
    .compile();

let pg: TestDatabase | undefined;
const tmp = mkdtempSync(join(tmpdir(), "conclave-audit-durability-"));
beforeAll(async () => {
  pg = await createTestDatabase("audit_durability");
});
afterAll(async () => {
  await pg?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Backend {
  store: PlatformStore;
  log: AuditLog;
  /** Events left in a store's outbox, not yet chained. */
  outbox(): Promise<number>;
  /** Whether the store writes `run.created` with the run (`RunQueue.enqueueAudited`). */
  createdWithRun: boolean;
}

let opened = 0;
const BACKENDS: [string, () => Promise<Backend>][] = [
  [
    "SQLite",
    async () => {
      const store = SqlitePlatformStore.fromConnString(join(tmp, `audit-${opened++}.db`));
      return {
        store,
        log: new SqliteAuditLog(store.db),
        outbox: async () => 0,
        createdWithRun: false,
      };
    },
  ],
  [
    "PostgreSQL",
    async () => {
      const schema = `audit_${opened++}`;
      const store = PostgresPlatformStore.fromConnString(pg!.url, { schema });
      await store.setup();
      const log = new PostgresAuditLog(store.pool, { schema });
      const outbox = async () => {
        const sql = `SELECT count(*)::int AS n FROM "${schema}".conclave_audit_outbox`;
        return (await store.pool.query<{ n: number }>(sql)).rows[0]!.n;
      };
      return { store, log, outbox, createdWithRun: true };
    },
  ],
];

describe.each(BACKENDS)("exit audit durability on %s", (_name, open) => {
  it("writes a run's held events and its end with the end itself, in order", async () => {
    const { store, log, outbox, createdWithRun } = await open();
    const appended = spyAppends(log);
    const runtime = await Runtime.create({
      store,
      graphs: { qa: graph },
      audit: { log, durability: "exit" },
    });
    const finishAudited = vi.spyOn(store.runs, "finishAudited");
    try {
      const runs = await Promise.all(
        ["t1", "t2"].map((thread) =>
          runtime.submit({ assistant: "qa", thread, input: { q: thread } }),
        ),
      );
      // Their `run.created` is in the log before any starts: nothing of this process is buffered.
      // PostgreSQL wrote it with the run, so nothing was appended.
      await runtime.audit!.flush();
      const created = createdWithRun ? [] : ["run.created", "run.created"];
      expect(appended).toEqual(created);
      const early = await log.list({ tenant: "default" });
      expect(early.map((e) => e.kind)).toEqual(["run.created", "run.created"]);
      await runtime.startWorker();
      for (const run of runs) await runtime.join("default", run.runId);
      // PostgreSQL's outbox is chained shortly after the runs ended, without a flush.
      await vi.waitFor(async () => expect(await outbox()).toBe(0), { timeout: 5000 });
      await runtime.audit!.flush();
      expect(finishAudited).toHaveBeenCalledTimes(2);
      expect(appended).toEqual(created);
      await expectLifecycles(log, runs);
      expect(await outbox()).toBe(0);
    } finally {
      await runtime.close(0);
      await store.close();
    }
  });
});

describe.each(BACKENDS)("async audit durability on %s", (_name, open) => {
  it("writes a short run's events with its enqueue and its end, in order", async () => {
    const { store, log, createdWithRun } = await open();
    const appended = spyAppends(log);
    const runtime = await Runtime.create({ store, graphs: { qa: graph }, audit: { log } });
    try {
      await runtime.startWorker();
      const runs = [];
      for (const thread of ["t1", "t2", "t3"])
        runs.push(await runtime.submit({ assistant: "qa", thread, input: { q: thread } }));
      for (const run of runs) await runtime.join("default", run.runId);
      await runtime.audit!.flush();
      if (createdWithRun) expect(appended).toEqual([]);
      await expectLifecycles(log, runs);
    } finally {
      await runtime.close(0);
      await store.close();
    }
  });

  it("appends a long run's start while it runs, and its end after it", async () => {
    const { store, log } = await open();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new StateGraph(State)
      .addNode("slow", async () => {
        await gate;
        return { q: "done" };
      })
      .addEdge("__start__", "slow")
      .compile();
    const runtime = await Runtime.create({ store, graphs: { qa: slow }, audit: { log } });
    try {
      await runtime.startWorker();
      const run = await runtime.submit({ assistant: "qa", thread: "long", input: { q: "?" } });
      const kindsOf = async () =>
        (await log.list({ tenant: "default", runId: run.runId })).map((e) => e.kind);
      // No flush: the hold runs out by itself while the node still waits.
      await vi.waitFor(
        async () => expect(await kindsOf()).toEqual(["run.created", "run.started"]),
        {
          timeout: 5_000,
        },
      );
      expect((await runtime.getRun("default", run.runId)).status).toBe("running");
      release();
      await runtime.join("default", run.runId);
      await runtime.audit!.flush();
      expect(await kindsOf()).toEqual(["run.created", "run.started", "run.finished"]);
      expect(await log.verify("default")).toMatchObject({ ok: true });
    } finally {
      release();
      await runtime.close(0);
      await store.close();
    }
  });
});
