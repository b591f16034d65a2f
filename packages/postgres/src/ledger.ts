/**
 * The PostgreSQL Ledger. Filters and grouping run in SQL; grouping by local day joins the
 * records against day ranges that core computes in JS with Intl (DST-correct), passed as
 * arrays, so a year of records is still one query returning one row per group.
 */
import {
  type AggregateRow,
  type CheckedQuery,
  checkFilter,
  checkLimit,
  checkQuery,
  checkUsageRecord,
  dayRanges,
  type Ledger,
  type LedgerQuery,
  type LedgerRow,
  ledgerRowFrom,
  sortRows,
  type UsageRecord,
  type UsageRow,
  usageFromRow,
  usageToRow,
} from "@conclave/core";
import type pg from "pg";
import type { PostgresMeteringOptions } from "./budget-store.ts";
import { migrate, quoteSchema } from "./migrate.ts";
import { newPool } from "./pool.ts";
import { aggregateSql, insertUsageSql, listUsageSql, spanSql } from "./sql/ledger-statements.ts";

/**
 * A {@link Ledger} in PostgreSQL. Call `setup()` once (it also runs on first use).
 * @example
 * const ledger = PostgresLedger.fromConnString(process.env.DATABASE_URL!);
 * const perTenant = await ledger.query({ groupBy: ["tenant", "day"], timeZone: "Europe/Paris" });
 */
export class PostgresLedger implements Ledger {
  /** The pool, for callers that share it. */
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly #quoted: string;
  readonly #owned: boolean;
  #setup: Promise<void> | undefined;

  /** Creates a pool for `url` (postgres://...). The ledger owns it: `end()` closes it. */
  static fromConnString(url: string, options: PostgresMeteringOptions = {}): PostgresLedger {
    return new PostgresLedger(newPool(url, options.pool), options, true);
  }

  /** Uses an existing pool; `owned` says whether `end()` ends it (default false). */
  constructor(pool: pg.Pool, options: PostgresMeteringOptions = {}, owned = false) {
    this.pool = pool;
    this.schema = options.schema ?? "public";
    this.#quoted = quoteSchema(this.schema);
    this.#owned = owned;
  }

  /** Runs the migrations (once per ledger; later calls return the same promise). */
  setup(): Promise<void> {
    this.#setup ??= migrate(this.pool, this.schema).catch((error: unknown) => {
      this.#setup = undefined;
      throw error;
    });
    return this.#setup;
  }

  /** Stores a record; a second record with the same id is ignored (the first wins). */
  async record(record: UsageRecord): Promise<void> {
    const row = usageToRow(record, checkUsageRecord(record));
    await this.setup();
    await this.pool.query(insertUsageSql(this.#quoted), usageValues(row));
  }

  /** Sums calls, tokens and cost per group, ordered by the group key. */
  async query(query: LedgerQuery): Promise<LedgerRow[]> {
    const checked = checkQuery(query);
    await this.setup();
    let days: { day: string[]; startMs: number[]; endMs: number[] } | undefined;
    if (checked.groupBy.includes("day")) {
      days = await this.#days(checked);
      if (days === undefined) return [];
    }
    const bound = aggregateSql(this.#quoted, checked, days);
    const { rows } = await this.pool.query<AggregateRow>(bound.text, bound.values);
    return sortRows(
      rows.map((row) => ledgerRowFrom(row, checked.groupBy)),
      checked.groupBy,
    );
  }

  /** The local days the query spans, or undefined when no record matches. */
  async #days(checked: CheckedQuery) {
    let { fromMs, toMs } = checked;
    if (fromMs === undefined || toMs === undefined) {
      const bound = spanSql(this.#quoted, checked);
      const { rows } = await this.pool.query<{ minMs: number | null; maxMs: number | null }>(
        bound.text,
        bound.values,
      );
      const span = rows[0];
      if (span?.minMs == null || span.maxMs == null) return undefined;
      fromMs ??= span.minMs;
      toMs ??= span.maxMs + 1;
    }
    const ranges = dayRanges(fromMs, toMs, checked.timeZone);
    return {
      day: ranges.map((r) => r.day),
      startMs: ranges.map((r) => r.startMs),
      endMs: ranges.map((r) => r.endMs),
    };
  }

  /** Records passing the filters, oldest first (ties in recording order). */
  async list(query: Omit<LedgerQuery, "groupBy"> & { limit?: number }): Promise<UsageRecord[]> {
    const filter = checkFilter(query);
    const limit = checkLimit(query.limit) ?? null;
    await this.setup();
    const bound = listUsageSql(this.#quoted, filter, limit);
    const { rows } = await this.pool.query<UsageRow>(bound.text, bound.values);
    return rows.map(usageFromRow);
  }

  /** Ends the pool when this ledger created it. */
  async end(): Promise<void> {
    if (this.#owned) await this.pool.end();
  }
}

function usageValues(row: UsageRow): unknown[] {
  return [
    row.id,
    row.ts,
    row.tsMs,
    row.runId,
    row.threadId,
    row.node,
    row.agent,
    row.tenant,
    row.alias,
    row.deployment,
    row.provider,
    row.model,
    row.inputNoCache,
    row.inputCacheRead,
    row.inputCacheWrite,
    row.outputText,
    row.outputReasoning,
    row.costPico,
    row.priceVersion,
    row.latencyMs,
    row.ttftMs,
    row.status,
    row.streamed === true || row.streamed === 1,
  ];
}
