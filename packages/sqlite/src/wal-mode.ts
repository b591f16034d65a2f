/**
 * Switching a file to WAL needs its exclusive lock. Two processes opening a new file at once can
 * both hold the shared lock and both ask for the exclusive one; SQLite then fails one of them
 * with SQLITE_BUSY at once, without calling the busy handler (waiting could only deadlock). The
 * loser retries here: by then the winner has usually switched the file, and the retry finds WAL.
 */
import type { Database } from "better-sqlite3";

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Sets `busy_timeout`, then WAL mode (not for ":memory:"), retrying a lost lock race for up to
 * `busyTimeoutMs`.
 */
export function useWal(db: Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  if (db.memory) return;
  const deadline = Date.now() + busyTimeoutMs;
  for (let waitMs = 1; ; waitMs = Math.min(waitMs * 2, 50)) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "SQLITE_BUSY" || Date.now() >= deadline)
        throw error;
    }
    // Synchronous like the rest of opening a connection; bounded by the busy timeout.
    Atomics.wait(pause, 0, 0, waitMs);
  }
}
