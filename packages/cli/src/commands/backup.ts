/**
 * `conclave backup <file>` and `conclave restore <file>`: the whole database (checkpoints,
 * runs, threads, audit log, usage, budgets, keys) to one file and back. SQLite is copied with
 * the online backup API, consistent while servers and workers keep running; PostgreSQL goes
 * through pg_dump / pg_restore. Progress shows on stderr when it is a terminal.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ConflictError } from "@conclave/core";
import { isPostgresUrl } from "@conclave/runtime";
import { type CommandContext, EXIT, emit, progressLine, stopSignal } from "../kit.ts";
import { type Action, type Flags, required, runAction } from "./command-group.ts";
import { backupPostgres, restorePostgres } from "./pg-backup.ts";
import { settingsOf } from "./session.ts";
import { type BackupSummary, backupSqlite, restoreSqlite } from "./sqlite-backup.ts";

const BACKUP_USAGE = `Usage: conclave backup <file> [--force] [--database <url>]

Writes a consistent copy of the database to <file> while it keeps serving.
  SQLite      SQLite's online backup API; the copy is integrity-checked
  PostgreSQL  pg_dump --format=custom (PostgreSQL client tools on PATH, or CONCLAVE_PG_BIN)
Refuses to overwrite an existing <file> unless --force. Exit 0 on success, 1 on failure,
3 when the SQLite database does not exist.`;

const RESTORE_USAGE = `Usage: conclave restore <file> [--force] [--database <url>]

Replaces the database with a backup made by \`conclave backup\`, then migrates it.
  SQLite      the backup is checked (a Conclave schema, quick_check, migrations) on a copy
              first; the replaced file is kept as <database>.pre-restore
  PostgreSQL  pg_restore --clean --single-transaction (all or nothing)
Refuses while the database is in use (a live worker, or another open connection / session)
unless --force; processes still using it must then be restarted. Exit 0 on success, 1 on
failure or when in use, 3 when <file> does not exist.`;

const OPTIONS = { force: { type: "boolean" } } as const;

function describe(verb: string, s: BackupSummary): string {
  const counts = Object.entries(s.counts)
    .map(([name, n]) => `${n} ${name}`)
    .join(", ");
  const size = `${(s.bytes / 1024 / 1024).toFixed(2)} MB`;
  const lines = [
    `${verb} ${s.kind} ${s.database} ${verb === "backed up" ? "to" : "from"} ${s.file} (${size})`,
    counts,
  ];
  if (s.previous) lines.push(`the replaced database is kept at ${s.previous}`);
  return lines.join("\n");
}

async function backup(ctx: CommandContext, flags: Flags, positionals: string[]): Promise<number> {
  const file = resolve(
    ctx.io.cwd,
    required(positionals, "a backup file", "where to write the backup"),
  );
  if (existsSync(file) && !flags.force)
    throw new ConflictError(
      "FILE_EXISTS",
      `${file} already exists; choose another name, or pass --force to overwrite it.`,
    );
  const { databaseUrl } = await settingsOf(ctx, flags);
  const progress = progressLine(ctx.io);
  const signal = stopSignal(ctx.io);
  let summary: BackupSummary;
  try {
    summary = isPostgresUrl(databaseUrl)
      ? await backupPostgres(ctx.io, databaseUrl, file, { progress, signal })
      : await backupSqlite(resolve(ctx.io.cwd, databaseUrl), file, progress, signal);
  } finally {
    progress.done();
  }
  emit(ctx, summary, () => describe("backed up", summary));
  return EXIT.ok;
}

async function restore(ctx: CommandContext, flags: Flags, positionals: string[]): Promise<number> {
  const file = resolve(
    ctx.io.cwd,
    required(positionals, "a backup file", "made by `conclave backup`"),
  );
  const { databaseUrl } = await settingsOf(ctx, flags);
  const force = flags.force === true;
  const progress = progressLine(ctx.io);
  const signal = stopSignal(ctx.io);
  let summary: BackupSummary;
  try {
    summary = isPostgresUrl(databaseUrl)
      ? await restorePostgres(ctx.io, file, databaseUrl, { force, progress, signal })
      : await restoreSqlite(file, resolve(ctx.io.cwd, databaseUrl), { force });
  } finally {
    progress.done();
  }
  emit(ctx, summary, () => describe("restored", summary));
  return EXIT.ok;
}

const backupAction: Action = { usage: BACKUP_USAGE, options: OPTIONS, run: backup };
const restoreAction: Action = { usage: RESTORE_USAGE, options: OPTIONS, run: restore };

/** `conclave backup`. */
export const backupCommand = {
  name: "backup",
  summary: "copy the database to a file, consistently, while it runs",
  usage: BACKUP_USAGE,
  run: (ctx: CommandContext) => runAction(ctx, backupAction, ctx.args),
};

/** `conclave restore`. */
export const restoreCommand = {
  name: "restore",
  summary: "replace the database with a backup (refuses while in use)",
  usage: RESTORE_USAGE,
  run: (ctx: CommandContext) => runAction(ctx, restoreAction, ctx.args),
};
