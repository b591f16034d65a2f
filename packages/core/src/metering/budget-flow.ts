/**
 * The reserve / settle / release steps over a synchronous transaction: the memory store runs
 * them directly (a JS turn is atomic), SQLite inside one `BEGIN IMMEDIATE` transaction (one
 * writer across processes). PostgreSQL, being asynchronous and locking row by row, runs the
 * same rules in its own flow.
 *
 * A reservation is open from `reserve` until `settle` or `release` deletes it; its amount sits
 * in `reservedPico` of the period it was made in, even after that period ends.
 */
import {
  assertPico,
  checkReserveRequest,
  found,
  holdCounters,
  type PeriodCounters,
  type Reservation,
  refusal,
  releaseCounters,
  sameReservation,
  settleCounters,
} from "./budget-rules.ts";
import { ReservationConflictError, ReservationNotFoundError } from "./errors.ts";
import { periodKey } from "./period.ts";
import type { BudgetDefinition, ReserveRequest, ReserveResult, SettleResult } from "./types.ts";

/** What the steps read and write, all within one transaction. */
export interface BudgetTransaction {
  getBudget(id: string): BudgetDefinition | undefined;
  /** The counters of a period, or empty ones when nothing was written in it yet. */
  getCounters(budgetId: string, periodKey: string): PeriodCounters;
  putCounters(budgetId: string, periodKey: string, counters: PeriodCounters): void;
  getReservation(id: string): Reservation | undefined;
  putReservation(reservation: Reservation): void;
  deleteReservation(id: string): void;
}

/**
 * Reserves `amountPico` in every named budget, or in none: checks every budget first, then
 * writes. Reserving again under an open reservation's id with the same budgets and amount
 * succeeds without holding twice (a retried call).
 * @throws BudgetNotFoundError, ReservationConflictError, InvalidMeteringInputError.
 */
export function reserveIn(tx: BudgetTransaction, request: ReserveRequest): ReserveResult {
  const ids = checkReserveRequest(request);
  const amount = request.amountPico;
  const existing = tx.getReservation(request.reservationId);
  if (existing !== undefined) {
    if (sameReservation(existing, ids, amount)) return { ok: true };
    throw new ReservationConflictError(
      request.reservationId,
      `${existing.amountPico} pico-USD on [${existing.items.map((i) => i.budgetId)}]`,
    );
  }
  const held = ids.map((id) => {
    const budget = found(tx.getBudget(id), id);
    const key = periodKey(budget.period, budget.timeZone ?? "UTC", request.now);
    return { budget, key, counters: tx.getCounters(id, key) };
  });
  for (const { budget, counters } of held) {
    const refused = refusal(budget, counters, amount);
    if (refused !== undefined) return refused;
  }
  for (const { budget, key, counters } of held) {
    tx.putCounters(budget.id, key, holdCounters(counters, amount));
  }
  const items = held.map(({ budget, key }) => ({ budgetId: budget.id, periodKey: key }));
  tx.putReservation({ id: request.reservationId, amountPico: amount, items });
  return { ok: true };
}

/**
 * Settles an open reservation: in each budget's reserved period, the reserved amount becomes
 * `actualPico` of spend. Returns the thresholds this crossed. Budgets deleted since are skipped.
 * @throws ReservationNotFoundError when the reservation is not open.
 */
export function settleIn(
  tx: BudgetTransaction,
  reservationId: string,
  actualPico: bigint,
): SettleResult {
  assertPico(actualPico, "settle() actualPico");
  const reservation = open(tx, reservationId);
  const crossed: SettleResult["crossed"] = [];
  for (const { budgetId, periodKey: key } of reservation.items) {
    // A budget deleted since the reservation has no counters left to move.
    const budget = tx.getBudget(budgetId);
    if (budget === undefined) continue;
    const next = settleCounters(
      budget,
      tx.getCounters(budgetId, key),
      reservation.amountPico,
      actualPico,
    );
    tx.putCounters(budgetId, key, next.counters);
    crossed.push(...next.crossed);
  }
  tx.deleteReservation(reservationId);
  return { crossed };
}

/**
 * Drops an open reservation without spending.
 * @throws ReservationNotFoundError when the reservation is not open.
 */
export function releaseIn(tx: BudgetTransaction, reservationId: string): void {
  const reservation = open(tx, reservationId);
  for (const { budgetId, periodKey: key } of reservation.items) {
    if (tx.getBudget(budgetId) === undefined) continue;
    const counters = tx.getCounters(budgetId, key);
    tx.putCounters(budgetId, key, releaseCounters(counters, reservation.amountPico));
  }
  tx.deleteReservation(reservationId);
}

function open(tx: BudgetTransaction, reservationId: string): Reservation {
  const reservation = tx.getReservation(reservationId);
  if (reservation === undefined) throw new ReservationNotFoundError(reservationId);
  return reservation;
}
