/** Runs the budget-store contract against PostgreSQL: a fresh schema per test, in this file's database. */
import { PostgresBudgetStore } from "@conclave/postgres";
import { afterAll, beforeAll } from "vitest";
import { runBudgetStoreContract } from "../../../test/contracts/budget-store.contract.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase("budgets");
});
afterAll(async () => {
  await db?.drop();
});

runBudgetStoreContract("PostgresBudgetStore", async () => {
  const store = PostgresBudgetStore.fromConnString(db!.url, {
    schema: `budgets_${schemas++}`,
    pool: { max: 20 },
  });
  await store.setup();
  return { store, cleanup: () => store.end() };
});
