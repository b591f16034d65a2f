/**
 * Acceptance: two processes share one SQLite file and each tries 25 reserve+settle calls
 * against one budget that affords 10 in total. Exactly 10 run, and spend is exactly 10 calls.
 * Then the same with the gateway's reservations (`reserveApplicable`), where calls are admitted
 * from allowances (budget-allowances.ts) until the budget runs low.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openMeteringDatabase, SqliteBudgetStore } from "@conclave/sqlite";
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

it("two processes admitting from allowances: spend is exact, within the limit, and nothing stays held", async () => {
  const file = join(dir, "allowances.db");
  const cost = 4_000_000_000n;
  const actual = cost / 4n;
  const store = SqliteBudgetStore.fromConnString(file);
  try {
    // Affords 157 calls spending a quarter of what each reserves (the last one reserves a full cost).
    await store.setBudget(budget("pooled", 40n * cost));
    const admitted = await runBudgetWorkers({ kind: "sqlite", target: file }, "pooled", {
      workers: 2,
      attempts: 120,
      cost,
      actual,
    });
    const total = admitted.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(150);
    expect(total).toBeLessThanOrEqual(157);
    const [status] = await store.status(new Date("2026-11-22T14:15:00.000Z"));
    expect(status).toMatchObject({ spentPico: BigInt(total) * actual, reservedPico: 0n });
    const db = openMeteringDatabase(file);
    expect(db.prepare("SELECT count(*) AS n FROM conclave_budget_reservations").get()).toEqual({
      n: 0,
    });
    db.close();
  } finally {
    store.close();
  }
});
