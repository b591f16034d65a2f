/**
 * API keys in PostgreSQL (hashes only; see core's platform/keys.ts).
 */
import type { ApiKey, ApiKeyScope, KeyStore } from "@conclave/core";
import type pg from "pg";
import { SchemaTable } from "./schema-table.ts";

interface KeyRow {
  key_id: string;
  tenant: string;
  name: string;
  scopes: ApiKeyScope[];
  prefix: string;
  rate_limit_per_minute: number | null;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS =
  "key_id, tenant, name, scopes, prefix, rate_limit_per_minute, created_at, revoked_at";

function keyOf(row: KeyRow): ApiKey {
  return {
    keyId: row.key_id,
    tenant: row.tenant,
    name: row.name,
    scopes: row.scopes,
    prefix: row.prefix,
    rateLimitPerMinute: row.rate_limit_per_minute,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

export class PostgresKeyStore implements KeyStore {
  readonly pool: pg.Pool;
  readonly #keys: SchemaTable;
  readonly #table: string;

  constructor(pool: pg.Pool, options: { schema?: string } = {}) {
    this.pool = pool;
    this.#keys = new SchemaTable(pool, "conclave_api_keys", options.schema);
    this.#table = this.#keys.name;
  }

  /** Runs the migrations once. */
  setup(): Promise<void> {
    return this.#keys.setup();
  }

  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    return (await this.#keys.query<R>(sql, params)).rows;
  }

  async create(key: ApiKey, hash: string): Promise<ApiKey> {
    await this.#query(
      `INSERT INTO ${this.#table} (${COLUMNS}, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        key.keyId,
        key.tenant,
        key.name,
        JSON.stringify(key.scopes),
        key.prefix,
        key.rateLimitPerMinute,
        key.createdAt,
        key.revokedAt,
        hash,
      ],
    );
    return structuredClone(key);
  }

  async findByHash(hash: string): Promise<ApiKey | undefined> {
    const [row] = await this.#query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.#table} WHERE hash = $1`,
      [hash],
    );
    return row ? keyOf(row) : undefined;
  }

  async list(tenant?: string): Promise<ApiKey[]> {
    const rows =
      tenant === undefined
        ? await this.#query<KeyRow>(
            `SELECT ${COLUMNS} FROM ${this.#table} ORDER BY created_at, key_id`,
            [],
          )
        : await this.#query<KeyRow>(
            `SELECT ${COLUMNS} FROM ${this.#table} WHERE tenant = $1 ORDER BY created_at, key_id`,
            [tenant],
          );
    return rows.map(keyOf);
  }

  async revoke(keyId: string, now: Date): Promise<boolean> {
    const rows = await this.#query(
      `UPDATE ${this.#table} SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL RETURNING key_id`,
      [now.toISOString(), keyId],
    );
    return rows.length > 0;
  }
}
