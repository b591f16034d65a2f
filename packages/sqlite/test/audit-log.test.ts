/** Runs the audit log contract against SQLite, in memory and in a WAL file shared with a saver. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteAuditLog, SqliteSaver } from "@conclave/sqlite";
import { afterAll } from "vitest";
import { runAuditContract } from "../../../test/contracts/audit.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

runAuditContract("SqliteAuditLog (:memory:)", async (options) => {
  const log = SqliteAuditLog.fromConnString(":memory:", options);
  return { log, cleanup: async () => log.close() };
});

runAuditContract("SqliteAuditLog (WAL file, the saver's connection)", async (options) => {
  const saver = SqliteSaver.fromConnString(join(dir, `audit-${files++}.db`));
  const log = new SqliteAuditLog(saver.db, options);
  return { log, cleanup: async () => saver.close() };
});
