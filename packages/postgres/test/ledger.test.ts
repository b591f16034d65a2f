/** Runs the ledger contract against PostgreSQL: a fresh schema per test, in this file's database. */
import { PostgresLedger } from "@conclave/postgres";
import { afterAll, beforeAll } from "vitest";
import { runLedgerContract } from "../../../test/contracts/ledger.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase("ledger");
});
afterAll(async () => {
  await db?.drop();
});

runLedgerContract("PostgresLedger", async () => {
  const ledger = PostgresLedger.fromConnString(db!.url, { schema: `ledger_${schemas++}` });
  await ledger.setup();
  return { ledger, cleanup: () => ledger.end() };
});
