/**
 * Budget allowances (budget-allowances.ts): calls admitted in memory from money reserved ahead
 * in the database. Every test checks the money: spend is exactly what the calls spent, nothing
 * passes a limit, and nothing stays reserved once the store closes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BudgetStore } from "@conclave/core";
import { openMeteringDatabase, SqliteBudgetStore, SqliteLedger } from "@conclave/sqlite";
import type { Database } from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { budget } from "../../../test/contracts/budget-store.contract.ts";
import { usageRecord } from "../../../test/support/usage-records.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-allowances-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const NOW = new Date("2026-11-22T14:15:00.000Z");
const C = 1_000_000_000n;

/** A store on a new file. Allowances idle for a minute, so a slow turn cannot give one back. */
function open(options: ConstructorParameters<typeof SqliteBudgetStore>[2] = {}) {
  const file = join(dir, `allowances-${files++}.db`);
  const settings = { allowanceIdleMs: 60_000, ...options };
  return { file, store: SqliteBudgetStore.fromConnString(file, settings) };
}

/** Three settled calls, then the allowance they started holds money. */
async function warm(store: SqliteBudgetStore) {
  for (let i = 0; i < 3; i++) await call(store, `w${i}`, C, C / 4n);
  await vi.waitFor(() => expect(reservationRows(store.db)).toHaveLength(1));
}

/** One call: reserve `amount` on every budget, spend `actual`. Resolves whether it ran. */
async function call(store: BudgetStore, id: string, amount: bigint, actual: bigint) {
  const admitted = await store.reserveApplicable!({
    reservationId: id,
    amountPico: amount,
    now: NOW,
    applies: () => true,
  });
  if (!admitted.ok) return false;
  await store.settle(id, actual, NOW);
  // A real call awaits I/O: the allowance's top-up runs on a later turn.
  await new Promise((resolve) => setImmediate(resolve));
  return true;
}

function reservationRows(db: Database): { id: string; amount: string }[] {
  return db
    .prepare("SELECT id, CAST(amount_pico AS TEXT) AS amount FROM conclave_budget_reservations")
    .all() as { id: string; amount: string }[];
}

function rawCounters(db: Database, budgetId: string) {
  const row = db
    .prepare(
      `SELECT CAST(spent_pico AS TEXT) AS spent, CAST(reserved_pico AS TEXT) AS reserved
      FROM conclave_budget_periods WHERE budget_id = ?`,
    )
    .get(budgetId) as { spent: string; reserved: string } | undefined;
  return { spent: BigInt(row?.spent ?? 0), reserved: BigInt(row?.reserved ?? 0) };
}

