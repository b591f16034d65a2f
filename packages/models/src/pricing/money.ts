/**
 * Money in the gateway: integer pico-US-dollars held in a `bigint`.
 *
 * Decision (money representation). Options weighed:
 * - `number` of USD: 1,000 calls at $0.0000025/token drift in the last digits; sums are not exact.
 * - integer nano-USD (1e-9) in a `number`: exact for most prices, but 78 per-token prices in the
 *   bundled table have 10-12 decimals (e.g. 1.25e-10), so nano would round them.
 * - integer pico-USD (1e-12) in a `number`: every real per-token price is exact, but a `number`
 *   only holds integers exactly up to 2^53 pico-USD, i.e. about $9,007: a month of spend overflows.
 * - integer pico-USD in a `bigint` (chosen): every real per-token price in the table is an integer
 *   (the only prices with more than 12 decimals are float artefacts such as
 *   0.0000029999900000000002, rounded half-to-even at load), `tokens x rate` is an exact integer,
 *   and sums never overflow. Measured: `costOf` (usage normalisation, five bigint products)
 *   takes about 0.7 microseconds per call on Node 24 (200,000 calls), noise next to a model
 *   call. A single call's cost also fits a SQL BIGINT (up to $9.2M), so rows can store it as
 *   an integer.
 * Display goes through {@link toUsd} (lossy `number`) or {@link formatUsd} (exact string).
 */
import { InvalidArgumentError } from "@conclave/core";

/** An amount of money in pico-USD (1e-12 US dollars). Always an integer; may be summed exactly. */
export type PicoUsd = bigint;

/** Decimal places between a US dollar and a pico-dollar. */
export const PICO_DECIMALS = 12;

/** How many pico-USD make one US dollar. */
export const PICO_PER_USD: PicoUsd = 10n ** BigInt(PICO_DECIMALS);

const DECIMAL = /^(\d+)(?:\.(\d*))?(?:e([-+]?\d+))?$/i;

/**
 * Converts a USD amount (a JSON number or an exact decimal string such as `"0.0000025"`) to
 * pico-USD. Numbers are read through their shortest round-trip decimal (`String(value)`, the same
 * digits Python's `repr` wrote into the price table), so `2.5e-6` is exactly 2,500,000 pico-USD.
 * Digits past the 12th decimal are rounded half-to-even. Pure.
 * @throws InvalidArgumentError (code `INVALID_PRICE`) for negative, non-finite or non-numeric input.
 * @example usdToPico("0.0000025") // 2_500_000n
 */
export function usdToPico(value: number | string): PicoUsd {
  const text = typeof value === "number" ? String(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match || (typeof value === "number" && !Number.isFinite(value))) {
    throw new InvalidArgumentError(
      `A price must be a non-negative decimal number of US dollars, but got ${JSON.stringify(value)}; ` +
        `write it like 0.0000025 or "2.5e-6".`,
      "INVALID_PRICE",
    );
  }
  const whole = match[1]!;
  const fraction = match[2] ?? "";
  const exponent = Number(match[3] ?? 0);
  const digits = BigInt(whole + fraction);
  const shift = exponent - fraction.length + PICO_DECIMALS;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  return divideHalfEven(digits, 10n ** BigInt(-shift));
}

function divideHalfEven(numerator: bigint, divisor: bigint): bigint {
  const quotient = numerator / divisor;
  const twiceRemainder = (numerator % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n)) {
    return quotient + 1n;
  }
  return quotient;
}

/**
 * Converts pico-USD to a `number` of US dollars, for display and charts only: the result is a
 * float and loses exactness past about 15 significant digits. Keep sums in {@link PicoUsd}. Pure.
 */
export function toUsd(amount: PicoUsd): number {
  const whole = amount / PICO_PER_USD;
  const fraction = amount % PICO_PER_USD;
  return Number(whole) + Number(fraction) / Number(PICO_PER_USD);
}

/**
 * Formats pico-USD as an exact decimal string of US dollars with `decimals` places (0-12),
 * rounding half-to-even; `formatUsd(x, 2)` is the amount to the cent. Pure.
 * @example formatUsd(12_345_678_900_000n, 2) // "12.35"
 */
export function formatUsd(amount: PicoUsd, decimals = 6): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > PICO_DECIMALS) {
    throw new InvalidArgumentError(
      `formatUsd takes 0 to ${PICO_DECIMALS} decimals, but got ${decimals}.`,
    );
  }
  const negative = amount < 0n;
  const scaled = divideHalfEven(
    negative ? -amount : amount,
    10n ** BigInt(PICO_DECIMALS - decimals),
  );
  const text = scaled.toString().padStart(decimals + 1, "0");
  const whole = text.slice(0, text.length - decimals);
  const body = decimals === 0 ? whole : `${whole}.${text.slice(text.length - decimals)}`;
  return negative ? `-${body}` : body;
}
