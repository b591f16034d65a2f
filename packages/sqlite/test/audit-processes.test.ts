/**
 * Two processes append to one SQLite file at once, each batch spanning two tenants: both
 * chains stay linear and verifiable, with every event there once and each batch contiguous.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteAuditLog } from "@conclave/sqlite";
import { afterAll, expect, it } from "vitest";
import { expectLinearChains, runAuditWorkers } from "../../../test/support/audit-workers.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-audit-procs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("two processes on one SQLite file keep each tenant's chain linear, losing nothing", async () => {
  const file = join(dir, "shared.db");
  const log = SqliteAuditLog.fromConnString(file);
  try {
    await log.head("shared"); // migrate once up front, as a deployment would
    const appended = await runAuditWorkers(
      { kind: "sqlite", target: file },
      { workers: 2, runs: 60 },
    );
    expect(appended).toEqual([240, 240]);
    await expectLinearChains(log, 120);
  } finally {
    log.close();
  }
});
