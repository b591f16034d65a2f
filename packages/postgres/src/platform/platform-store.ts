/**
 * The PostgreSQL platform store: assistants, threads, the run queue, workers and crons in one
 * schema, next to the checkpoint tables, so a run's queue changes and its fenced checkpoint
 * writes share one database. Any number of processes may share the schema.
 *
 * States: new -> `setup()` (migrations; also run on first use) -> ready -> `close()` (the
 * wake-up connection, then an owned pool). See `run-queue.ts` for the run lifecycle and
 * `platform-queue-statements.ts` for the locking rules.
 */
import { createHash, randomUUID } from "node:crypto";
import {
  answerEmptyOnce,
  type ChainSaverOptions,
  type CheckpointSaver,
  checkId,
  type Fence,
  InvalidArgumentError,
  LeaseLostError,
  type PlatformStore,
  type WakeEvent,
} from "@conclave/core";
import type pg from "pg";
import { migrate, quoteSchema } from "../migrate.ts";
import { newPool } from "../pool.ts";
import { PostgresRowStore, type WriteGuard } from "../postgres-row-store.ts";
import { PostgresChainSaver, PostgresSaver } from "../postgres-saver.ts";
import { fenceStatements } from "../sql/platform-fence-statements.ts";
import { PostgresAssistants } from "./assistants.ts";
import { PostgresCrons } from "./crons.ts";
import { PlatformDb } from "./platform-db.ts";
import { PostgresRunQueue } from "./run-queue.ts";
import { PostgresThreads } from "./threads.ts";
import { WakeListener } from "./wake-listener.ts";
import { PostgresWorkers } from "./workers.ts";

/** Options of {@link PostgresPlatformStore}. */
export interface PostgresPlatformStoreOptions {
  /** The schema holding the tables; created by `setup()`. Default "public". */
  schema?: string;
  /** Pool settings when the store creates the pool (`fromConnString`). */
  pool?: Omit<pg.PoolConfig, "connectionString">;
  /** Options of `saver` and the fenced savers (snapshot policy). */
  saver?: ChainSaverOptions;
  /**
   * Told about connection errors the store recovers from by itself: the wake-up connection
   * (it reconnects) and idle pooled connections (replaced on next use). Default: ignored.
   */
  onError?: (error: Error) => void;
}

/**
 * The NOTIFY channel of a schema. Channel names are identifiers (at most 63 bytes), so a long
 * schema name is replaced by a hash of it.
 */
export function wakeChannel(schema: string): string {
  const channel = `conclave_wake:${schema}`;
  if (channel.length <= 63) return channel;
  return `conclave_wake:${createHash("sha256").update(schema).digest("hex").slice(0, 32)}`;
}

/**
 * A {@link PlatformStore} in PostgreSQL (node-postgres).
 * @example
 * const store = PostgresPlatformStore.fromConnString(process.env.DATABASE_URL!);
 * await store.setup();
 * const stop = await store.subscribe((event) => wakeWorker(event));
 * const [run] = await store.runs.claim({ workerId, limit: 1, now: new Date() });
 * const graph = builder.compile({ checkpointer: store.fencedSaver(run) });
 * // ... at shutdown:
 * await stop();
 * await store.close();
 */
export class PostgresPlatformStore implements PlatformStore {
  /** The pool, for callers that share it. */
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly assistants: PostgresAssistants;
  readonly threads: PostgresThreads;
  readonly runs: PostgresRunQueue;
  readonly workers: PostgresWorkers;
  readonly crons: PostgresCrons;
  /** The unfenced saver on the same pool and schema. */
  readonly saver: PostgresSaver;
  readonly #db: PlatformDb;
  readonly #quoted: string;
  readonly #fenceSql: WriteGuard["sql"];
  readonly #listener: WakeListener;
  readonly #saverOptions: ChainSaverOptions;
  readonly #owned: boolean;
  #setup: Promise<void> | undefined;
  #closed = false;
  /** Who this store is in `conclave_finish_watchers`. */
  readonly #watcher = randomUUID();

