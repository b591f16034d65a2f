/**
 * The SQL of the SQLite ledger. Column aliases match core's `UsageRow` and `AggregateRow`, so
 * rows need no mapping beyond the codec.
 *
 * Decision (exact sums): SQLite's sum() over int64 stops with "integer overflow" past
 * 2^63-1 pico-USD (~$9.2M per group); total() is a double, exact only to 2^53 pico (~$9,007);
 * the decimal extension is not compiled into better-sqlite3. So each cost is summed as two
 * halves, `cost >> 32` and `cost & 0xFFFFFFFF`, recombined in bigint: exact for any amounts
 * until a group holds 2^31 rows.
 */
import type { LedgerDimension } from "@conclave/core";

const USAGE_COLUMNS = `id, ts, ts_ms AS tsMs, run_id AS runId, thread_id AS threadId, node, agent,
  tenant, alias, deployment, provider, model, input_no_cache AS inputNoCache,
  input_cache_read AS inputCacheRead, input_cache_write AS inputCacheWrite,
  output_text AS outputText, output_reasoning AS outputReasoning,
  CAST(cost_pico AS TEXT) AS costPico, price_version AS priceVersion, latency_ms AS latencyMs,
  ttft_ms AS ttftMs, status, streamed`;

const DIMENSION_COLUMNS: Record<LedgerDimension, string> = {
  model: "u.model",
  deployment: "u.deployment",
  alias: "u.alias",
  agent: "u.agent",
  thread: "u.thread_id",
  tenant: "u.tenant",
  day: "d.day",
};

/** The fixed ledger statements, by name. */
export const LEDGER_SQL = {
  insert: `INSERT INTO conclave_usage (id, ts, ts_ms, run_id, thread_id, node, agent, tenant,
      alias, deployment, provider, model, input_no_cache, input_cache_read, input_cache_write,
      output_text, output_reasoning, cost_pico, price_version, latency_ms, ttft_ms, status,
      streamed)
    VALUES (@id, @ts, @tsMs, @runId, @threadId, @node, @agent, @tenant, @alias, @deployment,
      @provider, @model, @inputNoCache, @inputCacheRead, @inputCacheWrite, @outputText,
      @outputReasoning, @costPico, @priceVersion, @latencyMs, @ttftMs, @status, @streamed)
    ON CONFLICT (id) DO NOTHING`,
} as const;

/** Which filters a query has; each combination is its own (cached) statement. */
export interface FilterShape {
  from: boolean;
  to: boolean;
  tenant: boolean;
  threadId: boolean;
  runId: boolean;
}

function where(shape: FilterShape): string {
  const clauses = ["1 = 1"];
  if (shape.from) clauses.push("u.ts_ms >= @fromMs");
  if (shape.to) clauses.push("u.ts_ms < @toMs");
  if (shape.tenant) clauses.push("u.tenant = @tenant");
  if (shape.threadId) clauses.push("u.thread_id = @threadId");
  if (shape.runId) clauses.push("u.run_id = @runId");
  return clauses.join(" AND ");
}

/** Records in time order (ties in recording order); `@limit` -1 means all. */
export function listSql(shape: FilterShape): string {
  return `SELECT ${USAGE_COLUMNS} FROM conclave_usage u WHERE ${where(shape)}
    ORDER BY u.ts_ms, u.seq LIMIT @limit`;
}

/** The time span of the matching records, to know which days to group into. */
export function spanSql(shape: FilterShape): string {
  return `SELECT min(u.ts_ms) AS minMs, max(u.ts_ms) AS maxMs FROM conclave_usage u
    WHERE ${where(shape)}`;
}

/**
 * Sums per group. With `day`, records join the local-day ranges passed as JSON in `@days`
 * ([[day, startMs, endMs], ...], computed in JS with Intl), so grouping stays in SQL.
 */
export function aggregateSql(groupBy: LedgerDimension[], shape: FilterShape): string {
  const columns = groupBy.map((d) => `${DIMENSION_COLUMNS[d]} AS "${d}"`);
  const days = groupBy.includes("day")
    ? `JOIN (SELECT value ->> 0 AS day, value ->> 1 AS start_ms, value ->> 2 AS end_ms
         FROM json_each(@days)) d ON u.ts_ms >= d.start_ms AND u.ts_ms < d.end_ms`
    : "";
  const group = groupBy.length === 0 ? "" : `GROUP BY ${groupBy.map((d) => DIMENSION_COLUMNS[d])}`;
  return `SELECT ${[...columns, "count(*) AS calls"].join(", ")},
      sum(u.input_no_cache) AS inputNoCache, sum(u.input_cache_read) AS inputCacheRead,
      sum(u.input_cache_write) AS inputCacheWrite, sum(u.output_text) AS outputText,
      sum(u.output_reasoning) AS outputReasoning,
      CAST(sum(u.cost_pico >> 32) AS TEXT) AS costHigh,
      CAST(sum(u.cost_pico & 4294967295) AS TEXT) AS costLow
    FROM conclave_usage u ${days} WHERE ${where(shape)} ${group} HAVING count(*) > 0`;
}
