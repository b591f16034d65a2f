/**
 * Runs the numbered migrations in one transaction under a transaction-scoped advisory lock, so
 * any number of processes may call `setup()` at once: one applies, the others wait and then
 * find nothing to do. Idempotent.
 */
import { CheckpointFormatError, InvalidArgumentError } from "@conclave/core";
import type pg from "pg";
import { NO_QUERY_TIMEOUT_MS, rollbackAfter } from "./pool.ts";
import { MIGRATIONS } from "./sql/migrations/index.ts";

/** The newest schema version this package knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** First key of the advisory lock; the second is hashtext(schema). "cncl" in ASCII. */
const LOCK_CLASS = 0x636e636c;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Quotes a schema name for SQL.
 * @throws InvalidArgumentError for a name that is not a plain identifier.
 */
export function quoteSchema(schema: string): string {
  if (!IDENTIFIER.test(schema)) {
    throw new InvalidArgumentError(
      `PostgresSaver schema must be a plain identifier (letters, digits, _; at most 63), got ` +
        `${JSON.stringify(schema)}.`,
    );
  }
  return `"${schema}"`;
}

/**
 * Brings `schema` up to {@link SCHEMA_VERSION}, creating it if needed.
 * @throws CheckpointFormatError when the schema was migrated by a newer version.
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const q = quoteSchema(schema);
  const connected = await pool.connect();
  // Migrations (and waiting for another process's) may take longer than a query is allowed.
  const client = untimed(connected);
  let broken = false;
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${q}.conclave_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0) AS version FROM ${q}.conclave_migrations`,
    );
    const version = rows[0]?.version ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new CheckpointFormatError(
        `The PostgreSQL checkpoint schema ${q} is v${version} but this runtime knows up to ` +
          `v${SCHEMA_VERSION}; upgrade @conclave/postgres.`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= version) continue;
      await client.query(migration.sql.replaceAll(":schema", q));
      await client.query(`INSERT INTO ${q}.conclave_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
    await client.query("COMMIT");
  } catch (error) {
    broken = await rollbackAfter(connected, error);
    throw error;
  } finally {
    connected.release(broken);
  }
}

/** `client` whose statements wait for their answer as long as they need. */
function untimed(client: pg.PoolClient): { query: pg.PoolClient["query"] } {
  const query = (text: string, values?: unknown[]) =>
    // node-postgres reads a query's own query_timeout; its types do not list it.
    client.query({ text, values, query_timeout: NO_QUERY_TIMEOUT_MS } as pg.QueryConfig);
  return { query: query as pg.PoolClient["query"] };
}
