/**
 * The usage ledger's group commit: records and settlements asked for in one event-loop turn
 * commit together at the next turn, each in its own savepoint; readers and close commit the
 * queue first.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BudgetDefinition, ReservationNotFoundError, type UsageRecord } from "@conclave/core";
import { openMeteringDatabase, SqliteBudgetStore, SqliteLedger } from "@conclave/sqlite";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "conclave-metering-writes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `m-${files++}.db`);

const NOW = new Date("2026-11-22T14:15:00.000Z");
const GLOBAL: BudgetDefinition = {
  id: "global",
  scope: { kind: "global" },
  limitPico: 10n ** 15n,
  period: "none",
  action: "fail",
};

function record(id: string, costPico = 1_000n): UsageRecord {
  return {
    id,
    ts: NOW.toISOString(),
    alias: "fast",
    deployment: "cheap",
    provider: "sim",
    model: "sim-cheap",
    tokens: {
      inputNoCache: 10,
      inputCacheRead: 0,
      inputCacheWrite: 0,
      outputText: 5,
      outputReasoning: 0,
    },
    costPico,
    priceVersion: "test",
    latencyMs: 1,
    status: "ok",
    streamed: false,
  };
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
    const budgets = new SqliteBudgetStore(db);
    const ledger = new SqliteLedger(db);
    try {
      await budgets.setBudget(GLOBAL);
      for (const id of ["r1", "r2"]) {
        await budgets.reserve({
          reservationId: id,
          budgetIds: ["global"],
          amountPico: 5_000n,
          now: NOW,
        });
      }
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
    const budgets = new SqliteBudgetStore(db);
    const ledger = new SqliteLedger(db);
    await budgets.setBudget(GLOBAL);
    await budgets.reserve({
      reservationId: "r1",
      budgetIds: ["global"],
      amountPico: 5_000n,
      now: NOW,
    });
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
      code: "METERING_WRITE_LOST",
      message: expect.stringContaining("close the stores"),
    });
  });
});
