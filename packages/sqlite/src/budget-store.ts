/**
 * The SQLite BudgetStore. Every reserve, settle and release is one `BEGIN IMMEDIATE`
 * transaction: it takes the database's single write lock before reading any counter, so two
 * processes sharing the file cannot both read "9 of 10 spent" and both reserve the last slot.
 * A process that finds the lock held waits up to `busy_timeout` (default 5 s), then fails with
 * SQLITE_BUSY; nothing is reserved in that case.
 */
import {
  type AllowanceTransaction,
  assertPico,
  type BudgetDefinition,
  type BudgetRow,
  type BudgetStatus,
  type BudgetStore,
  budgetFromRow,
  budgetToRow,
  type CountersRow,
  chargeIn,
  checkReserveRequest,
  countersFromRow,
  countersToRow,
  type ExpiredReservation,
  emptyCounters,
  found,
  InvalidArgumentError,
  instantOf,
  periodKey,
  type Reservation,
  type ReservationRow,
  type ReserveApplicableRequest,
  type ReserveApplicableResult,
  type ReserveRequest,
  type ReserveResult,
  releaseIn,
  reservationFromRow,
  reservationToRow,
  reserveApplicableIn,
  reserveIn,
  type SettleResult,
  settleIn,
  statusOf,
  validateBudget,
} from "@conclave/core";
import BetterSqlite3, { type Database, type Statement, type Transaction } from "better-sqlite3";
import { BudgetAllowances } from "./budget-allowances.ts";
import { migrate } from "./migrate.ts";
import { PlatformDb, releaseConnection } from "./platform/platform-db.ts";
import { BUDGET_SQL } from "./sql/budget-statements.ts";
import { useWal } from "./wal-mode.ts";

/** Options when a metering store opens its own file. */
export interface SqliteMeteringOptions {
  /** How long a writer waits for another process's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * "normal" (default, as the saver and the platform store): a committed record survives the
   * process crashing, and the last commits before a power loss may be lost. "full" syncs the
   * WAL on every commit so records survive power loss too, at an fsync per reserve and settle.
   */
  synchronous?: "normal" | "full";
}

/** Options of a {@link SqliteBudgetStore}. */
export interface SqliteBudgetStoreOptions {
  /**
   * Admit calls from allowances held ahead of them (default true; see `budget-allowances.ts`).
   * False reserves every call in its own transaction.
   */
  allowances?: boolean;
  /**
   * How long an allowance may sit unused before it is given back. Default 1000 ms. Allowances
   * belong to the connection, so the last store made on it with this option sets it.
   */
  allowanceIdleMs?: number;
}

/**
 * Opens a database file (or ":memory:") in WAL mode with a busy timeout, as `SqliteSaver` does.
 * @throws InvalidArgumentError for a negative or fractional busyTimeoutMs, or another
 *   synchronous than "normal" or "full".
 */
export function openMeteringDatabase(path: string, options: SqliteMeteringOptions = {}): Database {
  const busy = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busy) || busy < 0) {
    throw new InvalidArgumentError(`SQLite busyTimeoutMs must be an integer >= 0, got ${busy}.`);
  }
  const synchronous = options.synchronous ?? "normal";
  if (synchronous !== "normal" && synchronous !== "full") {
    throw new InvalidArgumentError(
      `SQLite synchronous must be "normal" or "full", got ${JSON.stringify(synchronous)}.`,
    );
  }
  const db = new BetterSqlite3(path);
  useWal(db, busy);
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  return db;
}

/** A duplicate primary key: a reservation id that is already open. */
const SQLITE_CONSTRAINT_PRIMARYKEY = "SQLITE_CONSTRAINT_PRIMARYKEY";

/** The store's transaction functions (better-sqlite3 wrappers; call `.immediate(...)`). */
interface Transactions {
  reserve: Transaction<(request: ReserveRequest) => ReserveResult>;
  reserveApplicable: Transaction<
    (request: ReserveApplicableRequest, assumeNew: boolean) => ReserveApplicableResult
  >;
  release: Transaction<(id: string) => void>;
}

