/**
 * The PostgreSQL saver: core's hash-chained delta rows in one schema. A `put` is one statement
 * (one round trip, one transaction) that inserts the row and moves the thread's head record; a
 * `batch` of puts and writes is one statement too.
 */
import { ChainSaver, type ChainSaverOptions, type HeldWrites, type RowStore } from "@conclave/core";
import type pg from "pg";
import { migrate, quoteSchema } from "./migrate.ts";
import { newPool } from "./pool.ts";
import { PostgresRowStore } from "./postgres-row-store.ts";
import type { WriteBatch } from "./write-batch.ts";

/** Options of {@link PostgresSaver}. */
export interface PostgresSaverOptions extends ChainSaverOptions {
  /** The schema holding the tables; created by `setup()`. Default "public". */
  schema?: string;
  /** Pool settings when the saver creates the pool (`fromConnString`). */
  pool?: Omit<pg.PoolConfig, "connectionString">;
}

/**
 * A `ChainSaver` over a {@link PostgresRowStore}, whose `batch` stores every checkpoint and
 * write of its work in one statement (one round trip, one commit): the engine flushes
 * checkpoints queued under `durability: "async"` through it.
 */
export class PostgresChainSaver extends ChainSaver {
  readonly #batchRows: PostgresRowStore;

  /** @param store - What the saver reads and writes through: `rows`, or a wrapper of it. */
  constructor(rows: PostgresRowStore, options: ChainSaverOptions = {}, store: RowStore = rows) {
    super(store, { durable: true, multiProcess: true }, options);
    this.#batchRows = rows;
  }

  /** Runs `work` with its writes stored together once it is done, or not at all if it throws. */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    return this.settledBatch(this.#batchRows.batch(work));
  }

  /**
   * Runs `work` as {@link batch} does and hands its writes back unstored, for the platform
   * store to write with the run's end (`PostgresRunQueue.finish`).
   */
  async holdBatch<T>(work: () => Promise<T>): Promise<{ result: T; held: HeldWrites | undefined }> {
    const { result, batch } = await this.settledBatch(this.#batchRows.hold(work));
    if (batch === undefined) return { result, held: undefined };
    const held = new PostgresHeldWrites(this.#batchRows, batch, (written) =>
      this.settledBatch(written),
    );
    return { result, held };
  }
}

/**
 * A checkpoint batch held for a run's end. `PostgresRunQueue` writes it in its end statement
 * when `rows` belongs to its pool and schema; anyone else calls `write()`.
 */
export class PostgresHeldWrites implements HeldWrites {
  readonly rows: PostgresRowStore;
  readonly #batch: WriteBatch;
  readonly #settle: Settle;

  /** @param settle - The saver's `settledBatch`: forgets its chain links if the write fails. */
  constructor(rows: PostgresRowStore, batch: WriteBatch, settle: Settle) {
    this.rows = rows;
    this.#batch = batch;
    this.#settle = settle;
  }

  write(): Promise<void> {
    return this.#settle(this.rows.storeBatch(this.#batch));
  }

  /**
   * Runs a statement that stores the batch with other work: `values` are the batch statement's
   * parameters; the statement answers the batch's conflicts (see `batch-statements.ts`).
   * @throws CheckpointExistsError when a row conflicts; nothing is stored then.
   */
  writeWith<R extends { conflicts: number[] }>(
    statement: (values: unknown[]) => Promise<R>,
  ): Promise<R> {
    const written = statement(this.#batch.values()).then((answer) => {
      this.#batch.checkConflicts(answer.conflicts);
      return answer;
    });
    return this.#settle(written);
  }
}

type Settle = <T>(written: Promise<T>) => Promise<T>;

/**
 * A `CheckpointSaver` on PostgreSQL (node-postgres). Call `setup()` once (it is also run on
 * first use); it is idempotent and safe to run from many processes at once.
 * @example
 * const saver = PostgresSaver.fromConnString(process.env.DATABASE_URL!);
 * await saver.setup();
 * const graph = builder.compile({ checkpointer: saver });
 * // ... at shutdown:
 * await saver.end();
 */
export class PostgresSaver extends PostgresChainSaver {
  /** The pool, for callers that share it. */
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly #rows: PostgresRowStore;
  readonly #owned: boolean;
  #setup: Promise<void> | undefined;

  /** Creates a pool for `url` (postgres://...). The saver owns it: `end()` closes it. */
  static fromConnString(url: string, options: PostgresSaverOptions = {}): PostgresSaver {
    const pool = newPool(url, options.pool);
    return new PostgresSaver(pool, options, true);
  }

  /**
   * Uses an existing pool.
   * @param owned - Whether `end()` ends the pool (default false).
   */
  constructor(pool: pg.Pool, options: PostgresSaverOptions = {}, owned = false) {
    const schema = options.schema ?? "public";
    const store = new PostgresRowStore(pool, quoteSchema(schema), () => this!.setup());
    super(store, options);
    this.pool = pool;
    this.schema = schema;
    this.#rows = store;
    this.#owned = owned;
  }

  /** Runs the migrations (once per saver; later calls return the same promise). */
  setup(): Promise<void> {
    this.#setup ??= migrate(this.pool, this.schema).catch((error: unknown) => {
      this.#setup = undefined;
      throw error;
    });
    return this.#setup;
  }

  /** Whether the Conclave tables exist in the schema (setup has run), without creating them. */
  async isSetUp(): Promise<boolean> {
    const table = `${quoteSchema(this.schema)}.conclave_migrations`;
    const { rows } = await this.pool.query<{ found: string | null }>(
      "SELECT to_regclass($1)::text AS found",
      [table],
    );
    return rows[0]?.found != null;
  }

  /** Every thread id in the schema, sorted (for `conclave-verify`). */
  async listThreads(): Promise<string[]> {
    return this.#rows.threads();
  }

  /** Ends the pool when this saver created it. */
  async end(): Promise<void> {
    if (this.#owned) await this.pool.end();
  }
}
