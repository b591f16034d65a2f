/** Per-tenant settings in the SQLite file (see core's platform/settings.ts). */
import { type SettingsStore, settingText } from "@conclave/core";
import type { Database } from "better-sqlite3";
import { migrate } from "./migrate.ts";
import { StatementCache } from "./statement-cache.ts";

const SQL = {
  get: "SELECT value FROM conclave_settings WHERE tenant = ? AND key = ?",
  set: `INSERT INTO conclave_settings (tenant, key, value, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (tenant, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  delete: "DELETE FROM conclave_settings WHERE tenant = ? AND key = ?",
  list: "SELECT key, value FROM conclave_settings WHERE tenant = ? ORDER BY key",
  tenantsWith: "SELECT tenant FROM conclave_settings WHERE key = ? ORDER BY tenant",
};

export class SqliteSettingsStore implements SettingsStore {
  readonly db: Database;
  readonly #statements: StatementCache;

  constructor(db: Database) {
    this.db = db;
    this.#statements = new StatementCache(db);
    migrate(db);
  }

  async get(tenant: string, key: string): Promise<unknown> {
    const row = this.#statements.get(SQL.get).get(tenant, key) as { value: string } | undefined;
    return row === undefined ? undefined : JSON.parse(row.value);
  }

  async set(tenant: string, key: string, value: unknown, now: Date): Promise<void> {
    this.#statements.get(SQL.set).run(tenant, key, settingText(key, value), now.getTime());
  }

  async delete(tenant: string, key: string): Promise<boolean> {
    return this.#statements.get(SQL.delete).run(tenant, key).changes > 0;
  }

  async list(tenant: string): Promise<Record<string, unknown>> {
    const rows = this.#statements.get(SQL.list).all(tenant) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
  }

  async tenantsWith(key: string): Promise<string[]> {
    return (this.#statements.get(SQL.tenantsWith).all(key) as { tenant: string }[]).map(
      (r) => r.tenant,
    );
  }
}
