/**
 * The contract every `BudgetStore` passes: definitions round-trip, reservations are atomic
 * across budgets, settle and release move the counters, periods roll over in the budget's
 * zone (time is injected, never waited for), thresholds are reported once per period, and 50
 * concurrent calls against a budget that affords 10 run exactly 10. Each test gets a fresh,
 * empty store from the factory.
 */
import {
  type BudgetDefinition,
  BudgetNotFoundError,
  type BudgetStore,
  ReservationConflictError,
  ReservationNotFoundError,
} from "@conclave/core";
import { describe, expect, it } from "vitest";

/** A store under test and how to dispose of it. */
export interface BudgetStoreHandle {
  store: BudgetStore;
  cleanup: () => Promise<void>;
}

/** Makes a fresh, empty store. */
export type MakeBudgetStore = () => Promise<BudgetStoreHandle>;

/** A budget with defaults; `over` replaces fields. */
export function budget(
  id: string,
  limitPico: bigint,
  over: Partial<BudgetDefinition> = {},
): BudgetDefinition {
  return { id, scope: { kind: "global" }, limitPico, period: "none", action: "fail", ...over };
}

const NOW = new Date("2026-11-22T14:15:00.000Z");
type WithStore = (work: (store: BudgetStore) => Promise<void>) => () => Promise<void>;

/**
 * The acceptance run: `calls` concurrent reserve+settle attempts of `cost` each.
 * @returns how many were admitted.
 */
export async function concurrentCalls(
  store: BudgetStore,
  budgetId: string,
  calls: number,
  cost: bigint,
  tag: string,
): Promise<number> {
  const attempts = Array.from({ length: calls }, async (_, i) => {
    const reservationId = `${tag}-${i}`;
    const result = await store.reserve({
      reservationId,
      budgetIds: [budgetId],
      amountPico: cost,
      now: NOW,
    });
    if (!result.ok) return 0;
    await store.settle(reservationId, cost, NOW);
    return 1;
  });
  return (await Promise.all(attempts)).reduce<number>((a, b) => a + b, 0);
}

/** Registers the whole budget-store contract for one implementation. */
export function runBudgetStoreContract(name: string, makeStore: MakeBudgetStore): void {
  describe(`BudgetStore contract: ${name}`, () => {
    const withStore: WithStore = (work) => async () => {
      const handle = await makeStore();
      try {
        await work(handle.store);
      } finally {
        await handle.cleanup();
      }
    };
    definitionContract(withStore);
    reservationContract(withStore);
    periodContract(withStore);
    thresholdContract(withStore);
    expiryContract(withStore);
    it(
      "admits exactly the affordable 10 of 50 concurrent calls, never overspending",
      withStore(async (store) => {
        const cost = 7_000_000n;
        await store.setBudget(budget("shared", 10n * cost + cost / 2n));
        expect(await concurrentCalls(store, "shared", 50, cost, "burst")).toBe(10);
        const [status] = await store.status(NOW);
        expect(status).toMatchObject({
          spentPico: 10n * cost,
          reservedPico: 0n,
          remainingPico: cost / 2n,
        });
      }),
    );
  });
}

function definitionContract(withStore: WithStore): void {
  it(
    "stores, replaces, lists and deletes definitions",
    withStore(async (store) => {
      const full = budget("b", 5n, {
        scope: { kind: "tenant", value: "acme" },
        period: "day",
        timeZone: "Europe/Paris",
        action: "downgrade",
        alertThresholds: [0.8, 0.5],
      });
      await store.setBudget(full);
      expect(await store.getBudget("b")).toEqual({ ...full, alertThresholds: [0.5, 0.8] });
      await store.setBudget(budget("a", 2n ** 63n - 1n));
      expect(await store.getBudget("a")).toEqual({
        ...budget("a", 2n ** 63n - 1n),
        timeZone: "UTC",
      });
      expect((await store.status(NOW)).map((s) => [s.budget.id, s.periodKey])).toEqual([
        ["a", "all"],
        ["b", "2026-11-22"],
      ]);
      await store.deleteBudget("b");
      await store.deleteBudget("never-was");
      expect(await store.getBudget("b")).toBeUndefined();
      await expect(store.status(NOW, ["b"])).rejects.toBeInstanceOf(BudgetNotFoundError);
    }),
  );
  it(
    "a reservation open when its budget is deleted and made again moves nothing on the new one",
    withStore(async (store) => {
      await store.setBudget(budget("b", 10n));
      await store.setBudget(budget("other", 10n));
      const held = { budgetIds: ["b", "other"], amountPico: 4n, now: NOW };
      expect(await store.reserve({ reservationId: "old", ...held })).toEqual({ ok: true });
      expect(await store.reserve({ reservationId: "old-2", ...held })).toEqual({ ok: true });
      await store.deleteBudget("b");
      await store.setBudget(budget("b", 10n));
      const all = { reservationId: "new", budgetIds: ["b"], amountPico: 10n, now: NOW };
      expect(await store.reserve(all)).toEqual({ ok: true });
      await store.release("old");
      await store.settle("old-2", 3n, NOW);
      expect((await store.status(NOW)).map((s) => [s.spentPico, s.reservedPico])).toEqual([
        [0n, 10n],
        [3n, 0n],
      ]);
      const expired = await store.expireReservations(new Date(NOW.getTime() + 1));
      expect(expired).toMatchObject([{ reservationId: "new", budgetIds: ["b"] }]);
    }),
  );
}

