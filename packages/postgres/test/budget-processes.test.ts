/**
 * Acceptance: two processes share one PostgreSQL database and each tries 25 reserve+settle
 * calls against one budget that affords 10 in total. Exactly 10 run, and spend is exactly 10
 * calls.
 */
import { PostgresBudgetStore } from "@conclave/postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { budget } from "../../../test/contracts/budget-store.contract.ts";
import { runBudgetWorkers } from "../../../test/support/budget-workers.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";

let db: TestDatabase | undefined;
beforeAll(async () => {
  db = await createTestDatabase("budget_procs");
});
afterAll(async () => {
  await db?.drop();
});

it("two processes on one PostgreSQL database: exactly the affordable 10 of 50 calls run", async () => {
  const cost = 3_000_000_000n;
  const store = PostgresBudgetStore.fromConnString(db!.url, { schema: "shared" });
  try {
    await store.setBudget(budget("shared", 10n * cost + cost - 1n, { period: "day" }));
    const admitted = await runBudgetWorkers(
      { kind: "postgres", target: db!.url, schema: "shared" },
      "shared",
      { workers: 2, attempts: 25, cost },
    );
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(10);
    const [status] = await store.status(new Date("2026-11-22T14:15:00.000Z"));
    expect(status).toMatchObject({ spentPico: 10n * cost, reservedPico: 0n });
    expect(status!.spentPico).toBeLessThanOrEqual(status!.budget.limitPico);
  } finally {
    await store.end();
  }
});
