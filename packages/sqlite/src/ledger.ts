/**
 * The SQLite Ledger. Filters and grouping run in SQL; grouping by local day joins the records
 * against day ranges that core computes in JS with Intl (DST-correct), passed as one JSON
 * parameter, so a year of records is still one query returning one row per group.
 */
import {
  type AggregateRow,
  type CheckedFilter,
  checkFilter,
  checkLimit,
  checkQuery,
  checkUsageRecord,
  dayRanges,
  type Ledger,
  type LedgerQuery,
  type LedgerRow,
  ledgerRowFrom,
  type SettleResult,
  type SettleTarget,
  sortRows,
  type UsageRecord,
  type UsageRow,
  usageFromRow,
  usageToRow,
} from "@conclave/core";
import type { Database, Statement } from "better-sqlite3";
import {
  openMeteringDatabase,
  SqliteBudgetStore,
  type SqliteMeteringOptions,
} from "./budget-store.ts";
import { migrate } from "./migrate.ts";
import { PlatformDb, releaseConnection } from "./platform/platform-db.ts";
import {
  aggregateSql,
  type FilterShape,
  LEDGER_SQL,
  listSql,
  spanSql,
} from "./sql/ledger-statements.ts";

type Params = Record<string, string | number>;

/**
 * A {@link Ledger} in a SQLite file. Share the checkpoint saver's connection
 * (`new SqliteLedger(saver.db)`) or open a file.
 * @example
 * const ledger = SqliteLedger.fromConnString("./conclave.db");
 * const perDay = await ledger.query({ groupBy: ["day"], timeZone: "America/New_York" });
 */
export class SqliteLedger implements Ledger {
  /** The connection, for callers that share it. */
  readonly db: Database;
  /** Reads on the connection commit its queued writes first (`PlatformDb.flush`). */
  readonly readsOwnWrites = true;
  readonly #owned: boolean;
  readonly #statements = new Map<string, Statement>();
  #migrated = false;

  /** Opens (or creates) a file, in WAL mode. The ledger owns and closes it. */
  static fromConnString(path: string, options: SqliteMeteringOptions = {}): SqliteLedger {
    return new SqliteLedger(openMeteringDatabase(path, options), true);
  }

  /**
   * Uses an open connection; migrations run on first use.
   * @param owned - Whether {@link close} closes the connection (default false).
   */
  constructor(db: Database, owned = false) {
    this.db = db;
    this.#owned = owned;
  }

  #stmt(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      if (!this.#migrated) migrate(this.db);
      this.#migrated = true;
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Stores a record; a second record with the same id is ignored (the first wins). The record is
   * checked and committed with the other metering writes of this event-loop turn (the
   * connection's group commit, `PlatformDb`); the promise settles once it is committed, or
   * rejects when the record is invalid, with nothing stored.
   */
  async record(record: UsageRecord): Promise<void> {
    const insert = this.#stmt(LEDGER_SQL.insert);
    await PlatformDb.of(this.db).writeSoon(() => insert.run(insertParams(record)));
  }

  /**
   * Settles the reservation and stores the record in one savepoint of the next group commit
   * when `settle.budgets` is a {@link SqliteBudgetStore} on this ledger's connection; otherwise
   * returns `undefined` having written nothing (see `Ledger.recordSettled`).
   *
   * Decision: the gateway wrote each call with two commits (settle, then the record). With
   * `synchronous=FULL` each commit is a WAL fsync; one savepoint halves the commits, and a
   * crash can no longer leave a settled budget without its ledger row. Group commit then shares
   * one COMMIT among the calls that finished in the same turn.
   */
  async recordSettled(
    record: UsageRecord,
    settle: SettleTarget,
  ): Promise<SettleResult | undefined> {
    const { budgets, reservationId } = settle;
    if (!(budgets instanceof SqliteBudgetStore) || budgets.db !== this.db) return undefined;
    const insert = this.#stmt(LEDGER_SQL.insert);
    // The record is checked inside the write, off the caller's path: a bad one rolls back its
    // savepoint (settlement included) and rejects, as a check before queuing would.
    return PlatformDb.of(this.db).writeSoon(() => {
      const params = insertParams(record);
      const settled = budgets.settleWithin(reservationId, record.costPico);
      insert.run(params);
      return settled;
    });
  }

  /** Sums calls, tokens and cost per group, ordered by the group key. */
  async query(query: LedgerQuery): Promise<LedgerRow[]> {
    const checked = checkQuery(query);
    PlatformDb.of(this.db).flush();
    const { shape, params } = filterOf(checked);
    if (checked.groupBy.includes("day")) {
      const days = this.#days(checked, shape, params);
      if (days === undefined) return [];
      params.days = days;
    }
    const rows = this.#stmt(aggregateSql(checked.groupBy, shape)).all(params) as Array<
      Omit<AggregateRow, "costPico"> & { costHigh: string; costLow: string }
    >;
    const ledgerRows = rows.map(({ costHigh, costLow, ...row }) => {
      const costPico = ((BigInt(costHigh) << 32n) + BigInt(costLow)).toString();
      return ledgerRowFrom({ ...row, costPico }, checked.groupBy);
    });
    return sortRows(ledgerRows, checked.groupBy);
  }

  /** The local days the query spans as JSON, or undefined when no record matches. */
  #days(filter: CheckedFilter, shape: FilterShape, params: Params): string | undefined {
    let { fromMs, toMs } = filter;
    if (fromMs === undefined || toMs === undefined) {
      const span = this.#stmt(spanSql(shape)).get(params) as { minMs: number; maxMs: number };
      if (span.minMs === null) return undefined;
      fromMs ??= span.minMs;
      toMs ??= span.maxMs + 1;
    }
    const ranges = dayRanges(fromMs, toMs, filter.timeZone);
    return JSON.stringify(ranges.map((r) => [r.day, r.startMs, r.endMs]));
  }

  /** Records passing the filters, oldest first (ties in recording order). */
  async list(query: Omit<LedgerQuery, "groupBy"> & { limit?: number }): Promise<UsageRecord[]> {
    const filter = checkFilter(query);
    const limit = checkLimit(query.limit) ?? -1;
    PlatformDb.of(this.db).flush();
    const { shape, params } = filterOf(filter);
    const rows = this.#stmt(listSql(shape)).all({ ...params, limit }) as UsageRow[];
    return rows.map(usageFromRow);
  }

  /** Commits the queued writes, and closes the connection when this ledger opened it. */
  close(): void {
    releaseConnection(this.db, this.#owned);
  }
}

type InsertParams = Omit<UsageRow, "costPico"> & { costPico: bigint };

/** The insert statement's parameters; validates the record first. */
function insertParams(record: UsageRecord): InsertParams {
  const row = usageToRow(record, checkUsageRecord(record));
  return { ...row, costPico: BigInt(row.costPico) };
}

function filterOf(filter: CheckedFilter): { shape: FilterShape; params: Params } {
  const params: Params = {};
  if (filter.fromMs !== undefined) params.fromMs = filter.fromMs;
  if (filter.toMs !== undefined) params.toMs = filter.toMs;
  if (filter.tenant !== undefined) params.tenant = filter.tenant;
  if (filter.threadId !== undefined) params.threadId = filter.threadId;
  if (filter.runId !== undefined) params.runId = filter.runId;
  const shape = {
    from: filter.fromMs !== undefined,
    to: filter.toMs !== undefined,
    tenant: filter.tenant !== undefined,
    threadId: filter.threadId !== undefined,
    runId: filter.runId !== undefined,
  };
  return { shape, params };
}
