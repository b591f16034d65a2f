/**
 * The budget arithmetic every BudgetStore shares, as pure functions over plain values: the
 * adapters only load and store counters (inside their own transaction) and call these, so
 * memory, SQLite and PostgreSQL admit and settle by exactly the same rules.
 */
import { BudgetNotFoundError, InvalidBudgetError, InvalidMeteringInputError } from "./errors.ts";
import { BUDGET_PERIODS, instantOf } from "./period.ts";
import { assertTimeZone } from "./time-zone.ts";
import type {
  BudgetAction,
  BudgetDefinition,
  BudgetScope,
  BudgetStatus,
  ReserveRequest,
  ReserveResult,
  SettleResult,
} from "./types.ts";

/** The largest pico-USD amount one stored value holds: int64, about $9.2M. */
export const MAX_PICO = 2n ** 63n - 1n;
const SCOPE_KINDS: readonly BudgetScope["kind"][] = ["run", "thread", "agent", "tenant", "global"];
const ACTIONS: readonly BudgetAction[] = ["pause", "downgrade", "fail"];
/** Thresholds compare in parts per million, so 0.8 × limit is exact for any integer limit. */
const PPM = 1_000_000;

/** A budget's counters for one period. `alerted` lists thresholds already reported in it. */
export interface PeriodCounters {
  spentPico: bigint;
  reservedPico: bigint;
  alerted: number[];
}

/** An open reservation: the amount held and, per budget, the period it was held in. */
export interface Reservation {
  id: string;
  amountPico: bigint;
  items: { budgetId: string; periodKey: string }[];
}

/** Counters of a period nothing was spent in yet. */
export function emptyCounters(): PeriodCounters {
  return { spentPico: 0n, reservedPico: 0n, alerted: [] };
}

/**
 * Checks a pico-USD amount: a bigint in [0, MAX_PICO] (or (0, MAX_PICO] when `positive`).
 * @throws InvalidMeteringInputError naming `where` and the value seen.
 */
export function assertPico(value: unknown, where: string, positive = false): bigint {
  const low = positive ? 1n : 0n;
  if (typeof value !== "bigint" || value < low || value > MAX_PICO) {
    throw new InvalidMeteringInputError(
      `${where} must be a bigint of pico-USD from ${low} to ${MAX_PICO}, got ` +
        `${typeof value === "bigint" ? `${value}n` : JSON.stringify(String(value))}.`,
    );
  }
  return value;
}

function invalid(budget: { id?: unknown }, detail: string): InvalidBudgetError {
  return new InvalidBudgetError(`Budget ${JSON.stringify(budget.id)} ${detail}.`);
}

function checkScope(budget: BudgetDefinition): BudgetScope {
  const scope = budget.scope;
  if (scope === null || typeof scope !== "object" || !SCOPE_KINDS.includes(scope.kind)) {
    throw invalid(budget, `has scope ${JSON.stringify(scope)}; kind must be one of ${SCOPE_KINDS}`);
  }
  if (scope.kind !== "global" && (typeof scope.value !== "string" || scope.value === "")) {
    throw invalid(budget, `has a ${scope.kind} scope with no value; name the ${scope.kind}`);
  }
  return scope.value === undefined
    ? { kind: scope.kind }
    : { kind: scope.kind, value: scope.value };
}

function checkThresholds(budget: BudgetDefinition): number[] | undefined {
  const thresholds = budget.alertThresholds;
  if (thresholds === undefined) return undefined;
  const bad = Array.isArray(thresholds)
    ? thresholds.find((t) => typeof t !== "number" || !Number.isFinite(t) || t <= 0 || t > 100)
    : thresholds;
  if (bad !== undefined || !Array.isArray(thresholds)) {
    throw invalid(budget, `has alert threshold ${JSON.stringify(bad)}; use fractions such as 0.8`);
  }
  return [...new Set(thresholds)].sort((a, b) => a - b);
}

/**
 * Checks a definition and returns a normalised copy (time zone defaulted to "UTC", thresholds
 * sorted and unique). Pure.
 * @throws InvalidBudgetError for a bad id, scope, limit (must be > 0), period or action.
 * @throws InvalidTimeZoneError for an unknown time zone.
 */
export function validateBudget(budget: BudgetDefinition): BudgetDefinition {
  if (typeof budget?.id !== "string" || budget.id === "") {
    throw invalid(budget ?? {}, "has no id; give every budget a non-empty string id");
  }
  const limit = budget.limitPico;
  if (typeof limit !== "bigint" || limit <= 0n || limit > MAX_PICO) {
    const seen = typeof limit === "bigint" ? `${limit}n` : JSON.stringify(String(limit));
    throw invalid(budget, `has limitPico ${seen}; it must be a bigint from 1 to ${MAX_PICO}`);
  }
  if (!BUDGET_PERIODS.includes(budget.period)) {
    throw invalid(budget, `has period ${JSON.stringify(budget.period)}; use ${BUDGET_PERIODS}`);
  }
  if (!ACTIONS.includes(budget.action)) {
    throw invalid(budget, `has action ${JSON.stringify(budget.action)}; use ${ACTIONS}`);
  }
  const timeZone = assertTimeZone(budget.timeZone ?? "UTC", `Budget ${JSON.stringify(budget.id)}`);
  const thresholds = checkThresholds(budget);
  return {
    id: budget.id,
    scope: checkScope(budget),
    limitPico: limit,
    period: budget.period,
    timeZone,
    action: budget.action,
    ...(thresholds === undefined ? {} : { alertThresholds: thresholds }),
  };
}

