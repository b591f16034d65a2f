/**
 * `async` audit durability (the default): a run's own events are held for a short while, so a
 * run that ends within it has them written by the statement that ends it; a longer run has
 * them appended while it runs. On PostgreSQL `run.created` is written by the enqueue itself
 * (`RunQueue.enqueueAudited`), so short runs cost no audit append at all.
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

let pg: TestDatabase | undefined;
const tmp = mkdtempSync(join(tmpdir(), "conclave-audit-async-"));
beforeAll(async () => {
  pg = await createTestDatabase("audit_async");
});
afterAll(async () => {
  await pg?.drop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Backend {
  store: PlatformStore;
  log: AuditLog;
  /** Whether every audit write of a short run rides on the store's own statements. */
  noAppends: boolean;
}

let opened = 0;
const BACKENDS: [string, () => Promise<Backend>][] = [
  [
    "SQLite",
    async () => {
      const store = SqlitePlatformStore.fromConnString(join(tmp, `async-${opened++}.db`));
      return { store, log: new SqliteAuditLog(store.db), noAppends: false };
    },
  ],
  [
    "PostgreSQL",
    async () => {
      const schema = `audit_async_${opened++}`;
      const store = PostgresPlatformStore.fromConnString(pg!.url, { schema });
      await store.setup();
      return { store, log: new PostgresAuditLog(store.pool, { schema }), noAppends: true };
    },
  ],
];

/** Counts the events passed to `log.append`. */
function spyAppends(log: AuditLog): string[] {
  const appended: string[] = [];
  const append = log.append.bind(log);
  log.append = (events: readonly NewAuditEvent[]) => {
    appended.push(...events.map((e) => e.kind));
    return append(events);
  };
  return appended;
}

const State = Annotation.Root({ q: Annotation<string>() });

describe.each(BACKENDS)("async audit durability on %s", (_name, open) => {
  it("writes a short run's events with its enqueue and its end, in order", async () => {
    const { store, log, noAppends } = await open();
    const appended = spyAppends(log);
    const graph = new StateGraph(State)
      .addNode("answer", () => ({ q: "done" }))
      .addEdge("__start__", "answer")
      .compile();
    const runtime = await Runtime.create({ store, graphs: { qa: graph }, audit: { log } });
    try {
      await runtime.startWorker();
      const runs = [];
      for (const thread of ["t1", "t2", "t3"])
        runs.push(await runtime.submit({ assistant: "qa", thread, input: { q: thread } }));
      for (const run of runs) await runtime.join("default", run.runId);
      await runtime.audit!.flush();
      if (noAppends) expect(appended).toEqual([]);
      const events = await log.list({ tenant: "default" });
      for (const run of runs) {
        const kinds = events.filter((e) => e.runId === run.runId).map((e) => e.kind);
        expect(kinds).toEqual(["run.created", "run.started", "run.finished"]);
      }
      expect(await log.verify("default")).toMatchObject({ ok: true });
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
    const graph = new StateGraph(State)
      .addNode("slow", async () => {
        await gate;
        return { q: "done" };
      })
      .addEdge("__start__", "slow")
      .compile();
    const runtime = await Runtime.create({ store, graphs: { qa: graph }, audit: { log } });
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
