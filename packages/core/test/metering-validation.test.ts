/** Bad input to the metering stores fails with typed errors that show the value seen. */
import {
  type BudgetDefinition,
  BudgetNotFoundError,
  InvalidBudgetError,
  InvalidMeteringInputError,
  InvalidTimeZoneError,
  MemoryBudgetStore,
  MemoryLedger,
  ReservationNotFoundError,
} from "@conclave/core";
import { describe, expect, it } from "vitest";
import { budget } from "../../../test/contracts/budget-store.contract.ts";
import { usage } from "../../../test/contracts/ledger.contract.ts";

const NOW = new Date("2026-11-22T14:15:00Z");

describe("budget definitions", () => {
  const store = new MemoryBudgetStore();
  const rejects = (def: BudgetDefinition) => expect(store.setBudget(def)).rejects;

  it("refuse zero, negative, oversized and non-bigint limits", async () => {
    await rejects(budget("z", 0n)).toThrow(
      /Budget "z" has limitPico 0n; it must be a bigint from 1 to/,
    );
    await rejects(budget("n", -5n)).toThrow(/has limitPico -5n/);
    await rejects(budget("big", 2n ** 63n)).toBeInstanceOf(InvalidBudgetError);
    await rejects(budget("num", 5 as unknown as bigint)).toThrow(/has limitPico "5"/);
    await rejects(budget("z", 0n)).toMatchObject({
      code: "INVALID_BUDGET",
      disposition: "terminal",
    });
  });

  it("refuse an unknown period, action or scope, and a scope with no value", async () => {
    await rejects(budget("p", 1n, { period: "week" as "day" })).toThrow(
      /Budget "p" has period "week"; use none,hour,day,month/,
    );
    await rejects(budget("a", 1n, { action: "warn" as "fail" })).toThrow(/has action "warn"/);
    await rejects(budget("s", 1n, { scope: { kind: "team" as "tenant" } })).toThrow(/has scope/);
    await rejects(budget("v", 1n, { scope: { kind: "tenant" } })).toThrow(
      /tenant scope with no value/,
    );
    await rejects(budget("", 1n)).toThrow(/has no id/);
  });

  it("refuse bad alert thresholds", async () => {
    await rejects(budget("t", 1n, { alertThresholds: [0.5, -1] })).toThrow(/alert threshold -1/);
    await rejects(budget("t", 1n, { alertThresholds: [Number.NaN] })).toBeInstanceOf(
      InvalidBudgetError,
    );
  });

  it("refuse a bad time zone, naming it", async () => {
    const bad = rejects(budget("tz", 1n, { timeZone: "Mars/Olympus" }));
    await bad.toBeInstanceOf(InvalidTimeZoneError);
    await rejects(budget("tz", 1n, { timeZone: "Mars/Olympus" })).toThrow(
      /Budget "tz" time zone "Mars\/Olympus" is not a known IANA time zone/,
    );
    await rejects(budget("tz", 1n, { timeZone: "Mars/Olympus" })).toMatchObject({
      code: "INVALID_TIME_ZONE",
    });
  });
});

describe("reservations", () => {
  it("refuse an unknown budget id, reserving nothing anywhere", async () => {
    const store = new MemoryBudgetStore();
    await store.setBudget(budget("known", 100n));
    const reserve = store.reserve({
      reservationId: "r",
      budgetIds: ["known", "ghost"],
      amountPico: 1n,
      now: NOW,
    });
    await expect(reserve).rejects.toBeInstanceOf(BudgetNotFoundError);
    await expect(
      store.reserve({ reservationId: "r", budgetIds: ["ghost"], amountPico: 1n, now: NOW }),
    ).rejects.toThrow(/No budget has id "ghost"; call setBudget\(\) first/);
    expect((await store.status(NOW))[0]?.reservedPico).toBe(0n);
  });

  it("refuse bad amounts, ids and clocks", async () => {
    const store = new MemoryBudgetStore();
    await store.setBudget(budget("b", 100n));
    const base = { reservationId: "r", budgetIds: ["b"], amountPico: 1n, now: NOW };
    await expect(store.reserve({ ...base, amountPico: -1n })).rejects.toThrow(
      /amountPico must be a bigint/,
    );
    await expect(store.reserve({ ...base, reservationId: "" })).rejects.toBeInstanceOf(
      InvalidMeteringInputError,
    );
    await expect(store.reserve({ ...base, now: new Date("nope") })).rejects.toThrow(
      /now must be a valid Date/,
    );
    await store.reserve(base);
    await expect(store.settle("r", -3n, NOW)).rejects.toThrow(/actualPico must be a bigint/);
    await expect(store.release("other")).rejects.toBeInstanceOf(ReservationNotFoundError);
  });
});

describe("ledger input", () => {
  it("refuses records with a bad time, cost, token count or status", async () => {
    const ledger = new MemoryLedger();
    await expect(ledger.record(usage("x", "yesterday"))).rejects.toThrow(
      /has ts "yesterday"; use an ISO-8601 time/,
    );
    await expect(
      ledger.record(usage("x", "2026-11-22T00:00:00Z", { costPico: -1n })),
    ).rejects.toThrow(/costPico/);
    const tokens = {
      inputNoCache: 1.5,
      inputCacheRead: 0,
      inputCacheWrite: 0,
      outputText: 0,
      outputReasoning: 0,
    };
    await expect(ledger.record(usage("x", "2026-11-22T00:00:00Z", { tokens }))).rejects.toThrow(
      /tokens.inputNoCache 1.5/,
    );
    await expect(
      ledger.record(usage("x", "2026-11-22T00:00:00Z", { status: "maybe" as "ok" })),
    ).rejects.toBeInstanceOf(InvalidMeteringInputError);
    expect(await ledger.list({})).toEqual([]);
  });

  it("refuses unknown dimensions, bad zones and bad limits", async () => {
    const ledger = new MemoryLedger();
    await expect(ledger.query({ groupBy: ["week" as "day"] })).rejects.toThrow(
      /groupBy has "week"/,
    );
    await expect(
      ledger.query({ groupBy: ["day"], timeZone: "Nowhere/Land" }),
    ).rejects.toBeInstanceOf(InvalidTimeZoneError);
    await expect(ledger.list({ limit: 0 })).rejects.toThrow(
      /limit must be a whole number >= 1, got 0/,
    );
  });
});
