/**
 * The SQLite platform store: assistants, threads, the run queue, workers and crons in the
 * same file and on the same connection as the checkpoints, so a run's checkpoint writes can be
 * fenced to its claim inside one transaction. Several processes may share the file: every
 * change takes the write lock first (BEGIN IMMEDIATE), and waits up to `busyTimeoutMs` for it.
 * Wake-ups reach listeners in this process only; other processes find new runs when they
 * claim (their own wake-ups, timers or polling).
 */
import type { CheckpointSaver, Fence, PlatformStore, WakeEvent } from "@conclave/core";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { migrate } from "../migrate.ts";
import { SqliteRowStore } from "../sqlite-row-store.ts";
import type { SqliteSaverOptions } from "../sqlite-saver.ts";
import { SqliteAssistants } from "./assistants.ts";
import { SqliteCrons } from "./crons.ts";
import { FenceGuard, SharedSqliteSaver } from "./fenced-saver.ts";
import { PlatformDb, releaseConnection } from "./platform-db.ts";
import { SqliteRunQueue } from "./run-queue.ts";
import { SqliteThreads } from "./threads.ts";
import { SqliteWorkers } from "./workers.ts";

/**
 * WAL pages between automatic checkpoints (SQLite's default is 1,000). A queue rewrites the same
 * index pages run after run; copying them back to the database every ~40 runs put a checkpoint,
 * with its fsync, inside one commit in forty (the enqueue-to-start p99). At 10,000 pages (about
 * 40 MB of WAL) hot pages are copied once per batch, and a stall comes ten times less often.
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Options of {@link SqlitePlatformStore}: those of the checkpoint saver it shares the file with. */
export type SqlitePlatformOptions = SqliteSaverOptions;

/**
 * A {@link PlatformStore} in one SQLite file. Migrations run when it is constructed.
 * @example
 * const platform = SqlitePlatformStore.fromConnString("./conclave.db");
 * const { run } = await platform.runs.enqueue({ tenant, runId, threadId, ... }, new Date());
 * const graph = builder.compile({ checkpointer: platform.fencedSaver(fence) });
 */
export class SqlitePlatformStore implements PlatformStore {
  readonly assistants: SqliteAssistants;
  readonly threads: SqliteThreads;
  readonly runs: SqliteRunQueue;
  readonly workers: SqliteWorkers;
  readonly crons: SqliteCrons;
  /** The unfenced checkpoint saver on the same connection. */
  readonly saver: SharedSqliteSaver;
  /** The connection, shared with the saver (and any other store the caller opens on it). */
  readonly db: Database;
  readonly #platform: PlatformDb;
  /** Its own listeners: other stores may share the connection's PlatformDb. */
  readonly #subscriptions = new Set<() => void>();
  readonly #rows: SqliteRowStore;
  readonly #fences: FenceGuard;
  readonly #options: SqlitePlatformOptions;
  readonly #owned: boolean;

  /** Opens (or creates) a database file, or `":memory:"`. The store owns and closes it. */
  static fromConnString(path: string, options: SqlitePlatformOptions = {}): SqlitePlatformStore {
    const db = new BetterSqlite3(path, { fileMustExist: options.mustExist ?? false });
    try {
      return new SqlitePlatformStore(db, options, true);
    } catch (error) {
      // A bad option or a schema from a newer version: do not leak the connection we opened.
      db.close();
      throw error;
    }
  }

  /**
   * Uses an open connection (WAL mode, `synchronous` and `busy_timeout` are set on it, as the
   * saver does) and brings its schema up to date.
   * @param owned - Whether {@link close} closes the connection (default false).
   */
  constructor(db: Database, options: SqlitePlatformOptions = {}, owned = false) {
    this.#platform = PlatformDb.of(db);
    this.saver = new SharedSqliteSaver(db, this.#platform, options);
    if (!db.memory) db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    migrate(db);
    this.db = db;
    this.#options = options;
    this.#owned = owned;
    // One row store for every fenced saver: its prepared statements are made once, not per run.
    this.#rows = new SqliteRowStore(db);
    this.#fences = new FenceGuard(this.#platform);
    this.assistants = new SqliteAssistants(this.#platform);
    this.threads = new SqliteThreads(this.#platform);
    this.runs = new SqliteRunQueue(this.#platform);
    this.workers = new SqliteWorkers(this.#platform);
    this.crons = new SqliteCrons(this.#platform);
  }

  /** A saver whose writes fail with LEASE_LOST, atomically, once `fence` is not the run's claim. */
  fencedSaver(fence: Fence): CheckpointSaver {
    return this.#fences.saver(fence, this.#rows, this.saver.capabilities, this.#options);
  }

  /** Wake-ups of this process's changes, delivered after each commit. */
  async subscribe(listener: (event: WakeEvent) => void): Promise<() => Promise<void>> {
    const unsubscribe = this.#platform.subscribe(listener);
    this.#subscriptions.add(unsubscribe);
    return async () => {
      unsubscribe();
      this.#subscriptions.delete(unsubscribe);
    };
  }

  async ping(): Promise<void> {
    this.#platform.stmt("SELECT 1").get();
  }

  /** Drops this store's listeners, and closes the connection when this store opened it. */
  async close(): Promise<void> {
    for (const unsubscribe of this.#subscriptions) unsubscribe();
    this.#subscriptions.clear();
    releaseConnection(this.db, this.#owned);
  }
}
