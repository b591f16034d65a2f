/**
 * The gateway's metering paths against real SQLite: with the ledger and the budget store on one
 * connection a call reserves in one transaction (the budgets read in it) before it runs, and
 * settles and records together in the group commit after it returned; every other pairing falls
 * back to the separate steps with the same result. Also `reserveApplicable` and
 * `recordSettled` themselves, on SQLite and in memory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BudgetDefinition,
  type BudgetStore,
  InvalidMeteringInputError,
  type Ledger,
  MemoryBudgetStore,
  MemoryLedger,
  ReservationConflictError,
  ReservationNotFoundError,
  type UsageRecord,
} from "@conclave/core";
import { openMeteringDatabase, SqliteBudgetStore, SqliteLedger } from "@conclave/sqlite";
import { generateText, streamText } from "ai";
import type { Database } from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { usageRecord } from "../../../test/support/usage-records.ts";
import { createGateway, type GatewayEvent } from "../src/index.ts";
import { cheapSimRegistry } from "./sim-registry.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-gateway-sqlite-"));
const open: Database[] = [];
afterAll(() => {
  for (const db of open) db.close();
  rmSync(dir, { recursive: true, force: true });
});
let files = 0;
function database(): Database {
  const db = openMeteringDatabase(join(dir, `metering-${files++}.db`));
  open.push(db);
  return db;
}

const NOW = new Date("2026-11-22T14:15:00.000Z");
const GLOBAL: BudgetDefinition = {
  id: "global",
  scope: { kind: "global" },
  limitPico: 10n ** 15n,
  period: "day",
  action: "fail",
};

function gatewayWith(ledger: Ledger, budgets: BudgetStore) {
  const registry = cheapSimRegistry();
  const aliases = { fast: { strategy: "ordered" as const } };
  return createGateway({ registry, aliases, ledger, budgets, now: () => NOW });
}

/** One generated and one streamed call; returns the ledger's records. */
async function twoCalls(ledger: Ledger, budgets: BudgetStore): Promise<UsageRecord[]> {
  const model = gatewayWith(ledger, budgets).model("fast");
  await generateText({ model, prompt: "Summarise the risks of durable agents", maxRetries: 0 });
  await streamText({ model, prompt: "Summarise the risks of durable agents" }).consumeStream();
  return ledger.list({});
}

async function expectSettled(budgets: BudgetStore, records: UsageRecord[]): Promise<void> {
  expect(records).toHaveLength(2);
  expect(records.map((r) => r.streamed)).toEqual([false, true]);
  const [status] = await budgets.status(NOW, ["global"]);
  expect(status!.spentPico).toBe(records[0]!.costPico + records[1]!.costPico);
  expect(status!.reservedPico).toBe(0n);
}

/** A store with only the required members, as a third-party adapter may be. */
function withoutOptional(store: BudgetStore): BudgetStore {
  return {
    setBudget: (b) => store.setBudget(b),
    getBudget: (id) => store.getBudget(id),
    deleteBudget: (id) => store.deleteBudget(id),
    status: (now, ids) => store.status(now, ids),
    reserve: (request) => store.reserve(request),
    settle: (id, pico, now) => store.settle(id, pico, now),
    release: (id) => store.release(id),
    expireReservations: (olderThan) => store.expireReservations(olderThan),
  };
}

