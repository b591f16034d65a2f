/**
 * Migration 2: the usage ledger. `:schema` is replaced by the quoted schema name.
 * Append-only: never edit a released migration.
 *
 * `ts` keeps the caller's ISO text for exact round trips; `ts_ms` (epoch milliseconds) is what
 * filters, orders and day grouping compare. `cost_pico` is bigint pico-USD (one call up to
 * ~$9.2M); sums are numeric, so they never overflow.
 */
export default `
CREATE TABLE :schema.conclave_usage (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  ts text NOT NULL,
  ts_ms bigint NOT NULL,
  run_id text,
  thread_id text,
  node text,
  agent text,
  tenant text,
  alias text NOT NULL,
  deployment text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  input_no_cache bigint NOT NULL,
  input_cache_read bigint NOT NULL,
  input_cache_write bigint NOT NULL,
  output_text bigint NOT NULL,
  output_reasoning bigint NOT NULL,
  cost_pico bigint NOT NULL CHECK (cost_pico >= 0),
  price_version text NOT NULL,
  latency_ms double precision NOT NULL,
  ttft_ms double precision,
  status text NOT NULL,
  streamed boolean NOT NULL
);
CREATE INDEX conclave_usage_ts ON :schema.conclave_usage (ts_ms);
CREATE INDEX conclave_usage_tenant ON :schema.conclave_usage (tenant, ts_ms);
CREATE INDEX conclave_usage_thread ON :schema.conclave_usage (thread_id, ts_ms);
CREATE INDEX conclave_usage_run ON :schema.conclave_usage (run_id, ts_ms);
`;
