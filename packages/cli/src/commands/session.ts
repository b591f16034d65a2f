/**
 * What the admin commands share: resolving settings, opening the database for the length of
 * one command, a short-lived runtime for actions that go through it (cancel, retry: they are
 * audited like API calls), and finding the tenant of a run or thread when --tenant is absent.
 */

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { NotFoundError } from "@conclave/core";
import {
  isPostgresUrl,
  openPlatform,
  type Platform,
  Runtime,
  type RuntimeLogger,
} from "@conclave/runtime";
import type { CliIo, CommandContext } from "../kit.ts";
import { resolveSettings, type Settings } from "../settings.ts";
import { listTenants, tenantOfRun, tenantOfThread } from "./admin-sql.ts";
import { type Flags, text } from "./command-group.ts";

/** An open database and the settings it came from. */
export interface Session {
  settings: Settings;
  platform: Platform;
}

/** Settings for an admin command (profile "prod" unless --profile or CONCLAVE_PROFILE says). */
export function settingsOf(ctx: CommandContext, flags: Flags): Promise<Settings> {
  return resolveSettings(
    ctx.io,
    {
      database: text(flags, "database"),
      config: text(flags, "config"),
      profile: text(flags, "profile"),
    },
    "prod",
  );
}

/**
 * The database to open: a PostgreSQL URL as is, a SQLite path resolved against the working
 * directory. An admin command on a mistyped path would otherwise create an empty database and
 * report on it, so a missing SQLite file is not found (exit 3).
 */
function existingDatabase(ctx: CommandContext, url: string): string {
  if (isPostgresUrl(url)) return url;
  const path = resolve(ctx.io.cwd, url);
  if (!existsSync(path))
    throw new NotFoundError(
      "DATABASE_NOT_FOUND",
      `no SQLite database at ${path}; check --database or CONCLAVE_DATABASE_URL (\`conclave migrate\` creates one).`,
    );
  return path;
}

/** Runs `work` with the database open, and closes it afterwards whatever happens. */
export async function withPlatform<T>(
  ctx: CommandContext,
  flags: Flags,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  const settings = await settingsOf(ctx, flags);
  const platform = await openPlatform(existingDatabase(ctx, settings.databaseUrl));
  try {
    return await work({ settings, platform });
  } finally {
    await platform.close();
  }
}

/** Runtime logs, on stderr so they never mix with -o json output. */
function stderrLogger(io: CliIo): RuntimeLogger {
  const print = (level: string) => (obj: object, msg?: string) =>
    io.err(`conclave: ${level}: ${msg ?? ""} ${JSON.stringify(obj)}`.trim());
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: print("warn"),
    error: print("error"),
  };
}

/**
 * Runs `work` with a runtime over the session's store (no graphs, no worker), whose audit trail
 * is written synchronously, then closes the runtime.
 */
export async function withRuntime<T>(
  ctx: CommandContext,
  session: Session,
  work: (runtime: Runtime) => Promise<T>,
): Promise<T> {
  const runtime = await Runtime.create({
    store: session.platform.store,
    logger: stderrLogger(ctx.io),
    audit: {
      log: session.platform.audit,
      content: session.settings.config.audit?.content,
      durability: "sync",
    },
  });
  try {
    return await work(runtime);
  } finally {
    await runtime.close(0);
  }
}

/** The tenant of run `runId`: --tenant, or the one that owns it. Not found: exit 3. */
export async function runTenant(platform: Platform, flags: Flags, runId: string): Promise<string> {
  const named = text(flags, "tenant");
  if (named !== undefined) return named;
  const tenant = await tenantOfRun(platform, runId);
  if (tenant === undefined)
    throw new NotFoundError(
      "RUN_NOT_FOUND",
      `no tenant has a run ${JSON.stringify(runId)}; list runs with \`conclave runs ls\`.`,
    );
  return tenant;
}

/** The tenant of thread `threadId`: --tenant, or the one that owns it. Not found: exit 3. */
export async function threadTenant(
  platform: Platform,
  flags: Flags,
  threadId: string,
): Promise<string> {
  const named = text(flags, "tenant");
  if (named !== undefined) return named;
  const tenant = await tenantOfThread(platform, threadId);
  if (tenant === undefined)
    throw new NotFoundError(
      "THREAD_NOT_FOUND",
      `no tenant has a thread ${JSON.stringify(threadId)}; list threads with \`conclave threads ls\`.`,
    );
  return tenant;
}

/** The tenants a listing covers: --tenant, or every tenant with stored data. */
export async function tenantsOf(platform: Platform, flags: Flags): Promise<string[]> {
  const named = text(flags, "tenant");
  return named !== undefined ? [named] : listTenants(platform);
}

/** An ISO time as "2026-11-22 14:15:00" (UTC), short enough for tables. Pure. */
export function shortTime(iso: string | null | undefined): string | null {
  if (!iso) return null;
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}

/** A duration in ms as "850ms", "12.3s", "4m 05s", "2h 03m". Pure. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60)
    return `${minutes}m ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}
