/**
 * Cost of one model call from its usage and price, in exact integer pico-USD.
 *
 * Rules (each bucket has its own rate):
 * - Uncached input at `input_cost_per_token`; text output at `output_cost_per_token`.
 * - Cache reads at `cache_read_input_token_cost`, cache writes at
 *   `cache_creation_input_token_cost`. Decision: when a model lists no cache rate, its cache
 *   tokens are billed at the input rate. Options were 0 (under-bills, and budgets would leak on
 *   any provider that reports cache tokens without a listed rate) or the input rate (what the
 *   provider charges when it has no cache discount, and the only choice that never under-bills).
 * - Reasoning output at `output_cost_per_reasoning_token` when listed (52 table entries), else
 *   at the output rate.
 * - Long context: the "prompt" is every input token, cached or not. When it exceeds a tier's
 *   threshold (strictly more than 200,000 for `_above_200k_tokens`), the whole request, input and
 *   output, is billed at that tier's rates; the highest tier crossed wins. A tier replaces only
 *   the rates it lists; the rest keep their base rates and the fallbacks above.
 */
import type { ModelPrice, TokenRates } from "./model-price.ts";
import type { PicoUsd } from "./money.ts";
import { normalizeUsage, promptTokensOf, type TokenUsage, type UsageLike } from "./usage.ts";

/** A call's cost per bucket, in pico-USD, plus what decided the rates. */
export interface CostBreakdown {
  /** The sum of the five buckets. */
  readonly total: PicoUsd;
  readonly input: PicoUsd;
  readonly cacheRead: PicoUsd;
  readonly cacheWrite: PicoUsd;
  readonly output: PicoUsd;
  readonly reasoning: PicoUsd;
  /** All input tokens (uncached + cache read + cache write): what tier thresholds compare. */
  readonly promptTokens: number;
  /** The threshold of the long-context tier applied, or `undefined` for base rates. */
  readonly tierAboveTokens: number | undefined;
  /** The price's version, to store beside the cost. */
  readonly priceVersion: string;
}

/** The effective per-token rate of every bucket, after tiers and fallbacks. */
export type EffectiveRates = Required<TokenRates>;

/**
 * Computes the exact cost of a call. Pure; about a microsecond per call.
 * @throws InvalidArgumentError (code `INVALID_USAGE`) on negative or fractional token counts.
 * @example
 * const cost = costOf(table.priceFor("openai", "gpt-4o"), result.usage);
 * formatUsd(cost.total, 4); // "0.0123"
 */
export function costOf(price: ModelPrice, usage: UsageLike): CostBreakdown {
  return costOfTokens(price, normalizeUsage(usage));
}

/** {@link costOf} of usage already normalised (and so checked) by `normalizeUsage`. Pure. */
export function costOfTokens(price: ModelPrice, tokens: TokenUsage): CostBreakdown {
  const promptTokens = promptTokensOf(tokens);
  const { rates, tierAboveTokens } = ratesFor(price, promptTokens);
  const input = BigInt(tokens.input.noCache) * rates.input;
  const cacheRead = BigInt(tokens.input.cacheRead) * rates.cacheRead;
  const cacheWrite = BigInt(tokens.input.cacheWrite) * rates.cacheWrite;
  const output = BigInt(tokens.output.text) * rates.output;
  const reasoning = BigInt(tokens.output.reasoning) * rates.reasoning;
  return {
    total: input + cacheRead + cacheWrite + output + reasoning,
    input,
    cacheRead,
    cacheWrite,
    output,
    reasoning,
    promptTokens,
    tierAboveTokens,
    priceVersion: price.priceVersion,
  };
}

/**
 * The rates a request with `promptTokens` input tokens pays, with the module's fallbacks applied
 * (cache at the input rate, reasoning at the output rate). Pure.
 */
export function ratesFor(
  price: ModelPrice,
  promptTokens: number,
): { rates: EffectiveRates; tierAboveTokens: number | undefined } {
  let tier: ModelPrice["tiers"][number] | undefined;
  for (const candidate of price.tiers) {
    if (promptTokens > candidate.aboveTokens) tier = candidate;
  }
  const base = price.rates;
  const over = tier?.rates ?? {};
  const input = over.input ?? base.input;
  const output = over.output ?? base.output;
  return {
    rates: {
      input,
      output,
      cacheRead: over.cacheRead ?? base.cacheRead ?? input,
      cacheWrite: over.cacheWrite ?? base.cacheWrite ?? input,
      reasoning: over.reasoning ?? base.reasoning ?? output,
    },
    tierAboveTokens: tier?.aboveTokens,
  };
}

/**
 * The most a call can cost before it runs, for budget reservations: every prompt token at the
 * dearest input rate (a cache write can cost more than an uncached token) and `maxOutputTokens`
 * at the dearer of the output and reasoning rates, with the tier the prompt size selects. Settle
 * with {@link costOf} once usage is known. Pure.
 */
export function maxCostOf(
  price: ModelPrice,
  request: { promptTokens: number; maxOutputTokens: number },
): PicoUsd {
  const { rates } = ratesFor(price, request.promptTokens);
  const inputRate = largest([rates.input, rates.cacheRead, rates.cacheWrite]);
  const outputRate = largest([rates.output, rates.reasoning]);
  return (
    BigInt(Math.max(0, Math.ceil(request.promptTokens))) * inputRate +
    BigInt(Math.max(0, Math.ceil(request.maxOutputTokens))) * outputRate
  );
}

/** The largest of some amounts (`Math.max` does not take bigints). */
function largest(amounts: readonly PicoUsd[]): PicoUsd {
  let max = 0n;
  for (const amount of amounts) if (amount > max) max = amount;
  return max;
}
