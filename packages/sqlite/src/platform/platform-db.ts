/**
 * The connection the platform repos share: a cache of prepared statements, IMMEDIATE write
 * transactions, and the wake-up listeners.
 *
 * A write collects the wake-ups its changes cause and delivers them only once it committed, so
 * a worker woken by `run.pending` always finds the run. A write made inside an open
 * transaction (a checkpoint batch on the same connection) becomes a savepoint, and its
 * wake-ups go out when that savepoint is released.
 */
import { ConclaveError, type WakeEvent } from "@conclave/core";
import type { Database, Statement, Transaction } from "better-sqlite3";

type Listener = (event: WakeEvent) => void;

/** Prepared statements, transactions and wake-ups over one better-sqlite3 connection. */
export class PlatformDb {
  readonly db: Database;
  readonly #statements = new Map<string, Statement>();
  readonly #listeners = new Set<Listener>();
  readonly #transaction: Transaction<(work: () => unknown) => unknown>;
  /** The wake-ups of the write in progress; null outside a write. */
  #events: WakeEvent[] | null = null;

  constructor(db: Database) {
    this.db = db;
    // One transaction function for every write: better-sqlite3 wraps it once, not per call.
    this.#transaction = db.transaction((work: () => unknown) => work());
  }

  /** The statement for `sql`, prepared on first use. Keyed by its text, so built SQL caches too. */
  stmt(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `work` in one BEGIN IMMEDIATE transaction (the write lock is taken before the first
   * read, so processes sharing the file serialize), then delivers its wake-ups.
   */
  write<T>(work: () => T): T {
    if (this.#events !== null) return this.#transaction.immediate(work) as T;
    const events: WakeEvent[] = [];
    this.#events = events;
    let result: T;
    try {
      result = this.#transaction.immediate(work) as T;
    } finally {
      this.#events = null;
    }
    if (events.length > 0) this.#deliver(events);
    return result;
  }

  /** Runs several reads on one snapshot (a deferred transaction). */
  read<T>(work: () => T): T {
    return this.#transaction.deferred(work) as T;
  }

  /** Queues a wake-up for delivery after the current write commits. */
  emit(event: WakeEvent): void {
    if (this.#events === null) {
      throw new ConclaveError(
        "PLATFORM_INTERNAL",
        "A wake-up was emitted outside a write; this is a bug in @conclave/sqlite.",
      );
    }
    this.#events.push(event);
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Drops every listener (on close). */
  clearListeners(): void {
    this.#listeners.clear();
  }

  #deliver(events: WakeEvent[]): void {
    // After the calling method returns, as the memory store does: a listener that calls the
    // store again never runs inside the write that woke it.
    queueMicrotask(() => {
      for (const event of events) {
        for (const listener of this.#listeners) {
          try {
            listener(event);
          } catch {
            // A failing listener must not stop the others or the store; workers log their own.
          }
        }
      }
    });
  }
}
