/** Runs the audit log contract against PostgreSQL: a fresh schema per test, in this file's database. */
import { PostgresAuditLog } from "@conclave/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvent, runAuditContract } from "../../../test/contracts/audit.contract.ts";
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

describe("PostgresAuditLog across pools", () => {
  it("two logs creating the same tenants at once both land, on one linear chain each", async () => {
    const schema = `audit_${schemas++}`;
    const [one, two] = [0, 1].map(() => PostgresAuditLog.fromConnString(db!.url, { schema }));
    try {
      await one!.setup();
      await two!.setup();
      const tenants = Array.from({ length: 20 }, (_, i) => `new-${i}`);
      const appends = tenants.flatMap((tenant) =>
        [one!, two!].map((log, i) => log.append([auditEvent(tenant, { data: { by: i } })])),
      );
      const stored = (await Promise.all(appends)).flat();
      expect(stored).toHaveLength(40);
      for (const tenant of tenants) {
        const events = await one!.list({ tenant });
        expect(events.map((e) => e.seq)).toEqual([1, 2]);
        expect(await two!.verify(tenant)).toMatchObject({ ok: true, count: 2 });
      }
    } finally {
      await one!.end();
      await two!.end();
    }
  });
});
