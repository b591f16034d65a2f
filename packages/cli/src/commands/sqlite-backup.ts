/**
 * Backup and restore of a SQLite database file.
 *
 * - Backup uses SQLite's online backup API (better-sqlite3 `db.backup()`), which copies a
 *   consistent snapshot while other processes keep writing, into `<file>.partial`; the copy is
 *   integrity-checked, then renamed into place, so a failed backup never leaves a file that
 *   looks complete.
 * - Restore checks the backup first, on a copy next to the database: it must be a SQLite file
 *   with a Conclave schema, pass `quick_check`, and migrate. It then refuses to replace a
 *   database in use: a live worker lease, or any other open connection (switching the journal
 *   mode out of WAL needs the file to itself), unless `force`. The old file is kept as
 *   `<database>.pre-restore`.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { copyFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ConflictError, NotFoundError } from "@conclave/core";
import { SqlitePlatformStore } from "@conclave/sqlite";
import { type Progress, UsageError } from "../kit.ts";
import { countRows } from "./admin-sql.ts";

/** What a backup or restore did. */
export interface BackupSummary {
  kind: "sqlite" | "postgres";
  database: string;
  file: string;
  bytes: number;
  counts: Record<string, number>;
  /** Restore only: where the replaced database was kept. */
  previous?: string | null;
}

const SIDE_FILES = ["-wal", "-shm", "-journal"];

function removeWithSideFiles(path: string): void {
  for (const suffix of ["", ...SIDE_FILES]) rmSync(`${path}${suffix}`, { force: true });
}

/** Opens a copy, checks it and counts its rows; `migratedBefore` demands a Conclave schema. */
async function inspect(path: string, migratedBefore?: string): Promise<Record<string, number>> {
  const store = SqlitePlatformStore.fromConnString(path, { mustExist: true });
  try {
    const check = store.db.pragma("quick_check", { simple: true });
    if (check !== "ok") throw new Error(`${path} failed SQLite's quick_check: ${String(check)}`);
    if (migratedBefore !== undefined) {
      const older = store.db
        .prepare("SELECT count(*) AS n FROM conclave_migrations WHERE applied_at < ?")
        .get(migratedBefore) as { n: number };
      if (older.n === 0)
        throw new UsageError(
          "the file is a SQLite database without a Conclave schema; restore a file made by `conclave backup`.",
        );
    }
    return await countRows(store);
  } finally {
    await store.close();
  }
}

/** Copies the live database at `database` to `file` with the online backup API. */
export async function backupSqlite(
  database: string,
  file: string,
  progress: Progress,
  signal: AbortSignal,
): Promise<BackupSummary> {
  if (!existsSync(database))
    throw new NotFoundError(
      "DATABASE_NOT_FOUND",
      `no SQLite database at ${database}; check --database or CONCLAVE_DATABASE_URL.`,
    );
  const partial = `${file}.partial`;
  removeWithSideFiles(partial);
  const store = SqlitePlatformStore.fromConnString(database, { mustExist: true });
  try {
    await store.db.backup(partial, {
      // Throwing here aborts the copy (the promise rejects with the error).
      progress: ({ totalPages, remainingPages }) => {
        signal.throwIfAborted();
        progress.update(`backup: ${totalPages - remainingPages}/${totalPages} pages`);
        return 256;
      },
    });
  } catch (error) {
    removeWithSideFiles(partial);
    throw error;
  } finally {
    await store.close();
  }
  const counts = await inspect(partial);
  renameSync(partial, file);
  removeWithSideFiles(partial);
  return { kind: "sqlite", database, file, bytes: statSync(file).size, counts };
}

function isSqliteFile(path: string): boolean {
  const header = Buffer.alloc(16);
  const fd = openSync(path, "r");
  try {
    return (
      readSync(fd, header, 0, 16, 0) === 16 && header.toString("latin1") === "SQLite format 3\0"
    );
  } finally {
    closeSync(fd);
  }
}

/** Why the database cannot be replaced now, or undefined when nothing else uses it. */
async function inUse(database: string): Promise<string | undefined> {
  const store = SqlitePlatformStore.fromConnString(database, { mustExist: true });
  try {
    const now = Date.now();
    const live = (await store.workers.list(new Date(now))).filter(
      (w) => Date.parse(w.leaseExpiresAt) > now,
    );
    if (live.length > 0)
      return `worker(s) ${live.map((w) => `${w.workerId} (pid ${w.pid ?? "?"} on ${w.hostname ?? "?"})`).join(", ")} hold a lease on it`;
    store.db.pragma("busy_timeout = 0");
    const mode = store.db.pragma("journal_mode = DELETE", { simple: true });
    return mode === "delete" ? undefined : "another connection has it open";
  } catch (error) {
    if ((error as { code?: string }).code === "SQLITE_BUSY") return "another process has it open";
    throw error;
  } finally {
    await store.close();
  }
}

/** Checks `file`, then puts it in place of the database at `database`. */
export async function restoreSqlite(
  file: string,
  database: string,
  options: { force: boolean },
): Promise<BackupSummary> {
  if (!existsSync(file))
    throw new NotFoundError("BACKUP_NOT_FOUND", `no backup file at ${file}; check the path.`);
  if (!isSqliteFile(file))
    throw new UsageError(
      `${file} is not a SQLite database; restore a file made by \`conclave backup\`.`,
    );
  const staged = `${database}.restoring`;
  mkdirSync(dirname(database), { recursive: true });
  removeWithSideFiles(staged);
  await copyFile(file, staged);
  try {
    await inspect(staged, new Date(Date.now() - 1).toISOString());
  } catch (error) {
    removeWithSideFiles(staged);
    throw error;
  }
  const previous = existsSync(database) ? await setAside(database, options.force, staged) : null;
  renameSync(staged, database);
  removeWithSideFiles(staged);
  const counts = await inspect(database);
  return { kind: "sqlite", database, file, bytes: statSync(database).size, counts, previous };
}

/** Moves the current database to `<database>.pre-restore`, unless it is in use. */
async function setAside(database: string, force: boolean, staged: string): Promise<string> {
  const reason = force ? undefined : await inUse(database);
  if (reason !== undefined) {
    removeWithSideFiles(staged);
    throw new ConflictError(
      "DATABASE_IN_USE",
      `${database} is in use (${reason}); stop the conclave serve/worker processes using it and try again, or pass --force (they must then be restarted).`,
    );
  }
  const previous = `${database}.pre-restore`;
  removeWithSideFiles(previous);
  // Side files move along, so the kept copy still holds what a forced restore's WAL had.
  for (const suffix of ["", ...SIDE_FILES])
    if (existsSync(`${database}${suffix}`))
      renameSync(`${database}${suffix}`, `${previous}${suffix}`);
  return previous;
}
