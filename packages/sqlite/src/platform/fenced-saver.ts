/**
 * The platform store's checkpoint savers. A fenced saver belongs to one run's claim: each
 * write (`put`, `putWrites`) runs in one IMMEDIATE transaction that first checks the claim is
 * still current (the run is running under the fence's generation) and then writes, so a
 * worker that lost its lease can never store a checkpoint after the new owner's, even from
 * another process: the check and the write hold the file's write lock together.
 */
import {
  answerEmptyOnce,
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
import { SqliteSaver, type SqliteSaverOptions } from "../sqlite-saver.ts";
import type { PlatformDb } from "./platform-db.ts";

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
    return this.settledBatch(this.#db.batchSoon(work));
  }
}

/**
 * The platform store's unfenced saver: a SqliteSaver whose `batch` joins the connection's group
 * commit like a fenced saver's, because it shares the connection with the queue (see
 * `PlatformDb.batchSoon`).
 */
export class SharedSqliteSaver extends SqliteSaver {
  readonly #platform: PlatformDb;

  constructor(db: Database, platform: PlatformDb, options: SqliteSaverOptions = {}) {
    super(db, options);
    this.#platform = platform;
  }

  // No migration step, unlike SqliteSaver.batch: the platform store migrated on construction.
  override async batch<T>(work: () => Promise<T>): Promise<T> {
    return this.settledBatch(this.#platform.batchSoon(work));
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
    const guarded = guardRowStore(rows, guard);
    const fresh = this.#db.fresh.take(fence.runId);
    const store = fresh === undefined ? guarded : answerEmptyOnce(guarded, fresh);
    return new FencedSqliteSaver(store, capabilities, options, this.#db);
  }
}