function reservationContract(withStore: WithStore): void {
  it(
    "reserves in all budgets or none, naming the one that refused",
    withStore(async (store) => {
      await store.setBudget(budget("roomy", 1_000n));
      await store.setBudget(budget("tight", 100n));
      const reserve = (reservationId: string, amountPico: bigint, budgetIds = ["roomy", "tight"]) =>
        store.reserve({ reservationId, budgetIds, amountPico, now: NOW });
      expect(await reserve("r1", 60n)).toEqual({ ok: true });
      expect(await reserve("r2", 60n)).toEqual({
        ok: false,
        budgetId: "tight",
        remainingPico: 40n,
        limitPico: 100n,
      });
      const after = await store.status(NOW);
      expect(after.map((s) => [s.budget.id, s.reservedPico, s.remainingPico])).toEqual([
        ["roomy", 60n, 940n],
        ["tight", 60n, 40n],
      ]);
      expect(await reserve("r3", 40n, ["tight", "tight"])).toEqual({ ok: true });
      await expect(reserve("r4", 1n, ["roomy", "ghost"])).rejects.toBeInstanceOf(
        BudgetNotFoundError,
      );
      expect((await store.status(NOW, ["roomy"]))[0]?.reservedPico).toBe(60n);
    }),
  );

  it(
    "settles the actual amount and releases unspent reservations",
    withStore(async (store) => {
      await store.setBudget(budget("b", 1_000n));
      const reserve = (reservationId: string, amountPico: bigint) =>
        store.reserve({ reservationId, budgetIds: ["b"], amountPico, now: NOW });
      await reserve("s", 300n);
      await reserve("r", 200n);
      expect(await store.settle("s", 120n, NOW)).toEqual({ crossed: [] });
      await store.release("r");
      expect((await store.status(NOW))[0]).toMatchObject({
        spentPico: 120n,
        reservedPico: 0n,
        remainingPico: 880n,
      });
      await expect(store.settle("s", 1n, NOW)).rejects.toBeInstanceOf(ReservationNotFoundError);
      await expect(store.release("r")).rejects.toThrow(/No open reservation has id "r"/);
      await expect(store.settle("nope", 1n, NOW)).rejects.toMatchObject({
        code: "RESERVATION_NOT_FOUND",
      });
    }),
  );

  it(
    "treats a retried reserve as one reservation, and a different reuse of its id as an error",
    withStore(async (store) => {
      await store.setBudget(budget("b", 1_000n));
      const request = { reservationId: "retry", budgetIds: ["b"], amountPico: 400n, now: NOW };
      expect(await store.reserve(request)).toEqual({ ok: true });
      expect(await store.reserve(request)).toEqual({ ok: true });
      expect((await store.status(NOW))[0]?.reservedPico).toBe(400n);
      await expect(store.reserve({ ...request, amountPico: 1n })).rejects.toBeInstanceOf(
        ReservationConflictError,
      );
    }),
  );
}

function expiryContract(withStore: WithStore): void {
  it(
    "charges in full the reservations made before a cutoff, once, and leaves newer ones open",
    withStore(async (store) => {
      await store.setBudget(budget("b", 1_000n, { alertThresholds: [0.5] }));
      await store.setBudget(budget("c", 1_000n));
      const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
      const reserve = (reservationId: string, amountPico: bigint, minutes: number) =>
        store.reserve({ reservationId, budgetIds: ["b", "c"], amountPico, now: at(minutes) });
      await reserve("old", 600n, 0);
      await reserve("settled", 100n, 0);
      await reserve("new", 200n, 90);
      await store.settle("settled", 40n, at(1));
      const expired = await store.expireReservations(at(60));
      expect(expired).toEqual([
        {
          reservationId: "old",
          chargedPico: 600n,
          budgetIds: ["b", "c"],
          crossed: [{ budgetId: "b", threshold: 0.5, spentPico: 640n, limitPico: 1_000n }],
        },
      ]);
      expect((await store.status(at(90))).map((s) => [s.spentPico, s.reservedPico])).toEqual([
        [640n, 200n],
        [640n, 200n],
      ]);
      expect(await store.expireReservations(at(60))).toEqual([]);
      await expect(store.settle("old", 1n, at(61))).rejects.toBeInstanceOf(
        ReservationNotFoundError,
      );
      await store.release("new");
      await expect(store.expireReservations(new Date(Number.NaN))).rejects.toThrow(
        /expireReservations\(\) olderThan must be a valid Date/,
      );
    }),
  );
}

