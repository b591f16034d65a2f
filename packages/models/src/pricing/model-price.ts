/**
 * Turns one price-table entry (LiteLLM's field names, USD per token) into a {@link ModelPrice}
 * in integer pico-USD, with its long-context tiers. Only per-token text prices are read; audio,
 * image, per-second and per-query prices are out of scope for chat metering.
 */
import { InvalidArgumentError } from "@conclave/core";
import { type PicoUsd, usdToPico } from "./money.ts";

/**
 * A price as LiteLLM writes it: USD per token, as a number or an exact decimal string. The same
 * shape serves table entries and per-deployment overrides, so any price key can be overridden,
 * including tier keys such as `input_cost_per_token_above_200k_tokens`.
 * @example { input_cost_per_token: "0.0000025", output_cost_per_token: "0.00001" }
 */
export interface PriceSpec {
  input_cost_per_token?: number | string;
  output_cost_per_token?: number | string;
  cache_read_input_token_cost?: number | string;
  cache_creation_input_token_cost?: number | string;
  output_cost_per_reasoning_token?: number | string;
  litellm_provider?: string;
  max_input_tokens?: number;
  max_output_tokens?: number;
  readonly [field: string]: unknown;
}

/** Per-token rates in pico-USD. Absent optional rates fall back as {@link costOf} documents. */
export interface TokenRates {
  readonly input: PicoUsd;
  readonly output: PicoUsd;
  readonly cacheRead?: PicoUsd;
  readonly cacheWrite?: PicoUsd;
  readonly reasoning?: PicoUsd;
}

/** A long-context tier: once the prompt exceeds `aboveTokens`, these rates replace the base. */
export interface PriceTier {
  /** The threshold in tokens (`_above_200k_tokens` is 200,000); the tier needs strictly more. */
  readonly aboveTokens: number;
  readonly rates: Partial<TokenRates>;
}

/** Where a price came from: the bundled table, an override, or a built-in (the sim model). */
export type PriceSource = "table" | "override" | "builtin";

/** The resolved, immutable price of one model on one deployment. */
export interface ModelPrice {
  /** The table key (or override key) the price was found under. */
  readonly model: string;
  /** The entry's `litellm_provider`, when it has one. */
  readonly provider: string | undefined;
  readonly source: PriceSource;
  readonly rates: TokenRates;
  /** Long-context tiers in ascending threshold order (often empty). */
  readonly tiers: readonly PriceTier[];
  /** Identifies the prices used (table hash, snapshot date, override hash); record it per cost row. */
  readonly priceVersion: string;
  readonly maxInputTokens: number | undefined;
  readonly maxOutputTokens: number | undefined;
}

const RATE_FIELDS = {
  input: "input_cost_per_token",
  output: "output_cost_per_token",
  cacheRead: "cache_read_input_token_cost",
  cacheWrite: "cache_creation_input_token_cost",
  reasoning: "output_cost_per_reasoning_token",
} as const satisfies Record<keyof TokenRates, string>;

const TIER_FIELD = new RegExp(`^(${Object.values(RATE_FIELDS).join("|")})_above_(\\d+)k_tokens$`);

/** Identity of a parsed price: everything a {@link ModelPrice} holds besides its rates. */
export interface PriceOrigin {
  readonly model: string;
  readonly source: PriceSource;
  readonly priceVersion: string;
}

/**
 * Parses a price entry. Returns `undefined` when the entry has neither an input nor an output
 * per-token price (models billed per second, per image or per query). A missing input or output
 * price on an entry that has the other is taken as 0 (embedding models list no output price).
 * Pure.
 * @throws InvalidArgumentError (code `INVALID_PRICE`) when a price field is not a valid amount.
 */
export function parseModelPrice(spec: PriceSpec, origin: PriceOrigin): ModelPrice | undefined {
  if (spec.input_cost_per_token === undefined && spec.output_cost_per_token === undefined) {
    return undefined;
  }
  const rates = readRates(spec, origin.model, (field) => field);
  return {
    ...origin,
    provider: typeof spec.litellm_provider === "string" ? spec.litellm_provider : undefined,
    rates: { ...rates, input: rates.input ?? 0n, output: rates.output ?? 0n },
    tiers: readTiers(spec, origin.model),
    maxInputTokens: positiveInt(spec.max_input_tokens),
    maxOutputTokens: positiveInt(spec.max_output_tokens),
  };
}

function readRates(
  spec: PriceSpec,
  model: string,
  fieldName: (base: string) => string,
): Partial<TokenRates> {
  const rates: Partial<Record<keyof TokenRates, PicoUsd>> = {};
  for (const [rate, base] of Object.entries(RATE_FIELDS) as [keyof TokenRates, string][]) {
    const field = fieldName(base);
    const value = spec[field];
    if (value === undefined || value === null) continue;
    rates[rate] = readAmount(value, model, field);
  }
  return rates;
}

function readTiers(spec: PriceSpec, model: string): PriceTier[] {
  const thresholds = new Set<number>();
  for (const field of Object.keys(spec)) {
    const match = TIER_FIELD.exec(field);
    if (match) thresholds.add(Number(match[2]) * 1000);
  }
  return [...thresholds]
    .sort((a, b) => a - b)
    .map((aboveTokens) => ({
      aboveTokens,
      rates: readRates(spec, model, (base) => `${base}_above_${aboveTokens / 1000}k_tokens`),
    }));
}

function readAmount(value: unknown, model: string, field: string): PicoUsd {
  if (typeof value === "number" || typeof value === "string") {
    try {
      return usdToPico(value);
    } catch (error) {
      throw new InvalidArgumentError(
        `The price of "${model}" has ${field} = ${JSON.stringify(value)}, which is not a ` +
          `non-negative USD-per-token amount; fix the price table or the deployment's price.`,
        "INVALID_PRICE",
        { cause: error },
      );
    }
  }
  throw new InvalidArgumentError(
    `The price of "${model}" has ${field} = ${JSON.stringify(value)}; expected a number or a ` +
      `decimal string of USD per token.`,
    "INVALID_PRICE",
  );
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}