describe("gateway metering on SQLite", () => {
  it("one connection: reserves with the budgets read in one transaction, settles and records together", async () => {
    const db = database();
    const budgets = new SqliteBudgetStore(db);
    const ledger = new SqliteLedger(db);
    await budgets.setBudget(GLOBAL);
    const status = vi.spyOn(budgets, "status");
    const settle = vi.spyOn(budgets, "settle");
    const record = vi.spyOn(ledger, "record");
    const transactions = vi.spyOn(db, "transaction");
    const records = await twoCalls(ledger, budgets);
    expect(status).not.toHaveBeenCalled();
    expect(settle).not.toHaveBeenCalled();
    expect(record).not.toHaveBeenCalled();
    await expectSettled(budgets, records);
    // The store and the ledger build their transaction functions once, not per call.
    const built = transactions.mock.calls.length;
    const gateway = gatewayWith(ledger, budgets);
    await generateText({ model: gateway.model("fast"), prompt: "again" });
    expect(transactions.mock.calls.length).toBe(built);
    await gateway.flush();
    const open = db.prepare("SELECT count(*) AS n FROM conclave_budget_reservations").get();
    expect(open).toEqual({ n: 0 });
  });

  it("returns the call before its settlement commits, holding the reservation until then", async () => {
    const db = database();
    const budgets = new SqliteBudgetStore(db);
    const ledger = new SqliteLedger(db);
    await budgets.setBudget(GLOBAL);
    const gateway = gatewayWith(ledger, budgets);
    const { text } = await generateText({ model: gateway.model("fast"), prompt: "hello" });
    expect(text).toMatch(/^\[simulated\]/);
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    // Not yet settled: the reservation (the call's maximum cost) still counts against budgets.
    expect(count("conclave_budget_reservations")).toBe(1);
    expect(count("conclave_usage")).toBe(0);
    await gateway.flush();
    expect(count("conclave_budget_reservations")).toBe(0);
    expect(count("conclave_usage")).toBe(1);
  });

  it("reports a usage write that failed as model:metering-failed, and keeps the call's result", async () => {
    const db = database();
    const diskFull = new Error("database or disk is full");
    const budgets = new (class extends SqliteBudgetStore {
      override settleWithin(): never {
        throw diskFull;
      }
    })(db);
    const ledger = new SqliteLedger(db);
    await budgets.setBudget(GLOBAL);
    const events: GatewayEvent[] = [];
    const registry = cheapSimRegistry();
    const gateway = createGateway({
      registry,
      aliases: { fast: { strategy: "ordered" } },
      ledger,
      budgets,
      now: () => NOW,
      onEvent: (event) => events.push(event),
    });
    const { text } = await generateText({ model: gateway.model("fast"), prompt: "hello" });
    expect(text).toMatch(/^\[simulated\]/);
    await gateway.flush();
    const failed = events.find((e) => e.type === "model:metering-failed");
    expect(failed).toMatchObject({ record: { alias: "fast", status: "ok" }, error: diskFull });
    expect(await ledger.list({})).toEqual([]);
    // The reservation stays held: budgets stay safe until an operator looks.
    const [status] = await budgets.status(NOW, ["global"]);
    expect(status!.reservedPico).toBeGreaterThan(0n);
    // With nobody listening, the loss is a process warning rather than silence.
    const unheard = createGateway({
      registry,
      aliases: { fast: { strategy: "ordered" } },
      ledger,
      budgets,
    });
    const warned = new Promise<Error>((resolve) => process.once("warning", resolve));
    await generateText({ model: unheard.model("fast"), prompt: "hello" });
    await unheard.flush();
    expect(await warned).toMatchObject({
      code: "CONCLAVE_METERING_FAILED",
      message: expect.stringContaining("database or disk is full"),
    });
  });

  it("falls back to status + reserve and settle + record when the stores cannot share a transaction", async () => {
    const pairs: [string, () => { ledger: Ledger; budgets: BudgetStore }][] = [
      [
        "SQLite on two connections",
        () => ({
          ledger: new SqliteLedger(database()),
          budgets: new SqliteBudgetStore(database()),
        }),
      ],
      [
        "memory ledger, SQLite budgets",
        () => ({
          ledger: new MemoryLedger(),
          budgets: new SqliteBudgetStore(database()),
        }),
      ],
      [
        "a store without the optional members",
        () => ({
          ledger: new SqliteLedger(database()),
          budgets: withoutOptional(new MemoryBudgetStore()),
        }),
      ],
    ];
    for (const [name, make] of pairs) {
      const { ledger, budgets } = make();
      await budgets.setBudget(GLOBAL);
      const settle = vi.spyOn(budgets, "settle");
      const records = await twoCalls(ledger, budgets);
      expect(settle, name).toHaveBeenCalledTimes(2);
      await expectSettled(budgets, records);
    }
  });
});

const RECORD = usageRecord({ id: "call-1", ts: NOW.toISOString() });

