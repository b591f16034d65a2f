/**
 * The connection the platform repos share: a cache of prepared statements, IMMEDIATE write
 * transactions, and the wake-up listeners.
 *
 * A write collects the wake-ups its changes cause and delivers them only once it committed, so
 * a worker woken by `run.pending` always finds the run. A write made inside an open
 * transaction (a checkpoint batch on the same connection) becomes a savepoint, and its
 * wake-ups go out when that savepoint is released.
 *
 * `writeSoon` is group commit for the hot writes (enqueue, finish, the ledger's usage records):
 * writes asked for in the same event-loop turn run together at the next turn, each in its own
 * savepoint, under one COMMIT. A commit costs more than the writes it carries (it writes every
 * dirtied page to the WAL), and concurrent submits and finishing runs share index pages.
 */
import { ConclaveError, FreshThreads, type WakeEvent } from "@conclave/core";
import type { Database, Statement, Transaction } from "better-sqlite3";

type Listener = (event: WakeEvent) => void;

/**
 * Work done inside a group commit that enqueued runs, before its COMMIT (a handoff claim);
 * returns what to do once that commit succeeded, if anything.
 */
type EnqueueCommitHook = () => (() => void) | undefined;

/** What a write's outcome is reported to (`PlatformDb.onOutcome`). */
export interface OutcomeHook {
  committed(): void;
  rolledBack(): void;
}

interface PendingWrite {
  work: () => unknown;
  async: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface WriteOutcome {
  ok: boolean;
  value: unknown;
}

async function settle(work: () => unknown): Promise<WriteOutcome> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, value: error };
  }
}

/** Writes still queued when the connection was closed under them. */
function writeLost(): ConclaveError {
  return new ConclaveError(
    "WRITE_LOST",
    "The SQLite connection was closed before these writes committed; close the stores (platform store, ledger, budgets, saver) instead of the raw connection, so they commit first.",
  );
}

function lastError(outcomes: WriteOutcome[]): unknown {
  const last = outcomes[outcomes.length - 1];
  return last !== undefined && !last.ok
    ? last.value
    : new ConclaveError("PLATFORM_INTERNAL", "SQLite ended a group commit's transaction.");
}

const ofConnection = new WeakMap<Database, PlatformDb>();

/**
 * Prepared statements, transactions, group commit and wake-ups over one better-sqlite3
 * connection. One per connection ({@link PlatformDb.of}), so every store on it (the platform
 * store, the ledger and budget store) shares its group commit.
 */
export class PlatformDb {
  readonly db: Database;
  readonly #statements = new Map<string, Statement>();
  readonly #listeners = new Set<Listener>();
  readonly #transaction: Transaction<(work: () => unknown) => unknown>;
  /** The wake-ups of the write in progress; null outside a write. */
  #events: WakeEvent[] | null = null;
  /** Writes waiting for the next group commit. */
  #pending: PendingWrite[] = [];
  readonly #savepoint: Transaction<(work: () => unknown) => unknown>;
  readonly #enqueueHooks = new Set<EnqueueCommitHook>();
  readonly #beforeClose = new Set<() => void>();
  /** What the innermost write scope in progress reports its outcome to; null outside one. */
  #outcomes: OutcomeHook[] | null = null;
  /** Runs claimed on this connection whose thread had no root checkpoint (core's `FreshThreads`). */
  readonly fresh = new FreshThreads();

  /** The connection's instance, made on first use. */
  static of(db: Database): PlatformDb {
    let found = ofConnection.get(db);
    if (found === undefined) {
      found = new PlatformDb(db);
      ofConnection.set(db, found);
    }
    return found;
  }

  /** The connection's instance if one was made, so closing it can commit what waits. */
  static existing(db: Database): PlatformDb | undefined {
    return ofConnection.get(db);
  }

  private constructor(db: Database) {
    this.db = db;
    // One transaction function for every write: better-sqlite3 wraps it once, not per call.
    this.#transaction = db.transaction((work: () => unknown) => work());
    this.#savepoint = db.transaction((work: () => unknown) => work());
  }

