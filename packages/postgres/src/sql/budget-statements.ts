/**
 * The SQL of the PostgreSQL budget store, for one (quoted) schema. Money goes in and out as
 * text (node-postgres returns bigint as a string anyway), cast to bigint in SQL. Several rows
 * move in one statement through parallel arrays (`unnest`), so a reserve over N budgets is a
 * fixed number of round trips.
 */

const BUDGET_COLUMNS = `id, scope_kind AS "scopeKind", scope_value AS "scopeValue",
  limit_pico::text AS "limitPico", period, time_zone AS "timeZone", action, thresholds`;

/** The budget statements for schema `s` (already quoted). */
export function budgetStatements(s: string) {
  const periods = `${s}.conclave_budget_periods`;
  return {
    upsertBudget: `INSERT INTO ${s}.conclave_budgets
        (id, scope_kind, scope_value, limit_pico, period, time_zone, action, thresholds)
      VALUES ($1, $2, $3, $4::bigint, $5, $6, $7, $8)
      ON CONFLICT (id) DO UPDATE SET scope_kind = excluded.scope_kind,
        scope_value = excluded.scope_value, limit_pico = excluded.limit_pico,
        period = excluded.period, time_zone = excluded.time_zone, action = excluded.action,
        thresholds = excluded.thresholds`,
    /** $1: ids, or null for every budget. */
    budgets: `SELECT ${BUDGET_COLUMNS} FROM ${s}.conclave_budgets
      WHERE $1::text[] IS NULL OR id = ANY ($1::text[]) ORDER BY id`,
    deleteBudget: `DELETE FROM ${s}.conclave_budgets WHERE id = $1`,
    deletePeriods: `DELETE FROM ${periods} WHERE budget_id = $1`,
    /** Open reservations stop holding on a deleted budget (its counters are gone). */
    forgetBudgetInReservations: `UPDATE ${s}.conclave_budget_reservations r
      SET items = (SELECT coalesce(jsonb_agg(x.e ORDER BY x.n), '[]'::jsonb)::text
        FROM jsonb_array_elements(r.items::jsonb) WITH ORDINALITY AS x (e, n)
        WHERE x.e->>'budgetId' <> $1)
      WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(r.items::jsonb) AS e
        WHERE e->>'budgetId' = $1)`,
    /** Creates missing period rows at zero; $1 ids and $2 keys, sorted by id. */
    ensurePeriods: `INSERT INTO ${periods} (budget_id, period_key)
      SELECT * FROM unnest($1::text[], $2::text[]) ORDER BY 1
      ON CONFLICT (budget_id, period_key) DO NOTHING`,
    /** Reads counters; locks them in budget-id order when $3 is true (see `lockPeriods`). */
    periods: `SELECT p.budget_id AS "budgetId", p.spent_pico::text AS "spentPico",
        p.reserved_pico::text AS "reservedPico", p.alerted
      FROM ${periods} p JOIN unnest($1::text[], $2::text[]) AS k (budget_id, period_key)
        ON p.budget_id = k.budget_id AND p.period_key = k.period_key
      ORDER BY p.budget_id`,
    /** The same, taking row locks in budget-id order, so two reserves cannot deadlock. */
    lockPeriods: `SELECT p.budget_id AS "budgetId", p.spent_pico::text AS "spentPico",
        p.reserved_pico::text AS "reservedPico", p.alerted
      FROM ${periods} p JOIN unnest($1::text[], $2::text[]) AS k (budget_id, period_key)
        ON p.budget_id = k.budget_id AND p.period_key = k.period_key
      ORDER BY p.budget_id FOR UPDATE OF p`,
    /** Writes counters; $1 ids, $2 keys, $3 spent, $4 reserved, $5 alerted (parallel). */
    putPeriods: `UPDATE ${periods} p SET spent_pico = k.spent, reserved_pico = k.reserved,
        alerted = k.alerted
      FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])
        AS k (budget_id, period_key, spent, reserved, alerted)
      WHERE p.budget_id = k.budget_id AND p.period_key = k.period_key`,
    /** Locks an open reservation, so two settles of one id run one after the other. */
    lockReservation: `SELECT id, amount_pico::text AS "amountPico", items
      FROM ${s}.conclave_budget_reservations WHERE id = $1 FOR UPDATE`,
    /** $4 is the reserve's `now`, so expiry follows the caller's clock as in every store. */
    insertReservation: `INSERT INTO ${s}.conclave_budget_reservations
        (id, amount_pico, items, created_at)
      VALUES ($1, $2::bigint, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING id`,
    staleReservations: `SELECT id FROM ${s}.conclave_budget_reservations
      WHERE created_at < $1 ORDER BY created_at, id`,
    deleteReservation: `DELETE FROM ${s}.conclave_budget_reservations WHERE id = $1`,
  } as const;
}

/** The statement names of {@link budgetStatements}. */
export type BudgetStatements = ReturnType<typeof budgetStatements>;
