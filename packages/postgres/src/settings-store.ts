/** Per-tenant settings in PostgreSQL (see core's platform/settings.ts). */
import { type SettingsStore, settingText } from "@conclave/core";
import type pg from "pg";
import { SchemaTable } from "./schema-table.ts";

export class PostgresSettingsStore implements SettingsStore {
  readonly pool: pg.Pool;
  readonly #settings: SchemaTable;
  readonly #table: string;

  constructor(pool: pg.Pool, options: { schema?: string } = {}) {
    this.pool = pool;
    this.#settings = new SchemaTable(pool, "conclave_settings", options.schema);
    this.#table = this.#settings.name;
  }

  /** Runs the migrations once. */
  setup(): Promise<void> {
    return this.#settings.setup();
  }

  #rows<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#settings.query<R>(sql, params);
  }

  async get(tenant: string, key: string): Promise<unknown> {
    const { rows } = await this.#rows<{ value: string }>(
      `SELECT value FROM ${this.#table} WHERE tenant = $1 AND key = $2`,
      [tenant, key],
    );
    return rows[0] === undefined ? undefined : JSON.parse(rows[0].value);
  }

  async set(tenant: string, key: string, value: unknown, now: Date): Promise<void> {
    await this.#rows(
      `INSERT INTO ${this.#table} (tenant, key, value, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [tenant, key, settingText(key, value), now.getTime()],
    );
  }

  async delete(tenant: string, key: string): Promise<boolean> {
    const result = await this.#rows(`DELETE FROM ${this.#table} WHERE tenant = $1 AND key = $2`, [
      tenant,
      key,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async list(tenant: string): Promise<Record<string, unknown>> {
    const { rows } = await this.#rows<{ key: string; value: string }>(
      `SELECT key, value FROM ${this.#table} WHERE tenant = $1 ORDER BY key`,
      [tenant],
    );
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
  }

  async tenantsWith(key: string): Promise<string[]> {
    const { rows } = await this.#rows<{ tenant: string }>(
      `SELECT tenant FROM ${this.#table} WHERE key = $1 ORDER BY tenant`,
      [key],
    );
    return rows.map((r) => r.tenant);
  }
}
