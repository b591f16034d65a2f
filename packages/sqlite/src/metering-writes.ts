/**
 * Group commit for the usage ledger's writes (a call's record, with its budget settlement).
 *
 * The gateway reserves a call's budget before the call, in its own transaction, because
 * admission must see every other process's reservations. What happens after the call (settle
 * the reservation to the actual cost, store the usage record) only returns budget: a reservation
 * still held is the conservative state. So those writes are queued, and the writes asked for in
 * one event-loop turn commit together at the next turn, each in its own savepoint, so one
 * failure undoes only its own changes.
 *
 * Every reader of the same connection (ledger queries, budget status) and every close commits
 * the queue first, so a process always reads its own writes.
 */
import { ConclaveError } from "@conclave/core";
import type { Database, Transaction } from "better-sqlite3";

interface QueuedWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const queues = new WeakMap<Database, MeteringWrites>();

/** The metering write queue of one connection, shared by every store on it. */
export class MeteringWrites {
  readonly #db: Database;
  #queued: QueuedWrite[] = [];
  readonly #transaction: Transaction<(batch: QueuedWrite[]) => unknown[]>;
  readonly #savepoint: Transaction<(work: () => unknown) => unknown>;

  /** The queue of `db` (one per connection, so stores sharing it share one commit). */
  static of(db: Database): MeteringWrites {
    let queue = queues.get(db);
    if (queue === undefined) {
      queue = new MeteringWrites(db);
      queues.set(db, queue);
    }
    return queue;
  }

  private constructor(db: Database) {
    this.#db = db;
    this.#savepoint = db.transaction((work: () => unknown) => work());
    this.#transaction = db.transaction((batch: QueuedWrite[]) => batch.map((w) => this.#try(w)));
  }

  /** Runs `work` in the next group commit; settles once it committed (or failed alone). */
  soon<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queued.length === 1) setImmediate(() => this.#commitWhenFree());
    });
  }

  /** Commits what is queued now (before a read or a close). Inside a transaction, joins it. */
  flush(): void {
    const batch = this.#queued;
    if (batch.length === 0) return;
    this.#queued = [];
    if (!this.#db.open) {
      const closed = new ConclaveError(
        "METERING_WRITE_LOST",
        "The SQLite connection was closed before these usage writes committed; close the stores (ledger, budgets, platform store) instead of the raw connection, so they commit first.",
      );
      for (const write of batch) write.reject(closed);
      return;
    }
    let outcomes: unknown[];
    try {
      outcomes = this.#transaction.immediate(batch);
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i] as { ok: boolean; value: unknown };
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.value);
    });
  }

  #commitWhenFree(): void {
    // Another store holds the connection's transaction across awaits (a checkpoint batch):
    // joining it would tie these writes to its fate, so wait for it to end.
    if (this.#db.open && this.#db.inTransaction) {
      setImmediate(() => this.#commitWhenFree());
      return;
    }
    this.flush();
  }

  #try(write: QueuedWrite): { ok: boolean; value: unknown } {
    try {
      return { ok: true, value: this.#savepoint(write.work) };
    } catch (error) {
      return { ok: false, value: error };
    }
  }
}

/**
 * What a store's `close()` does with its connection: commit the queued metering writes, then
 * close it when the store owns it.
 */
export function releaseConnection(db: Database, owned: boolean): void {
  if (!db.open) return;
  queues.get(db)?.flush();
  if (owned) db.close();
}
