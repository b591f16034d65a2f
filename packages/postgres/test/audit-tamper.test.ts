/**
 * Tampering with a PostgreSQL audit log through the real `psql` CLI: `verify` must name the
 * first broken seq and the kind of damage each time, and leave other tenants intact.
 */
import { execFileSync } from "node:child_process";
import { PostgresAuditLog } from "@conclave/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_TAMPER_CASES, BYSTANDER, seedAudit } from "../../../test/support/audit-tamper.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { requireCli } from "../../../test/support/tamper.ts";

describe("audit verify detects tampering done with the psql CLI", () => {
  let db: TestDatabase;
  let log: PostgresAuditLog;

  beforeAll(async () => {
    requireCli("psql", "postgresql-client");
    db = await createTestDatabase("audit_tamper");
    log = PostgresAuditLog.fromConnString(db.url);
    await log.setup();
  });
  afterAll(async () => {
    await log?.end();
    await db?.drop();
  });

  for (const tamper of AUDIT_TAMPER_CASES) {
    it(tamper.name, async () => {
      const seeded = await seedAudit(log);
      expect(await log.verify(seeded.tenant)).toMatchObject({ ok: true, count: 10 });
      const sql = tamper.sql(seeded);
      execFileSync("psql", [db.url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { stdio: "pipe" });
      const result = await log.verify(seeded.tenant);
      expect(result).toMatchObject({ ok: false, seq: tamper.seq, reason: tamper.reason });
      expect(result.ok === false && result.count).toBe(Math.max(0, tamper.seq - 1));
      expect(await log.verify(BYSTANDER)).toMatchObject({ ok: true });
    });
  }
});
