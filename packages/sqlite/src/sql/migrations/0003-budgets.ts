/**
 * Migration 3: budgets, their per-period counters and open reservations. Append-only.
 *
 * A period row is keyed by the period's key ("2026-11-22", "all"...), so a new period starts
 * from zero by having no row yet. Counters are int64 pico-USD; the store computes them in
 * bigint and refuses to pass the int64 limit, because SQLite turns an overflowing `+` into a
 * lossy REAL instead of failing.
 */
export default `
CREATE TABLE conclave_budgets (
  id TEXT PRIMARY KEY,
  scope_kind TEXT NOT NULL,
  scope_value TEXT,
  limit_pico INTEGER NOT NULL CHECK (limit_pico > 0),
  period TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  action TEXT NOT NULL,
  thresholds TEXT
) WITHOUT ROWID;

CREATE TABLE conclave_budget_periods (
  budget_id TEXT NOT NULL,
  period_key TEXT NOT NULL,
  spent_pico INTEGER NOT NULL,
  reserved_pico INTEGER NOT NULL,
  alerted TEXT NOT NULL,
  PRIMARY KEY (budget_id, period_key)
) WITHOUT ROWID;

CREATE TABLE conclave_budget_reservations (
  id TEXT PRIMARY KEY,
  amount_pico INTEGER NOT NULL,
  items TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
`;
