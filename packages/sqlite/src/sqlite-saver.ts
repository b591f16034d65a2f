/**
 * The SQLite saver: core's hash-chained delta rows in one SQLite file, in WAL mode.
 *
 * Durability: `synchronous=NORMAL` (the default) makes a committed `put` survive the process
 * crashing, but the last transactions may roll back if the machine loses power; WAL keeps the
 * file consistent either way. `synchronous: "full"` syncs the WAL on every commit so a put also
 * survives power loss, at the cost of one fsync per checkpoint (often 10-100x slower).
 */
import { ChainSaver, type ChainSaverOptions, InvalidArgumentError } from "@conclave/core";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { releaseConnection } from "./platform/platform-db.ts";
import { SqliteRowStore } from "./sqlite-row-store.ts";
import { useWal } from "./wal-mode.ts";

/** Options of {@link SqliteSaver}. */
export interface SqliteSaverOptions extends ChainSaverOptions {
  /** "normal" (default): survives process crashes. "full": also survives power loss. */
  synchronous?: "normal" | "full";
  /** How long a writer waits for another process's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** `fromConnString` only: fail instead of creating a missing file. Default false. */
  mustExist?: boolean;
}

/**
 * A `CheckpointSaver` on SQLite (better-sqlite3). Migrations run on first use.
 * @example
 * const saver = SqliteSaver.fromConnString("./checkpoints.db");
 * const graph = builder.compile({ checkpointer: saver });
 */
export class SqliteSaver extends ChainSaver {
  /** The connection, for callers that share it. */
  readonly db: Database;
  readonly #rows: SqliteRowStore;
  readonly #owned: boolean;

  /** Opens (or creates) a database file, or `":memory:"`. The saver owns and closes it. */
  static fromConnString(path: string, options: SqliteSaverOptions = {}): SqliteSaver {
    const db = new BetterSqlite3(path, { fileMustExist: options.mustExist ?? false });
    return new SqliteSaver(db, options, true);
  }

  /**
   * Uses an open connection, and sets WAL mode, `synchronous` and `busy_timeout` on it.
   * @param owned - Whether {@link close} closes the connection (default false).
   */
  constructor(db: Database, options: SqliteSaverOptions = {}, owned = false) {
    const memory = db.memory;
    const store = new SqliteRowStore(db);
    super(store, { durable: !memory, multiProcess: !memory }, options);
    configure(db, options);
    this.db = db;
    this.#rows = store;
    this.#owned = owned;
  }

  /** Every thread id in the database, sorted (for `conclave-verify`). */
  async listThreads(): Promise<string[]> {
    return this.#rows.threads();
  }

  /** Whether the Conclave tables exist (migrations have run), without creating them. */
  async isSetUp(): Promise<boolean> {
    const sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'conclave_migrations'";
    return this.db.prepare(sql).get() !== undefined;
  }

  /** Creates the tables now instead of on first use. Idempotent. */
  async setup(): Promise<void> {
    this.#rows.ready();
  }

  /**
   * Runs `work` with every write it makes in one transaction: one commit instead of one per
   * checkpoint. The engine uses it to flush checkpoints queued under `durability: "async"`.
   * Nested calls join the open transaction.
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    this.#rows.ready();
    if (this.db.inTransaction) return work();
    return this.settledBatch(this.#inTransaction(work));
  }

  async #inTransaction<T>(work: () => Promise<T>): Promise<T> {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = await work();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Closes the connection when this saver opened it. */
  close(): void {
    releaseConnection(this.db, this.#owned);
  }
}

function configure(db: Database, options: SqliteSaverOptions): void {
  const synchronous = options.synchronous ?? "normal";
  if (synchronous !== "normal" && synchronous !== "full") {
    throw new InvalidArgumentError(
      `SqliteSaver synchronous must be "normal" or "full", got ${JSON.stringify(synchronous)}.`,
    );
  }
  const busy = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busy) || busy < 0) {
    throw new InvalidArgumentError(
      `SqliteSaver busyTimeoutMs must be an integer >= 0, got ${busy}.`,
    );
  }
  useWal(db, busy);
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
}