describe("SqliteLedger.recordSettled", () => {
  async function stores() {
    const db = database();
    const budgets = new SqliteBudgetStore(db);
    const ledger = new SqliteLedger(db);
    await budgets.setBudget(GLOBAL);
    await budgets.reserve({
      reservationId: "r1",
      budgetIds: ["global"],
      amountPico: 10n ** 9n,
      now: NOW,
    });
    return { budgets, ledger };
  }

  it("settles and records together", async () => {
    const { budgets, ledger } = await stores();
    const result = await ledger.recordSettled(RECORD, { budgets, reservationId: "r1", now: NOW });
    expect(result).toEqual({ crossed: [] });
    expect(await ledger.list({})).toEqual([RECORD]);
    const [status] = await budgets.status(NOW);
    expect(status).toMatchObject({ spentPico: RECORD.costPico, reservedPico: 0n });
  });

  it("writes neither when the settle or the record fails", async () => {
    const { budgets, ledger } = await stores();
    const target = { budgets, reservationId: "r1", now: NOW };
    await expect(
      ledger.recordSettled(RECORD, { ...target, reservationId: "unknown" }),
    ).rejects.toBeInstanceOf(ReservationNotFoundError);
    const bad = { ...RECORD, ts: "yesterday" };
    await expect(ledger.recordSettled(bad, target)).rejects.toBeInstanceOf(
      InvalidMeteringInputError,
    );
    expect(await ledger.list({})).toEqual([]);
    const [status] = await budgets.status(NOW);
    expect(status).toMatchObject({ spentPico: 0n, reservedPico: 10n ** 9n });
  });

  it("returns undefined and writes nothing for a store it cannot join", async () => {
    const { ledger } = await stores();
    for (const budgets of [new SqliteBudgetStore(database()), new MemoryBudgetStore()]) {
      expect(await ledger.recordSettled(RECORD, { budgets, reservationId: "r1", now: NOW })).toBe(
        undefined,
      );
    }
    expect(await ledger.list({})).toEqual([]);
  });
});

describe.each([
  ["SqliteBudgetStore", () => new SqliteBudgetStore(database())],
  ["MemoryBudgetStore", () => new MemoryBudgetStore()],
])("%s.reserveApplicable", (_name, make) => {
  async function store() {
    const budgets = make();
    await budgets.setBudget({ ...GLOBAL, limitPico: 100n });
    await budgets.setBudget({
      ...GLOBAL,
      id: "acme",
      scope: { kind: "tenant", value: "acme" },
      limitPico: 10n,
    });
    return budgets;
  }
  const request = (over: object = {}) => ({
    reservationId: "r1",
    amountPico: 5n,
    now: NOW,
    applies: (b: BudgetDefinition) => b.scope.kind === "global",
    ...over,
  });
  const reserved = async (budgets: BudgetStore) =>
    (await budgets.status(NOW)).map((s) => [s.budget.id, s.reservedPico]);

  it("reserves on the budgets that apply, in id order", async () => {
    const budgets = await store();
    expect(await budgets.reserveApplicable!(request({ applies: () => true }))).toEqual({
      ok: true,
      budgetIds: ["acme", "global"],
    });
    expect(await reserved(budgets)).toEqual([
      ["acme", 5n],
      ["global", 5n],
    ]);
  });

  it("is idempotent for a retried id, and refuses a different request under it", async () => {
    const budgets = await store();
    expect(await budgets.reserveApplicable!(request())).toEqual({
      ok: true,
      budgetIds: ["global"],
    });
    expect(await budgets.reserveApplicable!(request())).toEqual({
      ok: true,
      budgetIds: ["global"],
    });
    expect(await reserved(budgets)).toEqual([
      ["acme", 0n],
      ["global", 5n],
    ]);
    await expect(budgets.reserveApplicable!(request({ amountPico: 6n }))).rejects.toBeInstanceOf(
      ReservationConflictError,
    );
    await budgets.settle("r1", 3n, NOW);
    expect(await reserved(budgets)).toEqual([
      ["acme", 0n],
      ["global", 0n],
    ]);
  });

  it("stores nothing when no budget applies", async () => {
    const budgets = await store();
    expect(await budgets.reserveApplicable!(request({ applies: () => false }))).toEqual({
      ok: true,
      budgetIds: [],
    });
    await expect(budgets.settle("r1", 0n, NOW)).rejects.toBeInstanceOf(ReservationNotFoundError);
  });

  it("refuses with the first budget that cannot cover the amount, holding nothing", async () => {
    const budgets = await store();
    const result = await budgets.reserveApplicable!(
      request({ amountPico: 50n, applies: () => true }),
    );
    expect(result).toMatchObject({ ok: false, budget: { id: "acme" }, remainingPico: 10n });
    expect(await reserved(budgets)).toEqual([
      ["acme", 0n],
      ["global", 0n],
    ]);
  });
});
