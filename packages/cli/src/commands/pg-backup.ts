/**
 * Backup and restore of a PostgreSQL database through the standard client tools: `pg_dump
 * --format=custom` (a consistent snapshot, taken while the database keeps serving) and
 * `pg_restore --clean --single-transaction` (all or nothing, so an interrupted restore changes
 * nothing). A restore refuses a database that other sessions use unless `force`, and migrates
 * and counts the result.
 */
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { ConflictError, NotFoundError } from "@conclave/core";
import { PostgresPlatformStore } from "@conclave/postgres";
import { openPlatform, type Platform } from "@conclave/runtime";
import type { CliIo, Progress } from "../kit.ts";
import { countRows } from "./admin-sql.ts";
import { connection, runTool } from "./pg-tool.ts";
import type { BackupSummary } from "./sqlite-backup.ts";

/** The application name this command's own connections use, so the in-use check skips them. */
const SELF = "conclave-cli-restore";

async function summaryOf(url: string, file: string): Promise<BackupSummary> {
  const platform = await openPlatform(url);
  try {
    await platform.store.ping();
    const counts = await countRows(platform.store);
    return {
      kind: "postgres",
      database: platform.displayUrl,
      file,
      bytes: statSync(file).size,
      counts,
    };
  } finally {
    await platform.close();
  }
}

/** Dumps the database at `url` to `file` (custom format), via `<file>.partial`. */
export async function backupPostgres(
  io: CliIo,
  url: string,
  file: string,
  options: { progress: Progress; signal: AbortSignal },
): Promise<BackupSummary> {
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  let tables = 0;
  const args = [
    "--format=custom",
    "--verbose",
    `--file=${partial}`,
    `--dbname=${connection(io, url).url}`,
  ];
  try {
    const onLine = (line: string) => {
      const table = /dumping contents of table "?([^"]+)"?/.exec(line)?.[1];
      if (table) options.progress.update(`backup: table ${++tables}: ${table}`);
    };
    await runTool(io, "pg_dump", args, url, { onLine, signal: options.signal });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  renameSync(partial, file);
  return summaryOf(url, file);
}

/** Other sessions on the database (this command's own excepted), as a reason, or undefined. */
async function otherSessions(platform: Platform): Promise<string | undefined> {
  const { store } = platform;
  if (!(store instanceof PostgresPlatformStore)) return undefined;
  const { rows } = await store.pool.query(
    `SELECT count(*)::int AS n, string_agg(DISTINCT coalesce(nullif(application_name, ''), client_addr::text, 'local'), ', ') AS who
       FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND backend_type = 'client backend' AND application_name <> $1`,
    [SELF],
  );
  const { n, who } = rows[0] as { n: number; who: string | null };
  return n > 0 ? `${n} other session(s): ${who ?? "unknown"}` : undefined;
}

function withApplicationName(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("application_name", SELF);
  return parsed.toString();
}

/** Restores `file` into the database at `url`, replacing the objects it holds. */
export async function restorePostgres(
  io: CliIo,
  file: string,
  url: string,
  options: { force: boolean; progress: Progress; signal: AbortSignal },
): Promise<BackupSummary> {
  if (!existsSync(file))
    throw new NotFoundError("BACKUP_NOT_FOUND", `no backup file at ${file}; check the path.`);
  if (!options.force) {
    const platform = await openPlatform(withApplicationName(url));
    const reason = await otherSessions(platform).finally(() => platform.close());
    if (reason !== undefined)
      throw new ConflictError(
        "DATABASE_IN_USE",
        `the database is in use (${reason}); stop the conclave serve/worker processes using it and try again, or pass --force.`,
      );
  }
  let items = 0;
  const args = [
    "--clean",
    "--if-exists",
    "--no-owner",
    "--single-transaction",
    "--exit-on-error",
    "--verbose",
    `--dbname=${connection(io, url).url}`,
    file,
  ];
  const onLine = (line: string) => {
    if (/processing data for table|creating TABLE/.test(line))
      options.progress.update(`restore: ${++items} steps: ${line.replace(/^pg_restore: /, "")}`);
  };
  await runTool(io, "pg_restore", args, url, { onLine, signal: options.signal });
  return summaryOf(url, file);
}
