/**
 * The platform store's checkpoint savers. A fenced saver belongs to one run's claim: each
 * write (`put`, `putWrites`) runs in one IMMEDIATE transaction that first checks the claim is
 * still current (the run is running under the fence's generation) and then writes, so a
 * worker that lost its lease can never store a checkpoint after the new owner's, even from
 * another process: the check and the write hold the file's write lock together.
 */
import {
  ChainSaver,
  type ChainSaverOptions,
  type Fence,
  guardRowStore,
  LeaseLostError,
  type RowStore,
  type SaverCapabilities,
} from "@conclave/core";
import type { Database, Transaction } from "better-sqlite3";
import { RUN_SQL } from "../sql/platform-run-statements.ts";
import { SqliteSaver } from "../sqlite-saver.ts";
import type { PlatformDb } from "./platform-db.ts";

/**
 * Runs `work` (the engine's queued `async`-durability writes) in one transaction: one commit
 * instead of one per checkpoint. Joins the transaction already open on the connection, if any.
 *
 * On failure the writes made so far are committed, not rolled back. Options: roll back (as
 * SqliteSaver.batch does) or commit. The transaction is the connection's, so whatever else this
 * process did while `work` awaited (another run's claim, finish or checkpoints) joined it, and
 * a rollback would silently undo that work after it had returned. Committing gives the same
 * result as writing without a batch: every write up to the failed one is stored, and each
 * fenced write passed its fence check.
 */
export async function commitBatch<T>(db: Database, work: () => Promise<T>): Promise<T> {
  if (db.inTransaction) return work();
  db.exec("BEGIN IMMEDIATE");
  try {
    return await work();
  } finally {
    // A failed statement may have ended the transaction already (SQLite rolls back by itself
    // on I/O and out-of-memory errors).
    if (db.inTransaction) db.exec("COMMIT");
  }
}

/** A saver whose writes are fenced; `batch` groups them into one transaction. */
export class FencedSqliteSaver extends ChainSaver {
  readonly #db: PlatformDb;

  constructor(
    rows: RowStore,
    capabilities: SaverCapabilities,
    options: ChainSaverOptions,
    db: PlatformDb,
  ) {
    super(rows, capabilities, options);
    this.#db = db;
  }

  /**
   * Runs `work`'s writes in the connection's next group commit, with other runs' batches,
   * enqueues and finishes; each write still checks the fence, in a savepoint.
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    return this.#db.batchSoon(work);
  }
}

/**
 * The platform store's unfenced saver: a SqliteSaver whose `batch` commits what it wrote on
 * failure (see {@link commitBatch}), because it shares the connection with the queue.
 */
export class SharedSqliteSaver extends SqliteSaver {
  override async batch<T>(work: () => Promise<T>): Promise<T> {
    // No migration step, unlike SqliteSaver.batch: the platform store migrated on construction.
    return commitBatch(this.db, work);
  }
}

/** Makes fenced savers over one connection and one row store, sharing one fence check. */
export class FenceGuard {
  readonly #db: PlatformDb;
  readonly #guarded: Transaction<(fence: Fence, write: () => unknown) => unknown>;

  constructor(db: PlatformDb) {
    this.#db = db;
    this.#guarded = db.db.transaction((fence: Fence, write: () => unknown) => {
      const held = db.stmt(RUN_SQL.fenceHolds).get(fence.runId, fence.generation);
      if (held === undefined) throw new LeaseLostError(fence);
      return write();
    });
  }

  /** A saver over `rows` whose writes fail with LEASE_LOST once `fence` is not current. */
  saver(
    fence: Fence,
    rows: RowStore,
    capabilities: SaverCapabilities,
    options: ChainSaverOptions,
  ): FencedSqliteSaver {
    const pinned = { runId: fence.runId, generation: fence.generation };
    // Inside an open transaction (a batch) better-sqlite3 makes this a savepoint.
    const guard = <T>(write: () => T): T => this.#guarded.immediate(pinned, write) as T;
    return new FencedSqliteSaver(guardRowStore(rows, guard), capabilities, options, this.#db);
  }
}
