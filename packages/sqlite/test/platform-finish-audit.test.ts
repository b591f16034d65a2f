/**
 * `finishAudited` on SQLite: a run's end and its audit events commit together, or neither.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewAuditEvent, Run } from "@conclave/core";
import { openMeteringDatabase, SqliteAuditLog, SqlitePlatformStore } from "@conclave/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { newRun } from "../../../test/contracts/platform-queue.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-finish-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const T = new Date("2026-11-22T10:00:00.000Z");

async function claimedRun() {
  const store = SqlitePlatformStore.fromConnString(join(dir, `f-${files++}.db`));
  await store.workers.register({ workerId: "w", graphIds: ["agent"], concurrency: 1 }, T, 30_000);
  await store.runs.enqueue(newRun("r1", { threadId: "t1" }), T);
  const [run] = await store.runs.claim({ workerId: "w", limit: 1, now: T });
  return { store, run: run!, fence: { runId: run!.runId, generation: run!.generation } };
}

const ended = (run: Run): NewAuditEvent[] => [
  {
    tenant: run.tenant,
    kind: "run.finished",
    actor: "worker:w",
    runId: run.runId,
    data: { status: run.status },
  },
];

describe("SqliteRunQueue.finishAudited", () => {
  it("ends the run and appends its events in one commit", async () => {
    const { store, fence } = await claimedRun();
    const log = new SqliteAuditLog(store.db);
    try {
      const run = await store.runs.finishAudited!(fence, { status: "success" }, T, {
        log,
        events: ended,
      });
      expect(run).toMatchObject({ runId: "r1", status: "success" });
      const events = await log.list({ tenant: "acme" });
      expect(events.map((e) => [e.kind, e.runId, e.data])).toEqual([
        ["run.finished", "r1", { status: "success" }],
      ]);
      expect(await log.verify("acme")).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });

  it("ends nothing when the events cannot be appended", async () => {
    const { store, fence } = await claimedRun();
    const failing = new (class extends SqliteAuditLog {
      override appendWithin(): never {
        throw new Error("disk full");
      }
    })(store.db);
    try {
      await expect(
        store.runs.finishAudited!(fence, { status: "success" }, T, { log: failing, events: ended }),
      ).rejects.toThrow("disk full");
      expect((await store.runs.get("acme", "r1"))?.status).toBe("running");
      expect((await store.threads.get("acme", "t1"))?.status).toBe("busy");
    } finally {
      await store.close();
    }
  });

  it("does nothing for a log on another database, so the caller ends the run itself", async () => {
    const { store, fence } = await claimedRun();
    const other = new SqliteAuditLog(openMeteringDatabase(join(dir, `other-${files++}.db`)));
    try {
      expect(
        await store.runs.finishAudited!(fence, { status: "success" }, T, {
          log: other,
          events: ended,
        }),
      ).toBeUndefined();
      expect((await store.runs.get("acme", "r1"))?.status).toBe("running");
      expect(await other.list({ tenant: "acme" })).toEqual([]);
    } finally {
      other.close();
      await store.close();
    }
  });
});
