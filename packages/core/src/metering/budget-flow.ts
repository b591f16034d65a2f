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
import type {
  BudgetDefinition,
  ExpiredReservation,
  ReserveApplicableRequest,
  ReserveApplicableResult,
  ReserveRequest,
  ReserveResult,
  SettleResult,
} from "./types.ts";

/**
 * What the steps read and write, all within one transaction. The optional member fuses two
 * steps into one statement for stores where each statement costs (SQLite); without it the
 * steps use the required ones.
 */
export interface BudgetTransaction {
  getBudget(id: string): BudgetDefinition | undefined;
  /** The counters of a period, or empty ones when nothing was written in it yet. */
  getCounters(budgetId: string, periodKey: string): PeriodCounters;
  putCounters(budgetId: string, periodKey: string, counters: PeriodCounters): void;
  getReservation(id: string): Reservation | undefined;
  /** Stores an open reservation; `createdAt` (the reserve's `now`) is what expiry compares. */
  putReservation(reservation: Reservation, createdAt: Date): void;
  deleteReservation(id: string): void;
  /** Optional: `getReservation` then `deleteReservation` in one step. */
  takeReservation?(id: string): Reservation | undefined;
}

/**
 * Reserves `amountPico` in every named budget, or in none: checks every budget first, then
 * writes. Reserving again under an open reservation's id with the same budgets and amount
 * succeeds without holding twice (a retried call).
 * @throws BudgetNotFoundError, ReservationConflictError, InvalidMeteringInputError.
 */
export function reserveIn(tx: BudgetTransaction, request: ReserveRequest): ReserveResult {
  const ids = checkReserveRequest(request);
  const retried = retryOutcome(tx, request.reservationId, ids, request.amountPico);
  if (retried !== undefined) return retried;
  const budgets = ids.map((id) => found(tx.getBudget(id), id));
  return hold(tx, budgets, request);
}

/**
 * Reserves on every budget of `budgets` (all of them, as read in this transaction) that
 * `request.applies` accepts, in id order; with none accepted, writes nothing. A retry under an
 * open reservation's id behaves as in {@link reserveIn}.
 * @param assumeNew - Skip looking for an open reservation under this id. Only for a store whose
 *   `putReservation` throws on a duplicate id: it rolls back and calls again without the flag.
 * @throws ReservationConflictError, InvalidMeteringInputError.
 */
export function reserveApplicableIn(
  tx: BudgetTransaction,
  budgets: readonly BudgetDefinition[],
  request: ReserveApplicableRequest,
  assumeNew = false,
): ReserveApplicableResult {
  checkReserveRequest({ ...request, budgetIds: [] });
  const applicable = budgets.filter((budget) => request.applies(budget));
  if (applicable.length === 0) return { ok: true, budgetIds: [] };
  applicable.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const budgetIds = applicable.map((b) => b.id);
  const retried = assumeNew
    ? undefined
    : retryOutcome(tx, request.reservationId, budgetIds, request.amountPico);
  const result = retried ?? hold(tx, applicable, request);
  if (result.ok) return { ok: true, budgetIds };
  const budget = applicable.find((b) => b.id === result.budgetId)!;
  return { ok: false, budget, remainingPico: result.remainingPico, limitPico: result.limitPico };
}

/** `{ ok: true }` when the reservation is already open as asked (a retry), else undefined. */
function retryOutcome(
  tx: BudgetTransaction,
  reservationId: string,
  ids: string[],
  amount: bigint,
): ReserveResult | undefined {
  const existing = tx.getReservation(reservationId);
  if (existing === undefined) return undefined;
  if (sameReservation(existing, ids, amount)) return { ok: true };
  throw new ReservationConflictError(
    reservationId,
    `${existing.amountPico} pico-USD on [${existing.items.map((i) => i.budgetId)}]`,
  );
}

/** Checks `amountPico` fits every budget this period, then holds it on all of them. */
function hold(
  tx: BudgetTransaction,
  budgets: readonly BudgetDefinition[],
  request: { reservationId: string; amountPico: bigint; now: Date },
): ReserveResult {
  const amount = request.amountPico;
  const held = budgets.map((budget) => {
    const key = periodKey(budget.period, budget.timeZone ?? "UTC", request.now);
    return { budget, key, counters: tx.getCounters(budget.id, key) };
  });
  for (const { budget, counters } of held) {
    const refused = refusal(budget, counters, amount);
    if (refused !== undefined) return refused;
  }
  for (const { budget, key, counters } of held) {
    tx.putCounters(budget.id, key, holdCounters(counters, amount));
  }
  const items = held.map(({ budget, key }) => ({ budgetId: budget.id, periodKey: key }));
  tx.putReservation({ id: request.reservationId, amountPico: amount, items }, request.now);
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
  const reservation = close(tx, reservationId);
  const crossed: SettleResult["crossed"] = [];
  for (const { budgetId, periodKey: key } of reservation.items) {
    // A budget deleted since the reservation has no counters left to move.
    const budget = tx.getBudget(budgetId);
    if (budget === undefined) continue;
    const counters = tx.getCounters(budgetId, key);
    const next = settleCounters(budget, counters, reservation.amountPico, actualPico);
    tx.putCounters(budgetId, key, next.counters);
    crossed.push(...next.crossed);
  }
  return { crossed };
}

/**
 * Settles each open reservation of `ids` at its full amount (see
 * `BudgetStore.expireReservations`); ids no longer open are skipped.
 */
export function chargeIn(tx: BudgetTransaction, ids: readonly string[]): ExpiredReservation[] {
  const charged: ExpiredReservation[] = [];
  for (const id of ids) {
    const reservation = tx.getReservation(id);
    if (reservation === undefined) continue;
    const { crossed } = settleIn(tx, id, reservation.amountPico);
    const budgetIds = reservation.items.map((i) => i.budgetId);
    charged.push({ reservationId: id, chargedPico: reservation.amountPico, budgetIds, crossed });
  }
  return charged;
}

/**
 * Drops an open reservation without spending.
 * @throws ReservationNotFoundError when the reservation is not open.
 */
export function releaseIn(tx: BudgetTransaction, reservationId: string): void {
  const reservation = close(tx, reservationId);
  for (const { budgetId, periodKey: key } of reservation.items) {
    if (tx.getBudget(budgetId) === undefined) continue;
    const counters = tx.getCounters(budgetId, key);
    tx.putCounters(budgetId, key, releaseCounters(counters, reservation.amountPico));
  }
}

/** Reads and deletes an open reservation (its counters are moved in the same transaction). */
function close(tx: BudgetTransaction, reservationId: string): Reservation {
  const reservation = tx.takeReservation
    ? tx.takeReservation(reservationId)
    : tx.getReservation(reservationId);
  if (reservation === undefined) throw new ReservationNotFoundError(reservationId);
  if (!tx.takeReservation) tx.deleteReservation(reservationId);
  return reservation;
}
