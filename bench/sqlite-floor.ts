/**
 * The physical floor of a durable step: one prepared INSERT of a ~200-byte row, committed on
 * its own (autocommit) in WAL mode, timed with the same better-sqlite3 build the Conclave
 * saver uses. A checkpointing engine cannot commit a step faster than this.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqlite } from "./engines.ts";

/** `synchronous` levels measured: NORMAL is the Conclave saver's, FULL fsyncs every commit. */
export type SyncLevel = "NORMAL" | "FULL";

/** One floor measurement. */
export interface FloorResult {
  synchronous: SyncLevel;
  /** Median µs of one insert-commit. */
  medianUs: number;
  p10Us: number;
  p90Us: number;
  n: number;
  rowBytes: number;
  /** Every timed insert-commit, µs; dropped once rounds are pooled. */
  samplesUs?: number[];
}

/** The value at quantile `q` (0..1) of already-sorted numbers. Pure. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Times `count` autocommitted inserts (after `warmup` untimed ones) into a fresh temp file.
 * The row mimics a small checkpoint row: thread id, step, checkpoint id and a 150-byte blob: ~200 bytes.
 */
export function measureInsertCommit(
  synchronous: SyncLevel,
  count: number,
  warmup = 200,
): FloorResult {
  const dir = mkdtempSync(join(tmpdir(), "conclave-floor-"));
  const db = openSqlite(join(dir, "floor.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous}`);
    db.exec(
      "CREATE TABLE rows (thread_id TEXT NOT NULL, step INTEGER NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (thread_id, step))",
    );
    const insert = db.prepare("INSERT INTO rows (thread_id, step, id, body) VALUES (?, ?, ?, ?)");
    const body = Buffer.alloc(150, 7);
    const rowBytes = "thread-1".length + 8 + 36 + body.length;
    const samples: number[] = [];
    for (let i = 0; i < warmup + count; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      const t0 = process.hrtime.bigint();
      insert.run("thread-1", i, id, body);
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (i >= warmup) samples.push(us);
    }
    samples.sort((a, b) => a - b);
    return {
      synchronous,
      medianUs: quantile(samples, 0.5),
      p10Us: quantile(samples, 0.1),
      p90Us: quantile(samples, 0.9),
      n: samples.length,
      rowBytes,
      samplesUs: samples,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
