/**
 * The connection side of the PostgreSQL platform store, shared by its repositories: the pool,
 * migrations awaited before the first statement, named (prepared) statements, and
 * transactions on one client. A transaction PostgreSQL picks as a deadlock victim is retried;
 * the lock order of the queue's statements (thread, then run) should make that never happen.
 */
import { createHash } from "node:crypto";
import { FreshThreads } from "@conclave/core";
import pg from "pg";
import { NO_QUERY_TIMEOUT_MS, rollbackAfter } from "../pool.ts";
import { type QueueStatements, queueStatements } from "../sql/platform-queue-statements.ts";
import { type PlatformStatements, platformStatements } from "../sql/platform-statements.ts";

/** Driver error codes (SQLSTATE) the store reacts to. */
export const PG_ERROR = {
  uniqueViolation: "23505",
  deadlockDetected: "40P01",
} as const;

const MAX_ATTEMPTS = 5;

/** Every platform statement, by name. */
export type PlatformSql = PlatformStatements & QueueStatements;

/** Whether `error` is a PostgreSQL error with SQLSTATE `code` (and, if given, on `constraint`). */
export function isPgError(error: unknown, code: string, constraint?: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === code && (constraint === undefined || e.constraint === constraint);
}

/** The statements, pool and readiness of one platform store; used by its repositories. */
export class PlatformDb {
  readonly pool: pg.Pool;
  /** The unquoted schema name. */
  readonly schema: string;
  readonly sql: PlatformSql;
  readonly #prefix: string;
  readonly #ready: () => Promise<void>;
  #queue: pg.Pool | undefined;
  /** Runs claimed here whose thread had no root checkpoint (see core's `FreshThreads`). */
  readonly fresh = new FreshThreads();

  /**
   * @param quoted - The quoted schema; `channel` the wake-up channel its statements notify.
   * @param ready - Resolves once migrations ran; awaited before every pool statement.
   */
  constructor(
    pool: pg.Pool,
    schema: string,
    quoted: string,
    channel: string,
    ready: () => Promise<void>,
  ) {
    this.pool = pool;
    this.schema = schema;
    this.sql = { ...platformStatements(quoted), ...queueStatements(quoted, channel) };
    // Statement names are per connection and cut at 63 bytes by the server: keep them short
    // and distinct per schema, since a pool may serve several stores.
    this.#prefix = `cpl${createHash("sha256").update(schema).digest("hex").slice(0, 8)}_`;
    this.#ready = ready;
  }

  /**
   * Runs statement `name` on `client`, or on the pool as its own transaction (retrying a
   * deadlock victim, which PostgreSQL rolled back whole).
   */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    name: keyof PlatformSql,
    values: unknown[],
    client?: pg.PoolClient,
  ): Promise<pg.QueryResult<R>> {
    const config = { name: this.#prefix + name, text: this.sql[name], values };
    // ANALYZE of a large queue may take longer than a query is allowed to wait.
    if (name === "refreshStatistics") Object.assign(config, { query_timeout: NO_QUERY_TIMEOUT_MS });
    if (client !== undefined) return client.query<R>(config);
    await this.#ready();
    return retried(() => this.pool.query<R>(config));
  }

  /**
   * Runs queue statement `name` (a claim, or a group of run ends) on the queue pool: a second
   * small pool made from the main one's settings whose sessions never sort, bitmap-scan or scan
   * a whole table, so a claim is always planned to walk the pending index in claim order, stop
   * after its batch, and find the threads it holds by key (a sequential scan of the threads was
   * chosen on a stale estimate of ten rows: 3,400 buffers per claim with 1,000 threads). Left
   * to its statistics, PostgreSQL reads every pending run, joins each with its thread and line,
   * then sorts, as soon as it believes few are pending (a new table, or a backlog built since
   * the last ANALYZE): measured with 1,500 pending, 7,900 buffers and 19.6 ms per claim against
   * 60 and 0.2 ms. A pool, not `SET LOCAL` in a transaction: that took three round trips
   * instead of one. A group of ends finds its runs and threads by key the same way: planned
   * while the tables were small, it scanned every thread for each run it ended (4,000 rows and
   * 0.8 ms per run on the queue bench).
   *
   * The sessions also keep the generic plan: PostgreSQL judged it dearer than a custom one and
   * planned every claim anew, 1 ms of server CPU per claim against 0.4 ms to run it
   * (pg_stat_statements with track_planning under the queue bench's two workers). The settings
   * above make the generic plan the index walk whatever the statistics say.
   */
  async queueRows<R extends pg.QueryResultRow>(
    name: keyof PlatformSql,
    values: unknown[],
  ): Promise<R[]> {
    await this.#ready();
    const config = { name: this.#prefix + name, text: this.sql[name], values };
    return (await retried(() => this.#queuePool().query<R>(config))).rows;
  }

  /** As {@link transaction}, on the queue pool (a capped claim's lock and statement). */
  queueTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(work, this.#queuePool());
  }

  #queuePool(): pg.Pool {
    this.#queue ??= queuePoolOf(this.pool);
    return this.#queue;
  }

  /** Ends the queue pool, if one was made (the main pool is the store's to end). */
  async close(): Promise<void> {
    await this.#queue?.end();
    this.#queue = undefined;
  }

  /** The rows of statement `name` (see {@link query}). */
  async rows<R extends pg.QueryResultRow>(
    name: keyof PlatformSql,
    values: unknown[],
    client?: pg.PoolClient,
  ): Promise<R[]> {
    return (await this.query<R>(name, values, client)).rows;
  }

  /** Runs `work` in one transaction on one client; a deadlock victim is run again. */
  async transaction<T>(
    work: (client: pg.PoolClient) => Promise<T>,
    pool: pg.Pool = this.pool,
  ): Promise<T> {
    await this.#ready();
    return retried(async () => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        broken = await rollbackAfter(client, error);
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }
}

/** See `queueRows`. */
function queuePoolOf(main: pg.Pool): pg.Pool {
  const settings = [
    "-c enable_sort=off -c enable_bitmapscan=off -c enable_seqscan=off",
    "-c plan_cache_mode=force_generic_plan",
  ].join(" ");
  const options = [main.options.options, settings].filter(Boolean).join(" ");
  const pool = new pg.Pool({ ...main.options, max: 2, options });
  // As the main pool: a dropped idle client must not crash the process; the next use reconnects.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isPgError(error, PG_ERROR.deadlockDetected) || n >= MAX_ATTEMPTS) throw error;
    }
  }
}
