/**
 * The pools the PostgreSQL stores make for a connection string. node-postgres waits forever
 * for a connection by default, so a database host that stops answering (a dropped network
 * path, a server stuck before its handshake) would hang every request instead of failing it;
 * the stores give up after CONNECT_TIMEOUT_MS unless the caller's pool settings say otherwise.
 */
import pg from "pg";

/** How long a store's pool waits for a connection by default. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** A pool for `url` with the stores' defaults under the caller's `config`. */
export function newPool(url: string, config: pg.PoolConfig = {}): pg.Pool {
  return new pg.Pool({
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...config,
    connectionString: url,
  });
}
