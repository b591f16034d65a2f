/**
 * The SQL of the SQLite budget store. Money columns are read as TEXT, because better-sqlite3
 * returns integers as JS numbers, inexact past 2^53 pico-USD (~$9,007); aliases match core's
 * `BudgetRow`, `CountersRow` and `ReservationRow`.
 */

const BUDGET_COLUMNS = `id, scope_kind AS scopeKind, scope_value AS scopeValue,
  CAST(limit_pico AS TEXT) AS limitPico, period, time_zone AS timeZone, action, thresholds`;

/** The budget statements, by name; prepared once each. */
export const BUDGET_SQL = {
  upsertBudget: `INSERT INTO conclave_budgets
      (id, scope_kind, scope_value, limit_pico, period, time_zone, action, thresholds)
    VALUES (@id, @scopeKind, @scopeValue, @limitPico, @period, @timeZone, @action, @thresholds)
    ON CONFLICT (id) DO UPDATE SET scope_kind = excluded.scope_kind,
      scope_value = excluded.scope_value, limit_pico = excluded.limit_pico,
      period = excluded.period, time_zone = excluded.time_zone, action = excluded.action,
      thresholds = excluded.thresholds`,
  getBudget: `SELECT ${BUDGET_COLUMNS} FROM conclave_budgets WHERE id = ?`,
  allBudgets: `SELECT ${BUDGET_COLUMNS} FROM conclave_budgets ORDER BY id`,
  deleteBudget: "DELETE FROM conclave_budgets WHERE id = ?",
  deletePeriods: "DELETE FROM conclave_budget_periods WHERE budget_id = ?",
  /** Open reservations stop holding on a deleted budget (its counters are gone). */
  forgetBudgetInReservations: `UPDATE conclave_budget_reservations AS r
    SET items = (SELECT json_group_array(json(j.value)) FROM json_each(r.items) AS j
      WHERE json_extract(j.value, '$.budgetId') <> @id)
    WHERE EXISTS (SELECT 1 FROM json_each(r.items) AS j
      WHERE json_extract(j.value, '$.budgetId') = @id)`,
  getCounters: `SELECT CAST(spent_pico AS TEXT) AS spentPico,
      CAST(reserved_pico AS TEXT) AS reservedPico, alerted
    FROM conclave_budget_periods WHERE budget_id = ? AND period_key = ?`,
  putCounters: `INSERT INTO conclave_budget_periods
      (budget_id, period_key, spent_pico, reserved_pico, alerted)
    VALUES (@budgetId, @periodKey, @spentPico, @reservedPico, @alerted)
    ON CONFLICT (budget_id, period_key) DO UPDATE SET spent_pico = excluded.spent_pico,
      reserved_pico = excluded.reserved_pico, alerted = excluded.alerted`,
  getReservation: `SELECT id, CAST(amount_pico AS TEXT) AS amountPico, items
    FROM conclave_budget_reservations WHERE id = ?`,
  putReservation: `INSERT INTO conclave_budget_reservations (id, amount_pico, items, created_at)
    VALUES (@id, @amountPico, @items, @createdAt)`,
  /** An allowance's amount changes in place (core's allowance-flow.ts). */
  upsertReservation: `INSERT INTO conclave_budget_reservations (id, amount_pico, items, created_at)
    VALUES (@id, @amountPico, @items, @createdAt)
    ON CONFLICT (id) DO UPDATE SET amount_pico = excluded.amount_pico, items = excluded.items,
      created_at = excluded.created_at`,
  deleteReservation: "DELETE FROM conclave_budget_reservations WHERE id = ?",
  /** Reservations made before a time (ISO-8601 UTC strings sort as time). */
  staleReservations: `SELECT id FROM conclave_budget_reservations WHERE created_at < ?
    ORDER BY created_at, id`,
  /** getReservation + deleteReservation in one statement (settle and release). */
  takeReservation: `DELETE FROM conclave_budget_reservations WHERE id = ?
    RETURNING id, CAST(amount_pico AS TEXT) AS amountPico, items`,
} as const;
