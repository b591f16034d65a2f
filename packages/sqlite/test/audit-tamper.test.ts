/**
 * Tampering with a SQLite audit log through the real `sqlite3` CLI: `verify` must name the
 * first broken seq and the kind of damage each time, and leave other tenants intact.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteAuditLog } from "@conclave/sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_TAMPER_CASES, BYSTANDER, seedAudit } from "../../../test/support/audit-tamper.ts";
import { requireCli } from "../../../test/support/tamper.ts";

describe("audit verify detects tampering done with the sqlite3 CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "conclave-audit-tamper-"));
  const file = join(dir, "audit.db");
  let log: SqliteAuditLog;

  beforeAll(() => {
    requireCli("sqlite3", "sqlite3");
    log = SqliteAuditLog.fromConnString(file);
  });
  afterAll(() => {
    log?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const tamper of AUDIT_TAMPER_CASES) {
    it(tamper.name, async () => {
      const seeded = await seedAudit(log);
      expect(await log.verify(seeded.tenant)).toMatchObject({ ok: true, count: 10 });
      execFileSync("sqlite3", ["-bail", file, tamper.sql(seeded)], { stdio: "pipe" });
      const result = await log.verify(seeded.tenant);
      expect(result).toMatchObject({ ok: false, seq: tamper.seq, reason: tamper.reason });
      expect(result.ok === false && result.count).toBe(Math.max(0, tamper.seq - 1));
      expect(await log.verify(BYSTANDER)).toMatchObject({ ok: true });
    });
  }
});
