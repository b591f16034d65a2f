/**
 * Concurrent appenders on separate PostgreSQL connections, each batch spanning two tenants:
 * two processes, then two logs with their own pools in one process. Both chains stay linear
 * and verifiable, with every event there once and each batch contiguous.
 */
import { PostgresAuditLog } from "@conclave/postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectLinearChains, runAuditWorkers } from "../../../test/support/audit-workers.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("audit_procs");
});
afterAll(async () => {
  await db?.drop();
});

it("two processes on one PostgreSQL database keep each tenant's chain linear", async () => {
  const log = PostgresAuditLog.fromConnString(db!.url, { schema: "procs" });
  try {
    await log.setup();
    const appended = await runAuditWorkers(
      { kind: "postgres", target: db!.url, schema: "procs" },
      { workers: 2, runs: 60 },
    );
    expect(appended).toEqual([240, 240]);
    await expectLinearChains(log, 120);
  } finally {
    await log.end();
  }
});

it("two connections in one process, appending at once, keep each chain linear", async () => {
  const logs = [0, 1].map(() => PostgresAuditLog.fromConnString(db!.url, { schema: "pools" }));
  try {
    await Promise.all(logs.map((log) => log.setup()));
    const calls = Array.from({ length: 80 }, (_, i) =>
      logs[i % 2]!.append([
        { tenant: "shared", kind: "run.created", actor: null, runId: `r${i}` },
        { tenant: "other", kind: "model.call", actor: null, runId: `r${i}` },
        { tenant: "shared", kind: "run.started", actor: null, runId: `r${i}` },
        { tenant: "shared", kind: "run.finished", actor: null, runId: `r${i}` },
      ]),
    );
    await Promise.all(calls);
    await expectLinearChains(logs[0]!, 80);
  } finally {
    await Promise.all(logs.map((log) => log.end()));
  }
});
