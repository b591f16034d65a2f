/**
 * Opens every store the platform needs from one database URL: a SQLite file path (the
 * embedded default) or a `postgres://` URL. All stores share one connection (SQLite) or pool
 * (PostgreSQL), so checkpoints, runs, keys, audit events and usage live in one database.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type {
  AuditLog,
  BudgetStore,
  KeyStore,
  Ledger,
  PlatformStore,
  SettingsStore,
  Store,
} from "@conclave/core";
import { InvalidArgumentError } from "@conclave/core";
import {
  PostgresAuditLog,
  PostgresBudgetStore,
  PostgresKeyStore,
  PostgresLedger,
  PostgresPlatformStore,
  PostgresSettingsStore,
  PostgresStore,
} from "@conclave/postgres";
import {
  SqliteAuditLog,
  SqliteBudgetStore,
  SqliteKeyStore,
  SqliteLedger,
  SqlitePlatformStore,
  SqliteSettingsStore,
  SqliteStore,
} from "@conclave/sqlite";

export const DEFAULT_DATABASE_URL = ".conclave/conclave.db";

export interface Platform {
  kind: "sqlite" | "postgres";
  /** The URL with any password masked, for logs. */
  displayUrl: string;
  store: PlatformStore;
  keys: KeyStore;
  settings: SettingsStore;
  audit: AuditLog;
  ledger: Ledger;
  budgets: BudgetStore;
  /** Long-term memory, in the same database (`Runtime`'s `items`). */
  items: Store;
  close(): Promise<void>;
}

export interface OpenPlatformOptions {
  /** PostgreSQL schema. Default "public". */
  schema?: string;
  /** Told about connection errors the PostgreSQL stores recover from. */
  onError?: (error: Error) => void;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL with its password replaced by "***". */
export function maskUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/i, "$1***@");
}

export async function openPlatform(
  url = DEFAULT_DATABASE_URL,
  options: OpenPlatformOptions = {},
): Promise<Platform> {
  if (url.trim() === "") {
    throw new InvalidArgumentError(
      'The database URL is empty; set CONCLAVE_DATABASE_URL to a SQLite file path or a postgres:// URL (default ".conclave/conclave.db").',
      "INVALID_DATABASE_URL",
    );
  }
  return isPostgresUrl(url) ? openPostgres(url, options) : openSqlite(url);
}

function openSqlite(path: string): Platform {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const store = SqlitePlatformStore.fromConnString(file);
  const { db } = store;
  return {
    kind: "sqlite",
    displayUrl: file,
    store,
    keys: new SqliteKeyStore(db),
    settings: new SqliteSettingsStore(db),
    audit: new SqliteAuditLog(db),
    ledger: new SqliteLedger(db),
    budgets: new SqliteBudgetStore(db),
    items: new SqliteStore(db),
    close: () => store.close(),
  };
}

async function openPostgres(url: string, options: OpenPlatformOptions): Promise<Platform> {
  const schema = options.schema ?? "public";
  const store = PostgresPlatformStore.fromConnString(url, { schema, onError: options.onError });
  await store.setup();
  const { pool } = store;
  const keys = new PostgresKeyStore(pool, { schema });
  await keys.setup();
  const settings = new PostgresSettingsStore(pool, { schema });
  return {
    kind: "postgres",
    displayUrl: maskUrl(url),
    store,
    keys,
    settings,
    audit: new PostgresAuditLog(pool, { schema }),
    ledger: new PostgresLedger(pool, { schema }),
    budgets: new PostgresBudgetStore(pool, { schema }),
    items: new PostgresStore(pool, { schema }),
    close: () => store.close(),
  };
}
