/**
 * The steps on an allowance: an open reservation that a process holds ahead of its calls and
 * hands out in memory (@conclave/sqlite's `BudgetAllowances`), so a call admitted from it takes
 * no transaction. Its amount changes in place: settled calls draw on it, and the process tops
 * it up and gives it back. Like every reservation it only ever holds money that fits each of its
 * budgets, so calls admitted from it cannot overspend either.
 *
 * Decision: a top-up leaves each budget at least {@link ALLOWANCE_HEADROOM} times the top-up
 * unreserved. An allowance therefore exists only while a budget is far from its limit, and
 * never holds more than a ninth of what was left; near the limit every call reserves in the
 * database again, exactly as without allowances, so other processes are not refused money that
 * an idle allowance holds.
 */
import type { BudgetTransaction } from "./budget-flow.ts";
import {
  holdCounters,
  type Reservation,
  releaseCounters,
  remaining,
  settleCounters,
} from "./budget-rules.ts";
import type { SettleResult } from "./types.ts";

/** Each budget keeps at least this many times a top-up unreserved after it. */
export const ALLOWANCE_HEADROOM = 8n;

/** A store transaction that can also change an open reservation's amount. */
export interface AllowanceTransaction extends BudgetTransaction {
  /** Creates or replaces an open reservation; `at` becomes its time for expiry. */
  upsertReservation(reservation: Reservation, at: Date): void;
}

/** What an allowance holds on: its id and, per budget, the period it holds in. */
export interface AllowanceRow {
  id: string;
  items: { budgetId: string; periodKey: string }[];
}

/**
 * Spends `spentPico` of allowance `id`: on each budget, that much moves from reserved to spent
 * (what exceeds the allowance is spent without a reservation to move, as `settleIn` does). The
 * allowance stays open at zero: calls still in flight on it draw from it too. Returns the
 * thresholds crossed, or undefined when the allowance is gone (expired: it was charged in full
 * already, this call included).
 */
export function drawIn(
  tx: AllowanceTransaction,
  id: string,
  spentPico: bigint,
  at: Date,
): SettleResult | undefined {
  const held = tx.getReservation(id);
  if (held === undefined) return undefined;
  const taken = spentPico < held.amountPico ? spentPico : held.amountPico;
  const crossed: SettleResult["crossed"] = [];
  for (const { budgetId, periodKey } of held.items) {
    const budget = tx.getBudget(budgetId);
    if (budget === undefined) continue;
    const next = settleCounters(budget, tx.getCounters(budgetId, periodKey), taken, spentPico);
    tx.putCounters(budgetId, periodKey, next.counters);
    crossed.push(...next.crossed);
  }
  tx.upsertReservation({ ...held, amountPico: held.amountPico - taken }, at);
  return { crossed };
}

/**
 * Holds `askPico` more on the allowance (opening it when it is not), on every budget or none,
 * only when each keeps {@link ALLOWANCE_HEADROOM} times `askPico` unreserved after it.
 * @returns whether it held.
 */
export function topUpIn(
  tx: AllowanceTransaction,
  allowance: AllowanceRow,
  askPico: bigint,
  at: Date,
): boolean {
  const counters = [];
  for (const { budgetId, periodKey } of allowance.items) {
    const budget = tx.getBudget(budgetId);
    if (budget === undefined) return false;
    const current = tx.getCounters(budgetId, periodKey);
    if (remaining(budget, current) < (ALLOWANCE_HEADROOM + 1n) * askPico) return false;
    counters.push({ budgetId, periodKey, current });
  }
  for (const { budgetId, periodKey, current } of counters) {
    tx.putCounters(budgetId, periodKey, holdCounters(current, askPico));
  }
  const held = tx.getReservation(allowance.id);
  const amount = (held?.amountPico ?? 0n) + askPico;
  tx.upsertReservation({ id: allowance.id, amountPico: amount, items: allowance.items }, at);
  return true;
}

/**
 * Gives `pico` of allowance `id` back to its budgets (at most what it holds). With `close`, an
 * allowance left at zero is deleted (no call is in flight on it).
 */
export function giveIn(
  tx: AllowanceTransaction,
  id: string,
  pico: bigint,
  at: Date,
  close = false,
): void {
  const held = tx.getReservation(id);
  if (held === undefined) return;
  const given = pico < held.amountPico ? pico : held.amountPico;
  if (given > 0n) {
    for (const { budgetId, periodKey } of held.items) {
      if (tx.getBudget(budgetId) === undefined) continue;
      const counters = releaseCounters(tx.getCounters(budgetId, periodKey), given);
      tx.putCounters(budgetId, periodKey, counters);
    }
  }
  const amount = held.amountPico - given;
  if (amount === 0n && close) tx.deleteReservation(id);
  else if (given > 0n) tx.upsertReservation({ ...held, amountPico: amount }, at);
}
