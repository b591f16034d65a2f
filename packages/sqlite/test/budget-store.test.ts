/** Runs the budget-store contract against SQLite, in memory and in a WAL file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBudgetStore, SqliteSaver } from "@conclave/sqlite";
import { afterAll } from "vitest";
import { runBudgetStoreContract } from "../../../test/contracts/budget-store.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-budgets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

runBudgetStoreContract("SqliteBudgetStore (:memory:)", async () => {
  const store = SqliteBudgetStore.fromConnString(":memory:");
  return { store, cleanup: async () => store.close() };
});

runBudgetStoreContract("SqliteBudgetStore (WAL file, the saver's connection)", async () => {
  const saver = SqliteSaver.fromConnString(join(dir, `budgets-${files++}.db`));
  const store = new SqliteBudgetStore(saver.db);
  return { store, cleanup: async () => saver.close() };
});
