/**
 * The usage ledger's group commit: records and settlements asked for in one event-loop turn
 * commit together at the next turn, each in its own savepoint; readers and close commit the
 * queue first.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReservationNotFoundError, type UsageRecord } from "@conclave/core";
import { openMeteringDatabase, SqliteBudgetStore, SqliteLedger } from "@conclave/sqlite";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { budget } from "../../../test/contracts/budget-store.contract.ts";
import { usageRecord } from "../../../test/support/usage-records.ts";

const dir = mkdtempSync(join(tmpdir(), "conclave-metering-writes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `m-${files++}.db`);

const NOW = new Date("2026-11-22T14:15:00.000Z");
const GLOBAL = budget("global", 10n ** 15n);

function record(id: string, costPico = 1_000n): UsageRecord {
  return usageRecord({ id, ts: NOW.toISOString(), costPico });
}

/** A budget store and a ledger on `db`, with 5,000 pico reserved under each of `ids`. */
async function reservedOn(db: Database, ids: string[]) {
  const budgets = new SqliteBudgetStore(db);
  const ledger = new SqliteLedger(db);
  await budgets.setBudget(GLOBAL);
  for (const reservationId of ids) {
    await budgets.reserve({ reservationId, budgetIds: ["global"], amountPico: 5_000n, now: NOW });
  }
  return { budgets, ledger };
}

/** Frames in the WAL file: every commit appends one per page it changed. */
function walFrames(file: string, pageSize: number): number {
  return Math.round((statSync(`${file}-wal`).size - 32) / (pageSize + 24));
}

function rowsSeenFrom(file: string): number {
  const other = new BetterSqlite3(file, { readonly: true });
  try {
    return (other.prepare("SELECT count(*) AS n FROM conclave_usage").get() as { n: number }).n;
  } finally {
    other.close();
  }
}

describe("SQLite metering writes", () => {
  it("commit at the next event-loop turn, visible to other connections only then", async () => {
    const file = freshFile();
    const ledger = SqliteLedger.fromConnString(file);
    try {
      await ledger.list({});
      const written = ledger.record(record("a"));
      expect(rowsSeenFrom(file)).toBe(0);
      await written;
      expect(rowsSeenFrom(file)).toBe(1);
    } finally {
      ledger.close();
    }
  });

  it("share one commit when asked for in the same turn", async () => {
    const file = freshFile();
    const db = openMeteringDatabase(file);
    db.pragma("wal_autocheckpoint = 0");
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    const ledger = new SqliteLedger(db);
    try {
      await ledger.list({});
      const start = walFrames(file, pageSize);
      for (let i = 0; i < 8; i++) await ledger.record(record(`one-by-one-${i}`));
      const oneByOne = walFrames(file, pageSize) - start;
      const before = walFrames(file, pageSize);
      await Promise.all(Array.from({ length: 8 }, (_, i) => ledger.record(record(`turn-${i}`))));
      const together = walFrames(file, pageSize) - before;
      expect(oneByOne).toBeGreaterThanOrEqual(8);
      expect(together).toBeLessThan(oneByOne / 2);
      expect(await ledger.list({})).toHaveLength(16);
    } finally {
      db.close();
    }
  });

  it("roll back a failing settlement alone; the others commit", async () => {
    const db = openMeteringDatabase(freshFile());
    const { budgets, ledger } = await reservedOn(db, ["r1", "r2"]);
    try {
      const settle = (id: string, reservationId: string) =>
        ledger.recordSettled(record(id), { budgets, reservationId, now: NOW });
      const results = await Promise.allSettled([
        settle("a", "r1"),
        settle("b", "unknown"),
        settle("c", "r2"),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ReservationNotFoundError);
      expect((await ledger.list({})).map((r) => r.id)).toEqual(["a", "c"]);
      const [status] = await budgets.status(NOW);
      expect(status).toMatchObject({ spentPico: 2_000n, reservedPico: 0n });
      expect(db.inTransaction).toBe(false);
    } finally {
      db.close();
    }
  });

  it("are committed before a read of the same connection, and before close", async () => {
    const file = freshFile();
    const db = openMeteringDatabase(file);
    const { budgets, ledger } = await reservedOn(db, ["r1"]);
    const settled = ledger.recordSettled(record("a"), { budgets, reservationId: "r1", now: NOW });
    // Same turn: the status read commits the queue first.
    const [status] = await budgets.status(NOW);
    expect(status).toMatchObject({ spentPico: 1_000n, reservedPico: 0n });
    await settled;
    const late = ledger.record(record("b"));
    ledger.close();
    budgets.close();
    db.close();
    await late;
    expect(rowsSeenFrom(file)).toBe(2);
  });

  it("fail with a clear error when the raw connection was closed first", async () => {
    const db = openMeteringDatabase(freshFile());
    const ledger = new SqliteLedger(db);
    await ledger.list({});
    const lost = ledger.record(record("a"));
    db.close();
    await expect(lost).rejects.toMatchObject({
      code: "WRITE_LOST",
      message: expect.stringContaining("close the stores"),
    });
  });
});
