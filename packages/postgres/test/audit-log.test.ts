/** Runs the audit log contract against PostgreSQL: a fresh schema per test, in this file's database. */
import { PostgresAuditLog } from "@conclave/postgres";
import { afterAll, beforeAll } from "vitest";
import { runAuditContract } from "../../../test/contracts/audit.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase("audit");
});
afterAll(async () => {
  await db?.drop();
});

runAuditContract("PostgresAuditLog", async (options) => {
  const log = PostgresAuditLog.fromConnString(db!.url, {
    ...options,
    schema: `audit_${schemas++}`,
  });
  await log.setup();
  return { log, cleanup: () => log.end() };
});