/**
 * A {@link BudgetStore} in a SQLite file, safe to share between processes. Share the
 * checkpoint saver's connection (`new SqliteBudgetStore(saver.db)`) or open a file.
 * @example
 * const budgets = SqliteBudgetStore.fromConnString("./conclave.db");
 * const result = await budgets.reserve({ reservationId, budgetIds: ["daily"], amountPico, now });
 */
export class SqliteBudgetStore implements BudgetStore {
  /** The connection, for callers that share it. */
  readonly db: Database;
  readonly #owned: boolean;
  readonly #statements = new Map<string, Statement>();
  #migrated = false;
  readonly #tx: AllowanceTransaction = {
    getBudget: (id) => this.#budget(id),
    getCounters: (id, key) => {
      const row = this.#stmt("getCounters").get(id, key) as CountersRow | undefined;
      return row === undefined ? emptyCounters() : countersFromRow(row);
    },
    putCounters: (budgetId, key, counters) => {
      const row = countersToRow(counters);
      this.#stmt("putCounters").run({
        budgetId,
        periodKey: key,
        spentPico: BigInt(row.spentPico),
        reservedPico: BigInt(row.reservedPico),
        alerted: row.alerted,
      });
    },
    getReservation: (id) => {
      const row = this.#stmt("getReservation").get(id) as ReservationRow | undefined;
      return row === undefined ? undefined : reservationFromRow(row);
    },
    putReservation: (reservation, at) => {
      this.#stmt("putReservation").run(reservationParams(reservation, at));
    },
    upsertReservation: (reservation, at) => {
      this.#stmt("upsertReservation").run(reservationParams(reservation, at));
    },
    deleteReservation: (id) => {
      this.#stmt("deleteReservation").run(id);
    },
    takeReservation: (id) => {
      const row = this.#stmt("takeReservation").get(id) as ReservationRow | undefined;
      return row === undefined ? undefined : reservationFromRow(row);
    },
  };
  /** Transaction functions, built once: `db.transaction()` costs more than a small statement. */
  #transactions: Transactions | undefined;
  readonly #useAllowances: boolean;
  #allowanceBook: BudgetAllowances | undefined;
  readonly #allowanceIdleMs: number | undefined;

  /** Opens (or creates) a file, in WAL mode. The store owns and closes it. */
  static fromConnString(
    path: string,
    options: SqliteMeteringOptions & SqliteBudgetStoreOptions = {},
  ): SqliteBudgetStore {
    return new SqliteBudgetStore(openMeteringDatabase(path, options), true, options);
  }

  /**
   * Uses an open connection; migrations run on first use.
   * @param owned - Whether {@link close} closes the connection (default false).
   */
  constructor(db: Database, owned = false, options: SqliteBudgetStoreOptions = {}) {
    this.db = db;
    this.#owned = owned;
    this.#useAllowances = options.allowances ?? true;
    const idle = options.allowanceIdleMs;
    if (idle !== undefined && (!Number.isSafeInteger(idle) || idle <= 0)) {
      throw new InvalidArgumentError(`allowanceIdleMs must be an integer > 0, got ${idle}.`);
    }
    this.#allowanceIdleMs = idle;
  }

  /** The connection's allowances (shared by its stores), or undefined when this store uses none. */
  get #allowances(): BudgetAllowances | undefined {
    if (!this.#useAllowances) return undefined;
    if (this.#allowanceBook === undefined) {
      this.#allowanceBook = BudgetAllowances.of(this.#ready(), this.#tx);
      if (this.#allowanceIdleMs !== undefined) this.#allowanceBook.idleMs = this.#allowanceIdleMs;
    }
    return this.#allowanceBook;
  }

  /** Runs the migrations on first use (outside any transaction of ours); returns the db. */
  #ready(): Database {
    if (!this.#migrated) migrate(this.db);
    this.#migrated = true;
    return this.db;
  }

  /** The transaction functions (migrating first, so no migration runs inside one). */
  #run(): Transactions {
    this.#transactions ??= {
      reserve: this.#ready().transaction((request: ReserveRequest) => reserveIn(this.#tx, request)),
      reserveApplicable: this.db.transaction(
        (request: ReserveApplicableRequest, assumeNew: boolean) => {
          const budgets = (this.#stmt("allBudgets").all() as BudgetRow[]).map(budgetFromRow);
          return reserveApplicableIn(this.#tx, budgets, request, assumeNew);
        },
      ),
      release: this.db.transaction((id: string) => releaseIn(this.#tx, id)),
    };
    return this.#transactions;
  }

  #stmt(name: keyof typeof BUDGET_SQL): Statement {
    let statement = this.#statements.get(name);
    if (statement === undefined) {
      statement = this.#ready().prepare(BUDGET_SQL[name]);
      this.#statements.set(name, statement);
    }
    return statement;
  }

  #budget(id: string): BudgetDefinition | undefined {
    const row = this.#stmt("getBudget").get(id) as BudgetRow | undefined;
    return row === undefined ? undefined : budgetFromRow(row);
  }

  /** Creates or replaces a budget; counters of its periods are kept. */
  async setBudget(budget: BudgetDefinition): Promise<void> {
    const row = budgetToRow(validateBudget(budget));
    this.#stmt("upsertBudget").run({ ...row, limitPico: BigInt(row.limitPico) });
    BudgetAllowances.existing(this.db)?.budgetsChanged();
  }

  async getBudget(id: string): Promise<BudgetDefinition | undefined> {
    return this.#budget(id);
  }

  /**
   * Deletes a budget and the counters of all its periods; open reservations stop holding on it.
   * Unknown ids are ignored.
   */
  async deleteBudget(id: string): Promise<void> {
    this.#ready()
      .transaction(() => {
        this.#stmt("deleteBudget").run(id);
        this.#stmt("deletePeriods").run(id);
        this.#stmt("forgetBudgetInReservations").run({ id });
      })
      .immediate();
    BudgetAllowances.existing(this.db)?.budgetsChanged();
  }

  /** The budgets (all, or those named) in id order, with their current period's counters. */
  async status(now: Date, ids?: string[]): Promise<BudgetStatus[]> {
    instantOf(now, "status() now");
    PlatformDb.of(this.db).flush();
    const read = () => {
      const budgets = ids
        ? ids.map((id) => found(this.#budget(id), id))
        : (this.#stmt("allBudgets").all() as BudgetRow[]).map(budgetFromRow);
      return budgets
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((budget) => {
          const key = periodKey(budget.period, budget.timeZone ?? "UTC", now);
          const counters = this.#tx.getCounters(budget.id, key);
          // This connection's unused allowance is no call's reservation (budget-allowances.ts).
          const unused = BudgetAllowances.existing(this.db)?.unusedOn(budget.id, key) ?? 0n;
          const reservedPico = counters.reservedPico - unused;
          return statusOf(budget, key, { ...counters, reservedPico });
        });
    };
    // A read transaction, so every budget is read from one snapshot.
    return this.#ready().transaction(read).deferred();
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.#run().reserve.immediate(request);
  }

  /**
   * Reads every budget and reserves on those `request.applies` accepts, in one `BEGIN
   * IMMEDIATE` transaction (one commit, where `status` + `reserve` took two transactions).
   *
   * Decision: the first try assumes the reservation id is new and skips the statement that
   * looks it up (one of five per reservation, measured in bench:gateway); a duplicate id then
   * fails the insert, the transaction rolls back, and the second try checks it as `reserve` does.
   */
  async reserveApplicable(request: ReserveApplicableRequest): Promise<ReserveApplicableResult> {
    const allowances = this.#allowances;
    if (allowances === undefined || allowances.reservedDirectly(request.reservationId))
      return this.#reserveInTransaction(request);
    checkReserveRequest({ ...request, budgetIds: [] });
    const budgets = allowances.budgets(() => this.#stmt("allBudgets").all() as BudgetRow[]);
    const applicable = budgets.filter((budget) => request.applies(budget));
    if (applicable.length === 0) return { ok: true, budgetIds: [] };
    const items = applicable
      .map((b) => ({
        budgetId: b.id,
        periodKey: periodKey(b.period, b.timeZone ?? "UTC", request.now),
      }))
      .sort((a, b) => (a.budgetId < b.budgetId ? -1 : a.budgetId > b.budgetId ? 1 : 0));
    const budgetIds = items.map((i) => i.budgetId);
    const key = items.map((i) => `${i.budgetId}\0${i.periodKey}`).join("\0");
    if (allowances.take(request.reservationId, key, request.amountPico, request.now))
      return { ok: true, budgetIds };
    let result = this.#reserveInTransaction(request);
    // This connection's own unused allowances must not refuse its calls: give them back, retry.
    if (!result.ok && allowances.giveBackAll()) result = this.#reserveInTransaction(request);
    // Budgets changed in between: this call reserved on others than `items`; no allowance.
    if (result.ok && result.budgetIds.join("\0") === budgetIds.join("\0"))
      allowances.noteReserved(request.reservationId, key, items, request.amountPico, request.now);
    return result;
  }

  #reserveInTransaction(request: ReserveApplicableRequest): ReserveApplicableResult {
    const run = this.#run().reserveApplicable;
    try {
      return run.immediate(request, true);
    } catch (error) {
      if ((error as { code?: unknown }).code !== SQLITE_CONSTRAINT_PRIMARYKEY) throw error;
      return run.immediate(request, false);
    }
  }

  async settle(reservationId: string, actualPico: bigint, _now: Date): Promise<SettleResult> {
    return PlatformDb.of(this.#ready()).write(() => this.settleWithin(reservationId, actualPico));
  }

  /**
   * Settles synchronously in the transaction the caller has open on {@link db}, so other writes
   * commit with it (`SqliteLedger.recordSettled`). Outside a transaction it commits on its own.
   * @throws ReservationNotFoundError when the reservation is not open.
   */
  settleWithin(reservationId: string, actualPico: bigint): SettleResult {
    assertPico(actualPico, "settle() actualPico");
    const settling = BudgetAllowances.existing(this.db)?.settle(reservationId, actualPico);
    if (settling === undefined) return settleIn(this.#tx, reservationId, actualPico);
    // Inside the group commit (or `settle`'s write) memory follows the outcome; in a caller's
    // own transaction it follows at once (a rollback there then only loses the metering).
    if (!PlatformDb.of(this.db).onOutcome(settling)) settling.committed();
    return settling.result;
  }

  async release(reservationId: string): Promise<void> {
    if (BudgetAllowances.existing(this.db)?.release(reservationId)) return;
    this.#run().release.immediate(reservationId);
  }

  /** Charges in full the reservations made before `olderThan`, in one transaction. */
  async expireReservations(olderThan: Date): Promise<ExpiredReservation[]> {
    const cutoff = new Date(instantOf(olderThan, "expireReservations() olderThan")).toISOString();
    // Settlements queued in this process land first, so a finished call is never charged in full.
    PlatformDb.of(this.#ready()).flush();
    return this.db
      .transaction(() => {
        const rows = this.#stmt("staleReservations").all(cutoff) as { id: string }[];
        return chargeIn(
          this.#tx,
          rows.map((r) => r.id),
        );
      })
      .immediate();
  }

  /**
   * Gives back the connection's unused allowances, commits the queued settlements, and closes
   * the connection when this store opened it.
   */
  close(): void {
    if (this.db.open && this.#allowanceBook !== undefined) {
      PlatformDb.existing(this.db)?.flush();
      this.#allowanceBook.giveBackOnClose();
    }
    releaseConnection(this.db, this.#owned);
  }
}

/** A reservation as the insert and upsert statements take it (`at`: its time for expiry). */
function reservationParams(reservation: Reservation, at: Date) {
  const row = reservationToRow(reservation);
  return { ...row, amountPico: BigInt(row.amountPico), createdAt: at.toISOString() };
}