function periodContract(withStore: WithStore): void {
  it(
    "starts each local day from zero, and settles after midnight into the reserved day",
    withStore(async (store) => {
      await store.setBudget(budget("daily", 1_000n, { period: "day", timeZone: "Europe/Paris" }));
      const lateEvening = new Date("2026-11-22T22:45:00Z"); // 23:45 in Paris
      const afterMidnight = new Date("2026-11-22T23:15:00Z"); // 00:15 on the 23rd in Paris
      await store.reserve({
        reservationId: "late",
        budgetIds: ["daily"],
        amountPico: 900n,
        now: lateEvening,
      });
      const next = await store.reserve({
        reservationId: "next",
        budgetIds: ["daily"],
        amountPico: 900n,
        now: afterMidnight,
      });
      expect(next).toEqual({ ok: true });
      await store.settle("late", 800n, afterMidnight);
      expect((await store.status(lateEvening))[0]).toMatchObject({
        periodKey: "2026-11-22",
        spentPico: 800n,
        reservedPico: 0n,
      });
      expect((await store.status(afterMidnight))[0]).toMatchObject({
        periodKey: "2026-11-23",
        spentPico: 0n,
        reservedPico: 900n,
      });
    }),
  );

  it(
    "keys hours (with their offset) and months in the budget's zone; none never rolls",
    withStore(async (store) => {
      await store.setBudget(budget("h", 10n, { period: "hour", timeZone: "America/New_York" }));
      await store.setBudget(budget("m", 10n, { period: "month", timeZone: "Pacific/Auckland" }));
      await store.setBudget(budget("n", 10n));
      const keys = async (iso: string) =>
        (await store.status(new Date(iso))).map((s) => s.periodKey);
      // New York's autumn change repeats 01:00-01:59; each hour keeps its own period.
      expect(await keys("2026-11-01T05:30:00Z")).toEqual(["2026-11-01T01-04:00", "2026-11", "all"]);
      expect(await keys("2026-11-01T06:30:00Z")).toEqual(["2026-11-01T01-05:00", "2026-11", "all"]);
      // 11:30Z on Nov 30 is already December 1 in Auckland (UTC+13).
      expect(await keys("2026-11-30T11:30:00Z")).toEqual(["2026-11-30T06-05:00", "2026-12", "all"]);
      const spend = async (id: string, iso: string) => {
        const now = new Date(iso);
        const ok = await store.reserve({
          reservationId: `${id}-${iso}`,
          budgetIds: ["h", "m", "n"],
          amountPico: 3n,
          now,
        });
        if (ok.ok) await store.settle(`${id}-${iso}`, 3n, now);
        return ok.ok;
      };
      expect(await spend("a", "2026-11-01T05:30:00Z")).toBe(true);
      expect(await spend("b", "2026-11-01T06:30:00Z")).toBe(true);
      expect(await spend("c", "2026-11-01T06:40:00Z")).toBe(true);
      expect(await spend("d", "2026-11-01T06:50:00Z")).toBe(false); // m (and n) have 9 of 10 spent
      expect(
        (await store.status(new Date("2026-11-01T06:59:00Z"))).map((s) => s.spentPico),
      ).toEqual([6n, 9n, 9n]);
    }),
  );
}

function thresholdContract(withStore: WithStore): void {
  it(
    "reports each alert threshold once per period, on the settle that crosses it",
    withStore(async (store) => {
      await store.setBudget(budget("t", 1_000n, { period: "day", alertThresholds: [0.5, 0.8, 1] }));
      const step = async (id: string, amount: bigint, now = NOW) => {
        await store.reserve({ reservationId: id, budgetIds: ["t"], amountPico: 1n, now });
        return (await store.settle(id, amount, now)).crossed.map((c) => [
          c.threshold,
          c.spentPico,
          c.limitPico,
        ]);
      };
      expect(await step("1", 499n)).toEqual([]);
      expect(await step("2", 1n)).toEqual([[0.5, 500n, 1_000n]]);
      expect(await step("3", 400n)).toEqual([[0.8, 900n, 1_000n]]);
      expect(await step("4", 10n)).toEqual([]);
      // An actual cost above the reservation may overshoot the limit; 1 is then crossed once.
      expect(await step("5", 200n)).toEqual([[1, 1_110n, 1_000n]]);
      const tomorrow = new Date("2026-11-23T10:00:00Z");
      expect(await step("7", 900n, tomorrow)).toEqual([
        [0.5, 900n, 1_000n],
        [0.8, 900n, 1_000n],
      ]);
    }),
  );
}