  /**
   * Runs `hook` when a store that owns this connection closes it, after its queued writes
   * committed (the budget allowances give back what they hold).
   */
  beforeClose(hook: () => void): void {
    this.#beforeClose.add(hook);
  }

  /**
   * Tells `hook` whether the write in progress on this connection committed or rolled back
   * (its own savepoint, or the whole transaction), once that is known; a write joined to an
   * outer transaction reports with it. Returns false outside such a write (the caller's own
   * transaction, or none): nobody will call the hook.
   */
  onOutcome(hook: OutcomeHook): boolean {
    if (this.#outcomes === null) return false;
    this.#outcomes.push(hook);
    return true;
  }

  /**
   * Runs `run` as a scope of {@link onOutcome} hooks: they roll back when it throws, else join
   * the enclosing scope, or commit when there is none (`run` committed).
   */
  #scoped<T>(run: () => T): T {
    const outer = this.#outcomes;
    const hooks: OutcomeHook[] = [];
    this.#outcomes = hooks;
    let value: T;
    try {
      value = run();
    } catch (error) {
      for (const hook of hooks) hook.rolledBack();
      throw error;
    } finally {
      this.#outcomes = outer;
    }
    if (outer !== null) outer.push(...hooks);
    else for (const hook of hooks) hook.committed();
    return value;
  }

  /** Runs the {@link beforeClose} hooks. */
  closing(): void {
    for (const hook of this.#beforeClose) hook();
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
    if (this.#events !== null) return this.#scoped(() => this.#transaction.immediate(work) as T);
    const events: WakeEvent[] = [];
    this.#events = events;
    let result: T;
    try {
      result = this.#scoped(() => this.#transaction.immediate(work) as T);
    } finally {
      this.#events = null;
    }
    if (events.length > 0) this.#deliver(events);
    return result;
  }

  /**
   * Runs `work` in the next group commit (see the file comment). It settles once that commit
   * is done: with its result, or with its own error when only its savepoint rolled back, or
   * with the commit's error when nothing was stored.
   */
  writeSoon<T>(work: () => T): Promise<T> {
    // Asked from inside a batch held open across awaits: join it, as `write` would. Queuing
    // for the next group would wait on this one, which waits on the caller.
    if (this.db.inTransaction) return Promise.resolve(this.write(work));
    return this.#enqueue(work, false);
  }

  /**
   * Runs an async `work` (a saver's queued `async`-durability checkpoint writes) in the next
   * group commit. Its writes are not rolled back when it fails: the transaction is the
   * connection's, so whatever else this process did while `work` awaited joined it, and a
   * rollback would undo that work after it had returned. Committing stores what writing
   * without a batch would have: every write up to the failed one, each past its fence check.
   * Inside a batch already open on the connection, `work` joins it.
   */
  batchSoon<T>(work: () => Promise<T>): Promise<T> {
    if (this.db.inTransaction) return work();
    return this.#enqueue(work, true);
  }

  #enqueue<T>(work: () => T | Promise<T>, async: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, async, resolve: resolve as (value: unknown) => void, reject });
      // One group per event-loop turn. Committing a lone write at once when the connection
      // was idle (less latency) measured no better on the queue bench's enqueue-to-start, and
      // under load it cost a fifth of the throughput.
      if (this.#pending.length === 1) setImmediate(() => void this.#commitPending());
    });
  }

  async #commitPending(): Promise<void> {
    // A batch of another saver holds the connection's transaction across awaits: wait for it.
    if (this.db.open && this.db.inTransaction)
      return void setImmediate(() => void this.#commitPending());
    const batch = this.#pending;
    this.#pending = [];
    if (!batch.some((item) => item.async)) return this.#commitGroup(batch);
    const events: WakeEvent[] = [];
    this.#events = events;
    let outcomes: WriteOutcome[];
    try {
      outcomes = await this.#runAsyncGroup(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    } finally {
      this.#events = null;
    }
    this.#settleGroup(batch, outcomes, events);
  }