/** Reads the file on a connection of its own, as another process would. */
function inspect<T>(file: string, read: (db: Database) => T): T {
  const db = openMeteringDatabase(file);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe("SqliteBudgetStore allowances", () => {
  it("admits calls from an allowance without a reservation row, meters them exactly, and gives it back on close", async () => {
    const { file, store } = open();
    await store.setBudget(budget("global", 1_000_000n * C));
    expect(await call(store, "c0", C, C / 4n)).toBe(true);
    await vi.waitFor(() => expect(reservationRows(store.db)).toHaveLength(1));
    let ownRows = 0;
    for (let i = 1; i < 50; i++) {
      const admitted = await store.reserveApplicable!({
        reservationId: `c${i}`,
        amountPico: C,
        now: NOW,
        applies: () => true,
      });
      expect(admitted).toEqual({ ok: true, budgetIds: ["global"] });
      ownRows += reservationRows(store.db).filter((r) => r.id === `c${i}`).length;
      await store.settle(`c${i}`, C / 4n, NOW);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(ownRows).toBe(0);
    const [status] = await store.status(NOW);
    expect(status).toMatchObject({ spentPico: 50n * (C / 4n), reservedPico: 0n });
    const [row] = reservationRows(store.db);
    expect(row!.id).toMatch(/^allowance:/);
    expect(rawCounters(store.db, "global").reserved).toBe(BigInt(row!.amount));
    store.close();
    inspect(file, (db) => {
      expect(reservationRows(db)).toEqual([]);
      expect(rawCounters(db, "global")).toEqual({ spent: 50n * (C / 4n), reserved: 0n });
    });
  });

  it("admits exactly what per-call reservations admit as the budget runs out", async () => {
    const admittedBy = async (allowances: boolean) => {
      const { file, store } = open({ allowances });
      await store.setBudget(budget("global", 40n * C));
      let admitted = 0;
      for (let i = 0; i < 200; i++) if (await call(store, `c${i}`, C, C / 4n)) admitted++;
      store.close();
      const after = inspect(file, (db) => ({
        rows: reservationRows(db),
        counters: rawCounters(db, "global"),
      }));
      return { admitted, ...after };
    };
    const pooled = await admittedBy(true);
    const single = await admittedBy(false);
    expect(single.admitted).toBe(157);
    expect(pooled).toEqual(single);
    expect(pooled.counters).toEqual({ spent: 157n * (C / 4n), reserved: 0n });
  });

  it("gives its own allowance back when a call needs that money, so the call fits", async () => {
    const { store } = open();
    await store.setBudget(budget("global", 100n * C));
    for (let i = 0; i < 3; i++) await call(store, `c${i}`, C, C / 4n);
    await vi.waitFor(() => expect(reservationRows(store.db)).toHaveLength(1));
    const [before] = await store.status(NOW);
    expect(before!.remainingPico).toBe(100n * C - 3n * (C / 4n));
    expect(await call(store, "all-the-rest", before!.remainingPico, 0n)).toBe(true);
    expect(reservationRows(store.db)).toEqual([]);
    store.close();
  });

  it("never holds an allowance within nine top-ups of a limit", async () => {
    const { store } = open();
    await store.setBudget(budget("global", 10n * C + C - 1n));
    let admitted = 0;
    for (let i = 0; i < 15; i++) if (await call(store, `c${i}`, C, C)) admitted++;
    expect(admitted).toBe(10);
    expect(reservationRows(store.db)).toEqual([]);
    store.close();
  });

  it("applies a budget another connection adds to the very next call", async () => {
    const { file, store } = open();
    await store.setBudget(budget("global", 1_000_000n * C));
    for (let i = 0; i < 5; i++) await call(store, `c${i}`, C, C / 4n);
    await vi.waitFor(() => expect(reservationRows(store.db)).toHaveLength(1));
    const other = SqliteBudgetStore.fromConnString(file);
    await other.setBudget(budget("tight", C / 2n));
    expect(await call(store, "late", C, C / 4n)).toBe(false);
    const statuses = await other.status(NOW);
    expect(statuses.map((s) => [s.budget.id, s.spentPico])).toEqual([
      ["global", 5n * (C / 4n)],
      ["tight", 0n],
    ]);
    other.close();
    store.close();
  });

  it("stops admitting from an allowance once another connection deleted and re-created its budget", async () => {
    const { file, store } = open();
    const global = budget("global", 1_000_000n * C);
    await store.setBudget(global);
    for (let i = 0; i < 5; i++) await call(store, `c${i}`, C, C / 4n);
    await vi.waitFor(() => expect(reservationRows(store.db)).toHaveLength(1));
    const other = SqliteBudgetStore.fromConnString(file, { allowances: false });
    await other.deleteBudget("global");
    await other.setBudget(global);
    // The new counters know nothing of the allowance: the other process may take everything.
    const all = { reservationId: "all", budgetIds: ["global"], amountPico: global.limitPico };
    expect(await other.reserve({ ...all, now: NOW })).toEqual({ ok: true });
    expect(await call(store, "late", C, C / 4n)).toBe(false);
    other.close();
    store.close();
  });

  it("retires its allowances when a store on the same connection lowers a limit", async () => {
    const { store } = open();
    await store.setBudget(budget("global", 1_000_000n * C));
    for (let i = 0; i < 5; i++) await call(store, `c${i}`, C, C / 4n);
    await vi.waitFor(() => expect(reservationRows(store.db)).toHaveLength(1));
    const sibling = new SqliteBudgetStore(store.db);
    await sibling.setBudget(budget("global", 5n * (C / 4n) + C / 2n));
    expect(await call(store, "late", C, C / 4n)).toBe(false);
    await vi.waitFor(() => expect(reservationRows(store.db)).toEqual([]));
    expect(rawCounters(store.db, "global")).toEqual({ spent: 5n * (C / 4n), reserved: 0n });
    store.close();
  });

  it("releases an allowance call in memory", async () => {
    const { store } = open();
    await store.setBudget(budget("global", 1_000_000n * C));
    await warm(store);
    const held = rawCounters(store.db, "global").reserved;
    const request = { reservationId: "released", amountPico: C, now: NOW, applies: () => true };
    expect((await store.reserveApplicable!(request)).ok).toBe(true);
    await store.release("released");
    expect(rawCounters(store.db, "global").reserved).toBe(held);
    await expect(store.release("released")).rejects.toThrow(/No open reservation/);
    store.close();
  });

  it("gives an unused allowance back after allowanceIdleMs", async () => {
    const { store } = open({ allowanceIdleMs: 20 });
    await store.setBudget(budget("global", 1_000_000n * C));
    await call(store, "c0", C, C / 4n);
    await vi.waitFor(() => expect(reservationRows(store.db)).toEqual([]));
    expect(rawCounters(store.db, "global")).toEqual({ spent: C / 4n, reserved: 0n });
    store.close();
  });

  it("commits settlements queued with the ledger before close gives the allowance back", async () => {
    const file = join(dir, `allowances-${files++}.db`);
    const db = openMeteringDatabase(file);
    // A connection the store does not own: its close() alone must leave nothing held.
    const store = new SqliteBudgetStore(db, false, { allowanceIdleMs: 60_000 });
    await store.setBudget(budget("global", 1_000_000n * C));
    await warm(store);
    const ledger = new SqliteLedger(store.db);
    const request = { reservationId: "queued", amountPico: C, now: NOW, applies: () => true };
    expect((await store.reserveApplicable!(request)).ok).toBe(true);
    const record = usageRecord({ id: "queued", ts: NOW.toISOString(), costPico: C / 4n });
    const written = ledger.recordSettled(record, {
      budgets: store,
      reservationId: "queued",
      now: NOW,
    });
    store.close();
    db.close();
    await written;
    inspect(file, (db) => {
      expect(reservationRows(db)).toEqual([]);
      expect(rawCounters(db, "global")).toEqual({ spent: 4n * (C / 4n), reserved: 0n });
    });
  });

  it("leaves a call open for its retry when its settlement rolls back", async () => {
    const { file, store } = open();
    await store.setBudget(budget("global", 1_000_000n * C));
    await warm(store);
    const ledger = new SqliteLedger(store.db);
    await ledger.list({});
    store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON conclave_usage WHEN new.id = 'bad'
      BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    const request = { reservationId: "x", amountPico: C, now: NOW, applies: () => true };
    expect((await store.reserveApplicable!(request)).ok).toBe(true);
    const settle = { budgets: store, reservationId: "x", now: NOW };
    const bad = usageRecord({ id: "bad", ts: NOW.toISOString(), costPico: C / 4n });
    await expect(ledger.recordSettled(bad, settle)).rejects.toThrow(/disk full/);
    const good = usageRecord({ id: "good", ts: NOW.toISOString(), costPico: C / 4n });
    await ledger.recordSettled(good, settle);
    store.close();
    inspect(file, (db) => {
      expect(reservationRows(db)).toEqual([]);
      expect(rawCounters(db, "global")).toEqual({ spent: 4n * (C / 4n), reserved: 0n });
    });
  });

  it("retires its allowances when a sibling store without allowances adds a budget", async () => {
    const { store } = open();
    await store.setBudget(budget("global", 1_000_000n * C));
    await warm(store);
    const sibling = new SqliteBudgetStore(store.db, false, { allowances: false });
    await sibling.setBudget(budget("tight", C / 2n));
    expect(await call(store, "late", C, C / 4n)).toBe(false);
    store.close();
  });

  it("does not top up on a budget deleted and made again while the top-up waited", async () => {
    const { file, store } = open();
    const global = budget("global", 1_000_000n * C);
    await store.setBudget(global);
    await warm(store);
    const other = SqliteBudgetStore.fromConnString(file, { allowances: false });
    // A larger call raises the allowance's target, so its settlement queues a top-up for a
    // later turn; the budget is replaced before that runs.
    const request = { reservationId: "x", amountPico: 2n * C, now: NOW, applies: () => true };
    await store.reserveApplicable!(request);
    expect(reservationRows(store.db).map((r) => r.id)).not.toContain("x");
    await store.settle("x", 2n * C, NOW);
    await other.deleteBudget("global");
    await other.setBudget(global);
    await vi.waitFor(() => expect(reservationRows(store.db)).toEqual([]));
    expect(rawCounters(store.db, "global")).toEqual({ spent: 0n, reserved: 0n });
    other.close();
    store.close();
  });

  it("admits no more from an allowance that expireReservations charged while it was in use", async () => {
    const { file, store } = open();
    await store.setBudget(budget("global", 1_000_000n * C));
    await warm(store);
    const held = BigInt(reservationRows(store.db)[0]!.amount);
    const request = { reservationId: "x", amountPico: C, now: NOW, applies: () => true };
    expect((await store.reserveApplicable!(request)).ok).toBe(true);
    const sweeper = SqliteBudgetStore.fromConnString(file, { allowances: false });
    await sweeper.expireReservations(new Date(NOW.getTime() + 3_600_000));
    await store.settle("x", C / 4n, NOW);
    for (let i = 0; i < 5; i++) expect(await call(store, `after${i}`, C, C / 4n)).toBe(true);
    store.close();
    sweeper.close();
    inspect(file, (db) => {
      expect(reservationRows(db)).toEqual([]);
      expect(rawCounters(db, "global")).toEqual({
        spent: 3n * (C / 4n) + held + 5n * (C / 4n),
        reserved: 0n,
      });
    });
  });

  it("leaves a crashed process's allowance to expireReservations, which charges it in full", async () => {
    const { file, store } = open();
    await store.setBudget(budget("global", 1_000_000n * C));
    for (let i = 0; i < 3; i++) await call(store, `c${i}`, C, C / 4n);
    await vi.waitFor(() => expect(reservationRows(store.db)).toHaveLength(1));
    const held = BigInt(reservationRows(store.db)[0]!.amount);
    // The process dies: its connection goes without close(), so nothing is given back.
    const sweeper = SqliteBudgetStore.fromConnString(file);
    const charged = await sweeper.expireReservations(new Date(NOW.getTime() + 3_600_000));
    expect(charged).toMatchObject([{ chargedPico: held, budgetIds: ["global"] }]);
    const after = inspect(file, (db) => rawCounters(db, "global"));
    expect(after).toEqual({ spent: 3n * (C / 4n) + held, reserved: 0n });
    sweeper.close();
  });

  it("keeps a retried reservation id to one hold, and refuses it with other terms", async () => {
    const { store } = open();
    await store.setBudget(budget("global", 1_000_000n * C));
    for (let i = 0; i < 3; i++) await call(store, `c${i}`, C, C / 4n);
    await vi.waitFor(() => expect(reservationRows(store.db)).toHaveLength(1));
    const request = { reservationId: "r", amountPico: C, now: NOW, applies: () => true };
    expect(await store.reserveApplicable!(request)).toMatchObject({ ok: true });
    expect(await store.reserveApplicable!(request)).toMatchObject({ ok: true });
    await expect(store.reserveApplicable!({ ...request, amountPico: 2n * C })).rejects.toThrow(
      /already open/,
    );
    await store.settle("r", C / 4n, NOW);
    await expect(store.settle("r", C / 4n, NOW)).rejects.toThrow(/No open reservation/);
    expect((await store.status(NOW))[0]).toMatchObject({ spentPico: 4n * (C / 4n) });
    store.close();
  });
});
