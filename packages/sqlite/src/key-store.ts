/**
 * API keys in the SQLite file (hashes only; see core's platform/keys.ts). Shares the
 * connection of the other stores.
 */
import type { ApiKey, ApiKeyScope, KeyStore } from "@conclave/core";
import type { Database } from "better-sqlite3";
import { migrate } from "./migrate.ts";
import { StatementCache } from "./statement-cache.ts";

interface KeyRow {
  key_id: string;
  tenant: string;
  name: string;
  scopes: string;
  prefix: string;
  rate_limit_per_minute: number | null;
  created_at: string;
  revoked_at: string | null;
}

const COLUMNS =
  "key_id, tenant, name, scopes, prefix, rate_limit_per_minute, created_at, revoked_at";

function keyOf(row: KeyRow): ApiKey {
  return {
    keyId: row.key_id,
    tenant: row.tenant,
    name: row.name,
    scopes: JSON.parse(row.scopes) as ApiKeyScope[],
    prefix: row.prefix,
    rateLimitPerMinute: row.rate_limit_per_minute,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export class SqliteKeyStore implements KeyStore {
  readonly db: Database;
  readonly #statements: StatementCache;

  constructor(db: Database) {
    this.db = db;
    this.#statements = new StatementCache(db);
    migrate(db);
  }

  async create(key: ApiKey, hash: string): Promise<ApiKey> {
    this.#statements
      .get(`INSERT INTO conclave_api_keys (${COLUMNS}, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        key.keyId,
        key.tenant,
        key.name,
        JSON.stringify(key.scopes),
        key.prefix,
        key.rateLimitPerMinute,
        key.createdAt,
        key.revokedAt,
        hash,
      );
    return structuredClone(key);
  }

  async findByHash(hash: string): Promise<ApiKey | undefined> {
    const row = this.#statements
      .get(`SELECT ${COLUMNS} FROM conclave_api_keys WHERE hash = ?`)
      .get(hash) as KeyRow | undefined;
    return row ? keyOf(row) : undefined;
  }

  async list(tenant?: string): Promise<ApiKey[]> {
    const rows = (
      tenant === undefined
        ? this.#statements
            .get(`SELECT ${COLUMNS} FROM conclave_api_keys ORDER BY created_at, key_id`)
            .all()
        : this.#statements
            .get(
              `SELECT ${COLUMNS} FROM conclave_api_keys WHERE tenant = ? ORDER BY created_at, key_id`,
            )
            .all(tenant)
    ) as KeyRow[];
    return rows.map(keyOf);
  }

  async revoke(keyId: string, now: Date): Promise<boolean> {
    const result = this.#statements
      .get("UPDATE conclave_api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL")
      .run(now.toISOString(), keyId);
    return result.changes > 0;
  }
}