  /**
   * Commits queued writes now instead of at the next turn, so a read of this connection sees
   * them (the ledger's queries, budget status) and a close loses none. Queued async batches
   * keep their turn.
   */
  flush(): void {
    const now = this.#pending.filter((item) => !item.async);
    if (now.length === 0) return;
    this.#pending = this.#pending.filter((item) => item.async);
    this.#commitGroup(now);
  }

  /**
   * One group of synchronous writes in one transaction, each in its savepoint, then the
   * handoff hooks. Inside a batch held open across awaits (a read during it) the group is a
   * savepoint of that batch, and its wake-ups go out with the batch's.
   */
  #commitGroup(batch: PendingWrite[]): void {
    if (batch.length === 0) return;
    if (!this.db.open) {
      for (const item of batch) item.reject(writeLost());
      return;
    }
    const outer = this.#events;
    const events = outer ?? [];
    this.#events = events;
    let outcomes: WriteOutcome[];
    let afterCommit: (() => void)[] = [];
    try {
      outcomes = this.#scoped(
        () =>
          this.#transaction.immediate(() => {
            const done = batch.map((item) => this.#attempt(item.work));
            if (outer === null) afterCommit = this.#runEnqueueHooks(events);
            return done;
          }) as WriteOutcome[],
      );
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    } finally {
      this.#events = outer;
    }
    for (const after of afterCommit) after();
    this.#settleGroup(batch, outcomes, outer === null ? events : []);
  }

  #settleGroup(batch: PendingWrite[], outcomes: WriteOutcome[], events: WakeEvent[]): void {
    if (events.length > 0) this.#deliver(events);
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) batch[i]!.resolve(outcome.value);
      else batch[i]!.reject(outcome.value);
    });
  }

  /** A group with async work: one transaction held across its awaits, committed at the end. */
  async #runAsyncGroup(batch: PendingWrite[]): Promise<WriteOutcome[]> {
    this.db.exec("BEGIN IMMEDIATE");
    const outcomes: WriteOutcome[] = [];
    const hooks: OutcomeHook[] = [];
    this.#outcomes = hooks;
    try {
      for (const item of batch) {
        outcomes.push(item.async ? await settle(item.work) : this.#attempt(item.work));
        // SQLite ended the transaction itself (I/O, out of memory): the group's writes are gone.
        if (!this.db.inTransaction) throw lastError(outcomes);
      }
      this.db.exec("COMMIT");
      this.#outcomes = null;
      for (const hook of hooks) hook.committed();
      return outcomes;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      this.#outcomes = null;
      for (const hook of hooks) hook.rolledBack();
      throw error;
    }
  }

  /**
   * Adds work to run inside every group commit that enqueued runs, before its COMMIT (see
   * `SqliteRunQueue.handoff`); returns the function that removes it.
   */
  onEnqueueCommit(hook: EnqueueCommitHook): () => void {
    this.#enqueueHooks.add(hook);
    return () => this.#enqueueHooks.delete(hook);
  }

  /** Runs the hooks when the group made runs pending, each in a savepoint of its own. */
  #runEnqueueHooks(events: WakeEvent[]): (() => void)[] {
    if (this.#enqueueHooks.size === 0 || !events.some((e) => e.kind === "run.pending")) return [];
    const after: (() => void)[] = [];
    for (const hook of this.#enqueueHooks) {
      const outcome = this.#attempt(hook);
      // A hook that failed changed nothing; its worker still gets the wake-up and claims.
      if (outcome.ok && typeof outcome.value === "function")
        after.push(outcome.value as () => void);
    }
    return after;
  }

  /** One write of a group commit, in a savepoint so its failure undoes only its own changes. */
  #attempt(work: () => unknown): WriteOutcome {
    const events = this.#events!;
    const mark = events.length;
    try {
      return { ok: true, value: this.#scoped(() => this.#savepoint(work)) };
    } catch (error) {
      events.length = mark;
      return { ok: false, value: error };
    }
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

/**
 * What a store's `close()` does with its connection: commit the writes still queued on it,
 * then close it when the store owns it.
 */
export function releaseConnection(db: Database, owned: boolean): void {
  if (!db.open) return;
  const platform = PlatformDb.existing(db);
  platform?.flush();
  if (owned) platform?.closing();
  if (owned) db.close();
}
