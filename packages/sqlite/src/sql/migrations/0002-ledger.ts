/**
 * Migration 2: the usage ledger. Append-only: never edit a released migration.
 *
 * `ts` keeps the caller's ISO text for exact round trips; `ts_ms` (epoch milliseconds) is what
 * filters, orders and day grouping compare. `cost_pico` is int64 pico-USD, so one call may cost
 * up to ~$9.2M; sums split each value into 32-bit halves (see ledger statements).
 */
export default `
CREATE TABLE conclave_usage (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  ts TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  run_id TEXT,
  thread_id TEXT,
  node TEXT,
  agent TEXT,
  tenant TEXT,
  alias TEXT NOT NULL,
  deployment TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  input_no_cache INTEGER NOT NULL,
  input_cache_read INTEGER NOT NULL,
  input_cache_write INTEGER NOT NULL,
  output_text INTEGER NOT NULL,
  output_reasoning INTEGER NOT NULL,
  cost_pico INTEGER NOT NULL CHECK (cost_pico >= 0),
  price_version TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  ttft_ms REAL,
  status TEXT NOT NULL,
  streamed INTEGER NOT NULL
);
CREATE INDEX conclave_usage_ts ON conclave_usage (ts_ms);
CREATE INDEX conclave_usage_tenant ON conclave_usage (tenant, ts_ms);
CREATE INDEX conclave_usage_thread ON conclave_usage (thread_id, ts_ms);
CREATE INDEX conclave_usage_run ON conclave_usage (run_id, ts_ms);
`;