  /** Creates a pool for `url` (postgres://...). The store owns it: `close()` ends it. */
  static fromConnString(
    url: string,
    options: PostgresPlatformStoreOptions = {},
  ): PostgresPlatformStore {
    const pool = newPool(url, options.pool);
    // An idle client the server dropped emits "error" on the pool; unhandled, that would
    // crash the process. The pool replaces the client on next use.
    pool.on("error", (error) => options.onError?.(error));
    // The pool listens only to idle clients. A checked-out client whose session the server
    // ends between two queries (a restart, pg_terminate_backend) emits "error" with nobody
    // listening, which would crash the process too; its holder sees the failure on its next
    // query instead, and the pool discards the client when it is released.
    pool.on("connect", (client) => client.on("error", () => {}));
    return new PostgresPlatformStore(pool, options, true);
  }

  /**
   * Uses an existing pool (which should listen for "error" on itself and on every client it
   * connects: see `fromConnString`).
   * @param owned - Whether `close()` ends the pool (default false).
   */
  constructor(pool: pg.Pool, options: PostgresPlatformStoreOptions = {}, owned = false) {
    this.pool = pool;
    this.schema = options.schema ?? "public";
    const quoted = quoteSchema(this.schema);
    const channel = wakeChannel(this.schema);
    this.#quoted = quoted;
    this.#fenceSql = fenceStatements(quoted);
    this.#db = new PlatformDb(pool, this.schema, quoted, channel, () => this.setup());
    this.assistants = new PostgresAssistants(this.#db);
    this.threads = new PostgresThreads(this.#db);
    this.runs = new PostgresRunQueue(this.#db);
    this.workers = new PostgresWorkers(this.#db);
    this.crons = new PostgresCrons(this.#db);
    this.#saverOptions = options.saver ?? {};
    this.saver = new PostgresSaver(pool, { ...this.#saverOptions, schema: this.schema });
    this.#listener = new WakeListener(pool.options, channel, options.onError ?? (() => {}));
    this.#owned = owned;
  }

  /** Runs the migrations (once per store; later calls return the same promise). */
  setup(): Promise<void> {
    this.#setup ??= migrate(this.pool, this.schema).catch((error: unknown) => {
      this.#setup = undefined;
      throw error;
    });
    return this.#setup;
  }

  /**
   * A saver whose `put` and `putWrites` share-lock the run row and check that `fence` is
   * still its claim in the write's own statement (see `platform-fence-statements.ts`): a
   * concurrent sweep or claim either commits first (the write fails with LEASE_LOST and stores
   * nothing) or waits for the write.
   */
  fencedSaver(fence: Fence): CheckpointSaver {
    const guard: WriteGuard = {
      sql: this.#fenceSql,
      values: [fence.runId, fence.generation],
      refused: () => new LeaseLostError(fence),
    };
    const rows = new PostgresRowStore(this.pool, this.#quoted, () => this.setup(), guard);
    const fresh = this.#db.fresh.take(fence.runId);
    const store = fresh === undefined ? rows : answerEmptyOnce(rows, fresh);
    return new PostgresChainSaver(rows, this.#saverOptions, store);
  }

  /**
   * Declares that this store's process waits for run `runId` (`"*"`: every run) to end, until
   * `until` (see `PlatformStore.watchFinish`): a finish notifies only declared watchers.
   */
  async watchFinish(runId: string, until: Date, now: Date): Promise<void> {
    const values = [checkId(runId, "runId"), this.#watcher, until.getTime(), now.getTime()];
    await this.#db.query("watchFinish", values);
  }

  /** Listens on this schema's channel (one connection per store, shared by all listeners). */
  async subscribe(listener: (event: WakeEvent) => void): Promise<() => Promise<void>> {
    if (this.#closed) {
      throw new InvalidArgumentError(
        "subscribe() was called on a closed PostgresPlatformStore; open a new store instead.",
      );
    }
    return this.#listener.subscribe(listener);
  }

  /** Resolves when the database answers `SELECT 1`; rejects with the driver's error. */
  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  /** Closes the wake-up connection, then the pool when this store created it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listener.close();
    await this.#db.close();
    if (this.#owned) await this.pool.end();
  }
}
