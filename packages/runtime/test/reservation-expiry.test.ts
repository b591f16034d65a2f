/**
 * The workers' safety sweep charges in full the budget reservations that no process settled
 * (one died between a model call and its deferred settlement), once they are older than the
 * maximum age, and leaves younger ones alone.
 */
import { MemoryBudgetStore, MemoryPlatformStore } from "@conclave/core";
import { Runtime, type RuntimeLogger } from "@conclave/runtime";
import { describe, expect, it } from "vitest";
import { budget } from "../../../test/contracts/budget-store.contract.ts";

function recordingLogger(): RuntimeLogger & { warnings: { obj: object; msg?: string }[] } {
  const warnings: { obj: object; msg?: string }[] = [];
  return {
    warnings,
    debug() {},
    info() {},
    warn: (obj, msg) => void warnings.push({ obj, msg }),
    error() {},
  };
}

describe("budget reservation expiry", () => {
  it("charges reservations older than the maximum age in the workers' sweep", async () => {
    let now = new Date("2026-11-22T10:00:00.000Z");
    const budgets = new MemoryBudgetStore();
    await budgets.setBudget(budget("daily", 1_000n, { period: "day" }));
    // A process reserved, then died before settling.
    await budgets.reserve({ reservationId: "orphan", budgetIds: ["daily"], amountPico: 300n, now });
    const logger = recordingLogger();
    const runtime = await Runtime.create({
      store: new MemoryPlatformStore(),
      clock: () => now,
      logger,
      budgets: { store: budgets, reservationMaxAgeMs: 60_000 },
    });
    try {
      await runtime.startWorker({ safetyMs: 20 });
      now = new Date(now.getTime() + 61_000);
      // A call in flight now: younger than the maximum age, so it stays open.
      await budgets.reserve({ reservationId: "live", budgetIds: ["daily"], amountPico: 50n, now });
      await expect.poll(() => logger.warnings.length).toBe(1);
      const [status] = await budgets.status(now, ["daily"]);
      expect(status).toMatchObject({ spentPico: 300n, reservedPico: 50n });
      expect(logger.warnings[0]).toMatchObject({
        obj: {
          reservations: [{ reservationId: "orphan", chargedPico: "300", budgetIds: ["daily"] }],
        },
        msg: expect.stringContaining("charged budget reservations in full"),
      });
    } finally {
      await runtime.close();
    }
  });
});
