/**
 * Migration 3: budgets, their per-period counters and open reservations. `:schema` is replaced
 * by the quoted schema name. Append-only.
 *
 * A period row is keyed by the period's key ("2026-11-22", "all"...), so a new period starts
 * from zero by having no row yet. Counters are bigint: past 2^63-1 PostgreSQL raises "bigint
 * out of range" rather than wrapping.
 */
export default `
CREATE TABLE :schema.conclave_budgets (
  id text PRIMARY KEY,
  scope_kind text NOT NULL,
  scope_value text,
  limit_pico bigint NOT NULL CHECK (limit_pico > 0),
  period text NOT NULL,
  time_zone text NOT NULL,
  action text NOT NULL,
  thresholds text
);

CREATE TABLE :schema.conclave_budget_periods (
  budget_id text NOT NULL,
  period_key text NOT NULL,
  spent_pico bigint NOT NULL DEFAULT 0,
  reserved_pico bigint NOT NULL DEFAULT 0,
  alerted text NOT NULL DEFAULT '[]',
  PRIMARY KEY (budget_id, period_key)
);

CREATE TABLE :schema.conclave_budget_reservations (
  id text PRIMARY KEY,
  amount_pico bigint NOT NULL,
  items text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;
