/**
 * Acceptance: two processes share one SQLite file and each tries 25 reserve+settle calls
 * against one budget that affords 10 in total. Exactly 10 run, and spend is exactly 10 calls.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBudgetStore } from "@conclave/sqlite";
import { afterAll, expect, it } from "vitest";
import { budget } from "../../../test/contracts/budget-store.contract.ts";
import { runBudgetWorkers } from "../../../test/support/budget-workers.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-budget-procs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("two processes on one SQLite file: exactly the affordable 10 of 50 calls run", async () => {
  const file = join(dir, "shared.db");
  const cost = 3_000_000_000n;
  const store = SqliteBudgetStore.fromConnString(file);
  try {
    await store.setBudget(budget("shared", 10n * cost + cost - 1n, { period: "day" }));
    const admitted = await runBudgetWorkers({ kind: "sqlite", target: file }, "shared", {
      workers: 2,
      attempts: 25,
      cost,
    });
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(10);
    const [status] = await store.status(new Date("2026-11-22T14:15:00.000Z"));
    expect(status).toMatchObject({ spentPico: 10n * cost, reservedPico: 0n });
    expect(status!.spentPico).toBeLessThanOrEqual(status!.budget.limitPico);
  } finally {
    store.close();
  }
});
