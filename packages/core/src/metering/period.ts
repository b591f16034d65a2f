/**
 * Budget period keys. A budget's counters live under the key of the period `now` falls in, in
 * the budget's time zone, so a new period starts from zero simply by having a new key.
 *
 * Decision (hour keys): a local hour repeats when DST ends (01:00-01:59 twice in New York). A
 * bare "2026-11-01T01" key would merge both into one two-hour period. Keys could (a) merge them,
 * (b) use UTC hours (wrong for half-hour zones such as Asia/Kolkata), or (c) carry the UTC
 * offset. We chose (c): "2026-11-01T01-04:00" then "2026-11-01T01-05:00", so every hour
 * period is 60 real minutes. Day and month keys need no offset: a 25-hour day is still one day.
 */

import { InvalidMeteringInputError } from "./errors.ts";
import { dateKey, localParts, offsetMs } from "./time-zone.ts";
import type { BudgetPeriod } from "./types.ts";

/** Every period a budget may have. */
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ["none", "hour", "day", "month"];

/** The key of a `none` period: the budget never resets. */
export const ALL_TIME_KEY = "all";

const pad = (value: number) => String(Math.abs(value)).padStart(2, "0");

/**
 * Checks `now` is a valid Date and returns its epoch milliseconds.
 * @throws InvalidMeteringInputError for an invalid Date or a non-Date.
 */
export function instantOf(now: Date, where: string): number {
  const ms = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new InvalidMeteringInputError(
      `${where} must be a valid Date, got ${String(now)}; pass new Date() or an injected clock.`,
    );
  }
  return ms;
}

/**
 * The key of the period holding `now` in `timeZone` (assumed valid): "all", "2026-11" (month),
 * "2026-11-22" (day) or "2026-11-22T14+01:00" (hour, with the UTC offset). Pure.
 * @example periodKey("day", "Asia/Tokyo", new Date("2026-11-22T20:00:00Z")) // "2026-11-23"
 */
export function periodKey(period: BudgetPeriod, timeZone: string, now: Date): string {
  if (period === "none") return ALL_TIME_KEY;
  const ms = instantOf(now, "now");
  const parts = localParts(ms, timeZone);
  if (period === "month") return dateKey(parts).slice(0, 7);
  if (period === "day") return dateKey(parts);
  const offsetMinutes = Math.round(offsetMs(ms, timeZone) / 60_000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const offset = `${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
  return `${dateKey(parts)}T${pad(parts.hour)}${offset}`;
}