/**
 * Checks a reserve request and returns its budget ids without duplicates, in request order.
 * @throws InvalidMeteringInputError for a missing reservation id, a bad amount or `now`.
 */
export function checkReserveRequest(request: ReserveRequest): string[] {
  if (typeof request.reservationId !== "string" || request.reservationId === "") {
    throw new InvalidMeteringInputError(
      `reserve() needs a non-empty reservationId, got ${JSON.stringify(request.reservationId)}.`,
    );
  }
  if (!Array.isArray(request.budgetIds)) {
    throw new InvalidMeteringInputError(
      `reserve() budgetIds must be an array of budget ids, got ${String(request.budgetIds)}.`,
    );
  }
  assertPico(request.amountPico, "reserve() amountPico");
  instantOf(request.now, "reserve() now");
  return [...new Set(request.budgetIds)];
}

/** Returns `budget`, or throws BudgetNotFoundError for `id`. */
export function found<T>(budget: T | undefined, id: string): T {
  if (budget === undefined) throw new BudgetNotFoundError(id);
  return budget;
}

/** The refusal when `amount` does not fit in `budget` this period, else undefined. Pure. */
export function refusal(
  budget: BudgetDefinition,
  counters: PeriodCounters,
  amount: bigint,
): ReserveResult | undefined {
  const used = counters.spentPico + counters.reservedPico;
  if (used + amount <= budget.limitPico) return undefined;
  const left = remaining(budget, counters);
  return { ok: false, budgetId: budget.id, remainingPico: left, limitPico: budget.limitPico };
}

/** What is left to reserve: limit - spent - reserved, never below zero. Pure. */
export function remaining(budget: BudgetDefinition, counters: PeriodCounters): bigint {
  const left = budget.limitPico - counters.spentPico - counters.reservedPico;
  return left > 0n ? left : 0n;
}

/**
 * Checks that reserving again under an open reservation's id repeats the same request (a
 * retried call, which succeeds without reserving twice).
 * @returns whether `existing` matches.
 */
export function sameReservation(existing: Reservation, ids: string[], amount: bigint): boolean {
  const held = existing.items.map((i) => i.budgetId);
  return (
    existing.amountPico === amount &&
    held.length === ids.length &&
    [...held].sort().join("\0") === [...ids].sort().join("\0")
  );
}

/** Adds a reservation's amount to a period's counters. Pure. */
export function holdCounters(counters: PeriodCounters, amount: bigint): PeriodCounters {
  return { ...counters, reservedPico: counters.reservedPico + amount };
}

/** Drops a reservation's amount from a period's counters (never below zero). Pure. */
export function releaseCounters(counters: PeriodCounters, amount: bigint): PeriodCounters {
  const reserved = counters.reservedPico - amount;
  return { ...counters, reservedPico: reserved > 0n ? reserved : 0n };
}

/**
 * Turns `amount` reserved into `actual` spent, and finds the alert thresholds the new spend
 * reaches that were not yet reported this period. Pure.
 * @throws InvalidMeteringInputError when spend would pass {@link MAX_PICO}.
 */
export function settleCounters(
  budget: BudgetDefinition,
  counters: PeriodCounters,
  amount: bigint,
  actual: bigint,
): { counters: PeriodCounters; crossed: SettleResult["crossed"] } {
  const spent = counters.spentPico + actual;
  if (spent > MAX_PICO) {
    throw new InvalidMeteringInputError(
      `settle() would raise spend past ${MAX_PICO} pico-USD (${spent}); check actualPico.`,
    );
  }
  const reached = (budget.alertThresholds ?? []).filter(
    (t) =>
      !counters.alerted.includes(t) &&
      spent * BigInt(PPM) >= BigInt(Math.round(t * PPM)) * budget.limitPico,
  );
  const crossed = reached.map((threshold) => ({
    budgetId: budget.id,
    threshold,
    spentPico: spent,
    limitPico: budget.limitPico,
  }));
  const next = releaseCounters({ ...counters, spentPico: spent }, amount);
  return { counters: { ...next, alerted: [...counters.alerted, ...reached] }, crossed };
}

/** A status row from a budget, its current period key and counters. Pure. */
export function statusOf(
  budget: BudgetDefinition,
  periodKey: string,
  counters: PeriodCounters,
): BudgetStatus {
  return {
    budget,
    periodKey,
    spentPico: counters.spentPico,
    reservedPico: counters.reservedPico,
    remainingPico: remaining(budget, counters),
  };
}
