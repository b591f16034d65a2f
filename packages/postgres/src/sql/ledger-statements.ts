/**
 * The SQL of the PostgreSQL ledger, for one (quoted) schema. Column aliases match core's
 * `UsageRow` and `AggregateRow`. Sums are cast to text: `sum(bigint)` is numeric, exact at any
 * size, and text carries it to a JS bigint without passing through a lossy number.
 */
import type { CheckedFilter, LedgerDimension } from "@conclave/core";

const USAGE_COLUMNS = `id, ts, ts_ms::float8 AS "tsMs", run_id AS "runId", thread_id AS "threadId",
  node, agent, tenant, alias, deployment, provider, model,
  input_no_cache::float8 AS "inputNoCache", input_cache_read::float8 AS "inputCacheRead",
  input_cache_write::float8 AS "inputCacheWrite", output_text::float8 AS "outputText",
  output_reasoning::float8 AS "outputReasoning", cost_pico::text AS "costPico",
  price_version AS "priceVersion", latency_ms AS "latencyMs", ttft_ms AS "ttftMs", status,
  streamed`;

const DIMENSION_COLUMNS: Record<LedgerDimension, string> = {
  model: "u.model",
  deployment: "u.deployment",
  alias: "u.alias",
  agent: "u.agent",
  thread: "u.thread_id",
  tenant: "u.tenant",
  day: "d.day",
};

/** A statement's text and its positional values. */
export interface Bound {
  text: string;
  values: unknown[];
}

/** The insert of one record; values in `UsageRow` field order (see `usageValues`). */
export function insertUsageSql(s: string): string {
  return `INSERT INTO ${s}.conclave_usage (id, ts, ts_ms, run_id, thread_id, node, agent, tenant,
      alias, deployment, provider, model, input_no_cache, input_cache_read, input_cache_write,
      output_text, output_reasoning, cost_pico, price_version, latency_ms, ttft_ms, status,
      streamed)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
      $18::bigint, $19, $20, $21, $22, $23)
    ON CONFLICT (id) DO NOTHING`;
}

/** The WHERE clause of a filter, appending its values to `values`. */
function where(filter: CheckedFilter, values: unknown[]): string {
  const clauses = ["true"];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    clauses.push(`${sql} $${values.length}`);
  };
  if (filter.fromMs !== undefined) add("u.ts_ms >=", filter.fromMs);
  if (filter.toMs !== undefined) add("u.ts_ms <", filter.toMs);
  if (filter.tenant !== undefined) add("u.tenant =", filter.tenant);
  if (filter.threadId !== undefined) add("u.thread_id =", filter.threadId);
  if (filter.runId !== undefined) add("u.run_id =", filter.runId);
  return clauses.join(" AND ");
}

/** Records in time order (ties in recording order), at most `limit` (null: all). */
export function listUsageSql(s: string, filter: CheckedFilter, limit: number | null): Bound {
  const values: unknown[] = [];
  const condition = where(filter, values);
  values.push(limit);
  return {
    text: `SELECT ${USAGE_COLUMNS} FROM ${s}.conclave_usage u WHERE ${condition}
      ORDER BY u.ts_ms, u.seq LIMIT $${values.length}`,
    values,
  };
}

/** The time span of the matching records, to know which days to group into. */
export function spanSql(s: string, filter: CheckedFilter): Bound {
  const values: unknown[] = [];
  const condition = where(filter, values);
  return {
    text: `SELECT min(u.ts_ms)::float8 AS "minMs", max(u.ts_ms)::float8 AS "maxMs"
      FROM ${s}.conclave_usage u WHERE ${condition}`,
    values,
  };
}

/**
 * Sums per group. With `day`, records join the local-day ranges computed in JS with Intl,
 * passed as three parallel arrays, so grouping stays in SQL.
 */
export function aggregateSql(
  s: string,
  filter: CheckedFilter & { groupBy: LedgerDimension[] },
  days?: { day: string[]; startMs: number[]; endMs: number[] },
): Bound {
  const values: unknown[] = [];
  let join = "";
  if (days !== undefined) {
    values.push(days.day, days.startMs, days.endMs);
    join = `JOIN unnest($1::text[], $2::bigint[], $3::bigint[]) AS d (day, start_ms, end_ms)
      ON u.ts_ms >= d.start_ms AND u.ts_ms < d.end_ms`;
  }
  const condition = where(filter, values);
  const columns = filter.groupBy.map((d) => `${DIMENSION_COLUMNS[d]} AS "${d}"`);
  const group =
    filter.groupBy.length === 0
      ? ""
      : `GROUP BY ${filter.groupBy.map((d) => DIMENSION_COLUMNS[d])}`;
  return {
    text: `SELECT ${[...columns, 'count(*)::text AS "calls"'].join(", ")},
        sum(u.input_no_cache)::text AS "inputNoCache",
        sum(u.input_cache_read)::text AS "inputCacheRead",
        sum(u.input_cache_write)::text AS "inputCacheWrite",
        sum(u.output_text)::text AS "outputText",
        sum(u.output_reasoning)::text AS "outputReasoning",
        sum(u.cost_pico)::text AS "costPico"
      FROM ${s}.conclave_usage u ${join} WHERE ${condition} ${group} HAVING count(*) > 0`,
    values,
  };
}
