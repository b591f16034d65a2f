/**
 * The pools the PostgreSQL stores make for a connection string, with bounded waits.
 *
 * node-postgres waits forever by default, twice over: for a connection, and for a query's
 * answer. A database host that stops answering (a dropped network path, a frozen server) would
 * hang every request instead of failing it. The stores give up connecting after
 * CONNECT_TIMEOUT_MS and waiting for an answer after QUERY_TIMEOUT_MS, unless the caller's pool
 * settings say otherwise. Statements that may legitimately run long (migrations, ANALYZE) pass
 * their own `query_timeout`.
 */
import pg from "pg";

/** How long a store's pool waits for a connection by default. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** How long a store's pool waits for a statement's answer by default. */
export const QUERY_TIMEOUT_MS = 30_000;

/**
 * The `query_timeout` of statements allowed to run as long as they need. node-postgres reads 0
 * as "use the pool's", so this is the longest delay a timer takes (about 24.8 days).
 */
export const NO_QUERY_TIMEOUT_MS = 2_147_483_647;

/** A pool for `url` with the stores' defaults under the caller's `config`. */
export function newPool(url: string, config: pg.PoolConfig = {}): pg.Pool {
  return new pg.Pool({
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    ...config,
    connectionString: url,
  });
}

/**
 * Whether node-postgres gave up waiting for a statement's answer. Such a client cannot run
 * another statement (its connection still waits for the lost answer), so it must be released
 * as broken (`release(true)`), and a ROLLBACK on it would only wait as long again.
 */
export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === "Query read timeout";
}

/**
 * Ends a failed transaction on `client`; returns whether the client is broken (pass it to
 * `release`): it timed out, or even ROLLBACK failed (the server went away).
 */
export async function rollbackAfter(client: pg.PoolClient, error: unknown): Promise<boolean> {
  if (isQueryTimeout(error)) return true;
  try {
    await client.query("ROLLBACK");
    return false;
  } catch {
    return true;
  }
}
