/**
 * The SQLite BudgetStore. Every reserve, settle and release is one `BEGIN IMMEDIATE`
 * transaction: it takes the database's single write lock before reading any counter, so two
 * processes sharing the file cannot both read "9 of 10 spent" and both reserve the last slot.
 * A process that finds the lock held waits up to `busy_timeout` (default 5 s), then fails with
 * SQLITE_BUSY; nothing is reserved in that case.
 */
import {
  type BudgetDefinition,
  type BudgetRow,
  type BudgetStatus,
  type BudgetStore,
  type BudgetTransaction,
  budgetFromRow,
  budgetToRow,
  type CountersRow,
  countersFromRow,
  countersToRow,
  emptyCounters,
  found,
  InvalidArgumentError,
  instantOf,
  periodKey,
  type ReservationRow,
  type ReserveRequest,
  type ReserveResult,
  releaseIn,
  reservationFromRow,
  reservationToRow,
  reserveIn,
  type SettleResult,
  settleIn,
  statusOf,
  validateBudget,
} from "@conclave/core";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import { migrate } from "./migrate.ts";
import { BUDGET_SQL } from "./sql/budget-statements.ts";

/** Options when a metering store opens its own file. */
export interface SqliteMeteringOptions {
  /** How long a writer waits for another process's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/**
 * Opens a database file (or ":memory:") in WAL mode with a busy timeout, as `SqliteSaver` does.
 * @throws InvalidArgumentError for a negative or fractional busyTimeoutMs.
 */
export function openMeteringDatabase(path: string, options: SqliteMeteringOptions = {}): Database {
  const busy = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busy) || busy < 0) {
    throw new InvalidArgumentError(`SQLite busyTimeoutMs must be an integer >= 0, got ${busy}.`);
  }
  const db = new BetterSqlite3(path);
  if (!db.memory) db.pragma("journal_mode = WAL");
  db.pragma(`busy_timeout = ${busy}`);
  return db;
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
  readonly #tx: BudgetTransaction = {
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
    putReservation: (reservation) => {
      const row = reservationToRow(reservation);
      const createdAt = new Date().toISOString();
      this.#stmt("putReservation").run({ ...row, amountPico: BigInt(row.amountPico), createdAt });
    },
    deleteReservation: (id) => {
      this.#stmt("deleteReservation").run(id);
    },
  };

  /** Opens (or creates) a file, in WAL mode. The store owns and closes it. */
  static fromConnString(path: string, options: SqliteMeteringOptions = {}): SqliteBudgetStore {
    return new SqliteBudgetStore(openMeteringDatabase(path, options), true);
  }

  /**
   * Uses an open connection; migrations run on first use.
   * @param owned - Whether {@link close} closes the connection (default false).
   */
  constructor(db: Database, owned = false) {
    this.db = db;
    this.#owned = owned;
  }

  /** Runs the migrations on first use (outside any transaction of ours); returns the db. */
  #ready(): Database {
    if (!this.#migrated) migrate(this.db);
    this.#migrated = true;
    return this.db;
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
  }

  async getBudget(id: string): Promise<BudgetDefinition | undefined> {
    return this.#budget(id);
  }

  /** Deletes a budget and the counters of all its periods. Unknown ids are ignored. */
  async deleteBudget(id: string): Promise<void> {
    this.#ready()
      .transaction(() => {
        this.#stmt("deleteBudget").run(id);
        this.#stmt("deletePeriods").run(id);
      })
      .immediate();
  }

  /** The budgets (all, or those named) in id order, with their current period's counters. */
  async status(now: Date, ids?: string[]): Promise<BudgetStatus[]> {
    instantOf(now, "status() now");
    const read = () => {
      const budgets = ids
        ? ids.map((id) => found(this.#budget(id), id))
        : (this.#stmt("allBudgets").all() as BudgetRow[]).map(budgetFromRow);
      return budgets
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((budget) => {
          const key = periodKey(budget.period, budget.timeZone ?? "UTC", now);
          return statusOf(budget, key, this.#tx.getCounters(budget.id, key));
        });
    };
    // A read transaction, so every budget is read from one snapshot.
    return this.#ready().transaction(read).deferred();
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.#ready()
      .transaction(() => reserveIn(this.#tx, request))
      .immediate();
  }

  async settle(reservationId: string, actualPico: bigint, _now: Date): Promise<SettleResult> {
    return this.#ready()
      .transaction(() => settleIn(this.#tx, reservationId, actualPico))
      .immediate();
  }

  async release(reservationId: string): Promise<void> {
    this.#ready()
      .transaction(() => releaseIn(this.#tx, reservationId))
      .immediate();
  }

  /** Closes the connection when this store opened it. */
  close(): void {
    if (this.#owned && this.db.open) this.db.close();
  }
}
