/**
 * `exit` audit durability on the stores that can end a run together with its audit events
 * (`RunQueue.finishAudited`): a run's held lifecycle events and its end event are written by
 * the statement that ends it, not appended afterwards. On PostgreSQL they wait in the audit
 * outbox until the sink chains them (`flush`, or shortly after the run ended).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Annotation,
  type AuditLog,
  type NewAuditEvent,
  type PlatformStore,
  StateGraph,
} from "@conclave/core";
import { PostgresAuditLog, PostgresPlatformStore } from "@conclave/postgres";
import { Runtime } from "@conclave/runtime";
import { SqliteAuditLog, SqlitePlatformStore } from "@conclave/sqlite";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

const graph = () =>
  new StateGraph(Annotation.Root({ q: Annotation<string>() }))
    .addNode("answer", () => ({ q: "done" }))
    .addEdge("__start__", "answer")
    .compile();

let pg: TestDatabase | undefined;
const tmp = mkdtempSync(join(tmpdir(), "conclave-audit-exit-"));
beforeAll(async () => {
  pg = await createTestDatabase("audit_exit");
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

const BACKENDS: [string, () => Promise<Backend>][] = [
  [
    "SQLite",
    async () => {
      const store = SqlitePlatformStore.fromConnString(join(tmp, "exit.db"));
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
      const store = PostgresPlatformStore.fromConnString(pg!.url, { schema: "audit_exit" });
      await store.setup();
      const log = new PostgresAuditLog(store.pool, { schema: "audit_exit" });
      const outbox = async () => {
        const sql = `SELECT count(*)::int AS n FROM "audit_exit".conclave_audit_outbox`;
        return (await store.pool.query<{ n: number }>(sql)).rows[0]!.n;
      };
      return { store, log, outbox, createdWithRun: true };
    },
  ],
];

describe.each(BACKENDS)("exit audit durability on %s", (_name, open) => {
  it("writes a run's held events and its end with the end itself, in order", async () => {
    const { store, log, outbox, createdWithRun } = await open();
    const appended: string[] = [];
    const append = log.append.bind(log);
    log.append = (events: readonly NewAuditEvent[]) => {
      appended.push(...events.map((e) => e.kind));
      return append(events);
    };
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
      const events = await log.list({ tenant: "default" });
      for (const run of runs) {
        const kinds = events.filter((e) => e.runId === run.runId).map((e) => e.kind);
        expect(kinds).toEqual(["run.created", "run.started", "run.finished"]);
      }
      expect(await log.verify("default")).toMatchObject({ ok: true });
      expect(await outbox()).toBe(0);
    } finally {
      await runtime.close(0);
      await store.close();
    }
  });
});
