/**
 * How budgets, counters and reservations map to table rows, shared by the SQL adapters. Money
 * travels as decimal text, because drivers turn large integers into lossy JS numbers.
 */
import type { PeriodCounters, Reservation } from "./budget-rules.ts";
import type { BudgetDefinition } from "./types.ts";

/** A `conclave_budgets` row, with the limit as decimal text. */
export interface BudgetRow {
  id: string;
  scopeKind: string;
  scopeValue: string | null;
  limitPico: string;
  period: string;
  timeZone: string;
  action: string;
  /** JSON array of numbers, or null when the budget has no alerts. */
  thresholds: string | null;
}

/** A `conclave_budget_periods` row's counters, money as decimal text. */
export interface CountersRow {
  spentPico: string;
  reservedPico: string;
  /** JSON array of the thresholds already reported this period. */
  alerted: string;
}

/** A `conclave_budget_reservations` row. */
export interface ReservationRow {
  id: string;
  amountPico: string;
  /** JSON array of {budgetId, periodKey}. */
  items: string;
}

/** A validated definition as a row. Pure. */
export function budgetToRow(budget: BudgetDefinition): BudgetRow {
  return {
    id: budget.id,
    scopeKind: budget.scope.kind,
    scopeValue: budget.scope.value ?? null,
    limitPico: budget.limitPico.toString(),
    period: budget.period,
    timeZone: budget.timeZone ?? "UTC",
    action: budget.action,
    thresholds: budget.alertThresholds ? JSON.stringify(budget.alertThresholds) : null,
  };
}

/** A row as the definition it stored. Pure. */
export function budgetFromRow(row: BudgetRow): BudgetDefinition {
  const scopeKind = row.scopeKind as BudgetDefinition["scope"]["kind"];
  const scope =
    row.scopeValue === null ? { kind: scopeKind } : { kind: scopeKind, value: row.scopeValue };
  return {
    id: row.id,
    scope,
    limitPico: BigInt(row.limitPico),
    period: row.period as BudgetDefinition["period"],
    timeZone: row.timeZone,
    action: row.action as BudgetDefinition["action"],
    ...(row.thresholds === null ? {} : { alertThresholds: JSON.parse(row.thresholds) as number[] }),
  };
}

/** Counters from a row. Pure. */
export function countersFromRow(row: CountersRow): PeriodCounters {
  return {
    spentPico: BigInt(row.spentPico),
    reservedPico: BigInt(row.reservedPico),
    alerted: JSON.parse(row.alerted) as number[],
  };
}

/** Counters as a row. Pure. */
export function countersToRow(counters: PeriodCounters): CountersRow {
  return {
    spentPico: counters.spentPico.toString(),
    reservedPico: counters.reservedPico.toString(),
    alerted: JSON.stringify(counters.alerted),
  };
}

/** A reservation from a row. Pure. */
export function reservationFromRow(row: ReservationRow): Reservation {
  return {
    id: row.id,
    amountPico: BigInt(row.amountPico),
    items: JSON.parse(row.items) as Reservation["items"],
  };
}

/** A reservation as a row. Pure. */
export function reservationToRow(reservation: Reservation): ReservationRow {
  return {
    id: reservation.id,
    amountPico: reservation.amountPico.toString(),
    items: JSON.stringify(reservation.items),
  };
}
