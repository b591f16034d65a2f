/**
 * The in-memory BudgetStore, for tests and single-process use. Each method runs to completion
 * without awaiting, so concurrent calls in one process cannot interleave inside a reservation.
 */
import {
  type BudgetTransaction,
  chargeIn,
  releaseIn,
  reserveApplicableIn,
  reserveIn,
  settleIn,
} from "./budget-flow.ts";
import {
  emptyCounters,
  found,
  type PeriodCounters,
  type Reservation,
  statusOf,
  validateBudget,
} from "./budget-rules.ts";
import { instantOf, periodKey } from "./period.ts";
import type {
  BudgetDefinition,
  BudgetStatus,
  BudgetStore,
  ExpiredReservation,
  ReserveApplicableRequest,
  ReserveApplicableResult,
  ReserveRequest,
  ReserveResult,
  SettleResult,
} from "./types.ts";

/**
 * A {@link BudgetStore} in process memory. Nothing survives the process, and other processes do
 * not see it: use the SQLite or PostgreSQL store to share budgets.
 * @example
 * const budgets = new MemoryBudgetStore();
 * await budgets.setBudget({ id: "daily", scope: { kind: "global" }, limitPico: 5n * 10n ** 12n,
 *   period: "day", timeZone: "Europe/Paris", action: "fail" });
 */
export class MemoryBudgetStore implements BudgetStore {
  readonly #budgets = new Map<string, BudgetDefinition>();
  readonly #counters = new Map<string, PeriodCounters>();
  readonly #reservations = new Map<string, Reservation>();
  /** When each open reservation was made (its reserve's `now`), in epoch ms. */
  readonly #reservedAt = new Map<string, number>();
  readonly #tx: BudgetTransaction = {
    getBudget: (id) => this.#budgets.get(id),
    getCounters: (id, key) => this.#counters.get(counterKey(id, key)) ?? emptyCounters(),
    putCounters: (id, key, counters) => {
      this.#counters.set(counterKey(id, key), counters);
    },
    getReservation: (id) => this.#reservations.get(id),
    putReservation: (reservation, createdAt) => {
      this.#reservations.set(reservation.id, reservation);
      this.#reservedAt.set(reservation.id, createdAt.getTime());
    },
    deleteReservation: (id) => {
      this.#reservations.delete(id);
      this.#reservedAt.delete(id);
    },
  };

  /** Creates or replaces a budget; its counters are kept. */
  async setBudget(budget: BudgetDefinition): Promise<void> {
    const valid = validateBudget(budget);
    this.#budgets.set(valid.id, valid);
  }

  async getBudget(id: string): Promise<BudgetDefinition | undefined> {
    return this.#budgets.get(id);
  }

  /**
   * Deletes a budget and all its counters; open reservations stop holding on it (a budget made
   * again under the id starts from nothing). Unknown ids are ignored.
   */
  async deleteBudget(id: string): Promise<void> {
    this.#budgets.delete(id);
    for (const [key, reservation] of this.#reservations) {
      const items = reservation.items.filter((item) => item.budgetId !== id);
      if (items.length !== reservation.items.length)
        this.#reservations.set(key, { ...reservation, items });
    }
    const prefix = counterKey(id, "");
    for (const key of [...this.#counters.keys()]) {
      if (key.startsWith(prefix)) this.#counters.delete(key);
    }
  }

  /** The budgets (all, or those named) in id order, with their current period's counters. */
  async status(now: Date, ids?: string[]): Promise<BudgetStatus[]> {
    instantOf(now, "status() now");
    const budgets = ids
      ? ids.map((id) => found(this.#budgets.get(id), id))
      : [...this.#budgets.values()];
    return budgets
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((budget) => {
        const key = periodKey(budget.period, budget.timeZone ?? "UTC", now);
        return statusOf(budget, key, this.#tx.getCounters(budget.id, key));
      });
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    return reserveIn(this.#tx, request);
  }

  /** Reserves on the budgets `request.applies` accepts; see {@link BudgetStore.reserveApplicable}. */
  async reserveApplicable(request: ReserveApplicableRequest): Promise<ReserveApplicableResult> {
    return reserveApplicableIn(this.#tx, [...this.#budgets.values()], request);
  }

  async settle(reservationId: string, actualPico: bigint, _now: Date): Promise<SettleResult> {
    return settleIn(this.#tx, reservationId, actualPico);
  }

  async release(reservationId: string): Promise<void> {
    releaseIn(this.#tx, reservationId);
  }

  /** Charges in full the reservations made before `olderThan` (see the interface). */
  async expireReservations(olderThan: Date): Promise<ExpiredReservation[]> {
    const cutoff = instantOf(olderThan, "expireReservations() olderThan");
    const stale = [...this.#reservedAt].filter(([, at]) => at < cutoff).map(([id]) => id);
    return chargeIn(this.#tx, stale);
  }
}

function counterKey(budgetId: string, key: string): string {
  return `${budgetId}\0${key}`;
}
