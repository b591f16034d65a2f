/**
 * Calendar arithmetic in IANA time zones, on Intl only (no tz database of our own). Pure
 * functions; formatters are cached per zone because building one costs ~50 µs.
 *
 * A local day is the run of instants whose local date is that day, so a day is 23 or 25 hours
 * long across a DST change, and starts at 01:00 in zones that skip midnight.
 */
import { InvalidMeteringInputError, InvalidTimeZoneError } from "./errors.ts";

/** The local wall-clock fields of an instant in a zone. */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** One local calendar day as a half-open range of epoch milliseconds. */
export interface DayRange {
  /** "YYYY-MM-DD" in the zone. */
  day: string;
  startMs: number;
  endMs: number;
}

const HOUR_MS = 3_600_000;
/** Ledger queries over more days than this must narrow `from`/`to`; ~270 years. */
export const MAX_DAY_RANGES = 100_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/**
 * Checks that `timeZone` is an IANA zone name Intl accepts, and returns it.
 * @param where - Names the field for the message, e.g. `budget "b1"`.
 * @throws InvalidTimeZoneError for anything else.
 */
export function assertTimeZone(timeZone: unknown, where: string): string {
  if (typeof timeZone !== "string" || timeZone.trim() === "") {
    throw new InvalidTimeZoneError(timeZone, where);
  }
  try {
    formatter(timeZone);
  } catch (error) {
    throw new InvalidTimeZoneError(timeZone, where, { cause: error });
  }
  return timeZone;
}

/** The local fields of epoch millisecond `ms` in `timeZone` (assumed valid). Pure. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Local time minus UTC at instant `ms`, in milliseconds (e.g. +3_600_000 in Paris in winter). */
export function offsetMs(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return local - Math.floor(ms / 1000) * 1000;
}

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** "YYYY-MM-DD" of the local fields. */
export function dateKey(p: Pick<LocalParts, "year" | "month" | "day">): string {
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** The local calendar day ("YYYY-MM-DD") of epoch millisecond `ms` in `timeZone`. Pure. */
export function dayKey(ms: number, timeZone: string): string {
  return dateKey(localParts(ms, timeZone));
}

/**
 * The first instant whose local date is on or after the calendar date `utcMidnight` names
 * (a `Date.UTC(y, m, d)` value). Guesses from the offset, which is right unless the offset
 * changes within hours of midnight; then binary-searches the ±26 h window, where the local date
 * only moves forward.
 */
function startOfDay(utcMidnight: number, timeZone: string): number {
  const target = dateKey(localParts(utcMidnight, "UTC"));
  let guess = utcMidnight - offsetMs(utcMidnight, timeZone);
  guess = utcMidnight - offsetMs(guess, timeZone);
  if (dayKey(guess, timeZone) >= target && dayKey(guess - 1, timeZone) < target) return guess;
  let low = utcMidnight - 26 * HOUR_MS;
  let high = utcMidnight + 26 * HOUR_MS;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (dayKey(mid, timeZone) >= target) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * The local days of `timeZone` that overlap `[fromMs, toMs)`, in order; the first may start
 * before `fromMs` and the last end after `toMs`. Pure.
 * @throws InvalidMeteringInputError when the span holds more than {@link MAX_DAY_RANGES} days.
 */
export function dayRanges(fromMs: number, toMs: number, timeZone: string): DayRange[] {
  const ranges: DayRange[] = [];
  const first = localParts(fromMs, timeZone);
  let date = Date.UTC(first.year, first.month - 1, first.day);
  let start = startOfDay(date, timeZone);
  while (start < toMs) {
    if (ranges.length >= MAX_DAY_RANGES) {
      throw new InvalidMeteringInputError(
        `A ledger query grouped by day spans more than ${MAX_DAY_RANGES} days (from ` +
          `${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}); pass a ` +
          "narrower from/to.",
      );
    }
    const next = date + 24 * HOUR_MS;
    const end = startOfDay(next, timeZone);
    ranges.push({ day: dateKey(localParts(date, "UTC")), startMs: start, endMs: end });
    date = next;
    start = end;
  }
  return ranges;
}
