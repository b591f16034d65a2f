/** Runs the budget-store contract against SQLite, in memory and in a WAL file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openMeteringDatabase, SqliteBudgetStore, SqliteSaver } from "@conclave/sqlite";
import { afterAll, describe, expect, it } from "vitest";
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

describe("openMeteringDatabase", () => {
  it("opens WAL with synchronous NORMAL by default, FULL on request, and refuses other values", () => {
    const normal = openMeteringDatabase(join(dir, `meter-${files++}.db`));
    const full = openMeteringDatabase(join(dir, `meter-${files++}.db`), { synchronous: "full" });
    try {
      expect(normal.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(normal.pragma("synchronous", { simple: true })).toBe(1);
      expect(full.pragma("synchronous", { simple: true })).toBe(2);
    } finally {
      normal.close();
      full.close();
    }
    expect(() =>
      openMeteringDatabase(join(dir, "bad.db"), { synchronous: "off" as never }),
    ).toThrow(/synchronous must be "normal" or "full", got "off"/);
  });
});
