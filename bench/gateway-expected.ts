/**
 * The expected cost of a scripted fixture reply, computed without @conclave/models: prices are
 * read straight from packages/models/data/model-prices.json and converted to integer pico-USD
 * here, and the billing rules are re-implemented from their documentation (cost.ts header):
 * cache read/write at their own rate else the input rate, reasoning at
 * `output_cost_per_reasoning_token` else the output rate, and a `_above_<N>k_tokens` tier,
 * when the whole prompt (uncached + cache read + cache write) is strictly above N thousand,
 * replacing the rates it lists for the whole request. Pure apart from reading the JSON once.
 */
import { readFileSync } from "node:fs";

/** Usage as the fixture scripts it: `input` is the whole prompt, `output` includes reasoning. */
export interface ScriptedUsage {
  input: number;
  output: number;
  cachedInput?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/** Tokens per price bucket, as the AI SDK provider is expected to report them. */
export interface Buckets {
  noCache: number;
  cacheRead: number;
  cacheWrite: number;
  text: number;
  reasoning: number;
}

type RawEntry = Record<string, unknown>;

const PRICES = JSON.parse(
  readFileSync(new URL("../packages/models/data/model-prices.json", import.meta.url), "utf8"),
) as Record<string, RawEntry>;

const PICO_DIGITS = 12;

/**
 * USD per token (a JSON number as written, or a decimal string) to integer pico-USD. Throws
 * when the amount is not a whole number of pico-USD: every price this bench uses is exact, so
 * rounding here would hide a disagreement instead of finding one.
 */
export function exactPico(value: unknown): bigint {
  const text = typeof value === "number" ? value.toString() : String(value);
  const match = /^(\d+)(?:\.(\d+))?(?:e([-+]?\d+))?$/i.exec(text);
  if (!match) throw new Error(`not a price: ${JSON.stringify(value)}`);
  const fraction = match[2] ?? "";
  const digits = BigInt(`${match[1]}${fraction}`);
  const shift = Number(match[3] ?? 0) - fraction.length + PICO_DIGITS;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  if (digits % divisor !== 0n) throw new Error(`price ${text} is finer than a pico-USD`);
  return digits / divisor;
}

/** A raw table entry with a deployment's override fields merged over it (override wins). */
export function rawPrice(tableKey: string | undefined, override: RawEntry = {}): RawEntry {
  if (tableKey !== undefined && PRICES[tableKey] === undefined)
    throw new Error(`model-prices.json has no "${tableKey}"`);
  return { ...(tableKey === undefined ? {} : PRICES[tableKey]), ...override };
}

const FIELD = {
  input: "input_cost_per_token",
  output: "output_cost_per_token",
  cacheRead: "cache_read_input_token_cost",
  cacheWrite: "cache_creation_input_token_cost",
  reasoning: "output_cost_per_reasoning_token",
} as const;

type Rate = keyof typeof FIELD;

function rateOf(entry: RawEntry, rate: Rate, suffix: string): bigint | undefined {
  const value = entry[`${FIELD[rate]}${suffix}`];
  return value === undefined || value === null ? undefined : exactPico(value);
}

/** The tier suffix (e.g. `_above_200k_tokens`) a prompt of `promptTokens` selects, or "". */
function tierSuffix(entry: RawEntry, promptTokens: number): string {
  let best = 0;
  for (const key of Object.keys(entry)) {
    const m =
      /^(?:input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost|output_cost_per_reasoning_token)_above_(\d+)k_tokens$/.exec(
        key,
      );
    const threshold = m ? Number(m[1]) * 1000 : 0;
    if (m && promptTokens > threshold && threshold > best) best = threshold;
  }
  return best === 0 ? "" : `_above_${best / 1000}k_tokens`;
}

/** The exact cost in pico-USD of `buckets` at `entry`'s prices. */
export function expectedPico(entry: RawEntry, buckets: Buckets): bigint {
  const prompt = buckets.noCache + buckets.cacheRead + buckets.cacheWrite;
  const tier = tierSuffix(entry, prompt);
  const pick = (rate: Rate) =>
    (tier ? rateOf(entry, rate, tier) : undefined) ?? rateOf(entry, rate, "");
  const input = pick("input") ?? 0n;
  const output = pick("output") ?? 0n;
  return (
    BigInt(buckets.noCache) * input +
    BigInt(buckets.cacheRead) * (pick("cacheRead") ?? input) +
    BigInt(buckets.cacheWrite) * (pick("cacheWrite") ?? input) +
    BigInt(buckets.text) * output +
    BigInt(buckets.reasoning) * (pick("reasoning") ?? output)
  );
}

/**
 * What the AI SDK provider reports for a scripted usage. Chat Completions, Responses and
 * Anthropic Messages all carry cache reads, cache writes and reasoning (the fixture contract
 * test pins this); an OpenAI-compatible server has no cache-write field, so written tokens
 * arrive as uncached input.
 */
export function reportedBuckets(usage: ScriptedUsage, cacheWriteField: boolean): Buckets {
  const cacheRead = usage.cachedInput ?? 0;
  const cacheWrite = cacheWriteField ? (usage.cacheWrite ?? 0) : 0;
  const reasoning = usage.reasoning ?? 0;
  return {
    noCache: usage.input - cacheRead - cacheWrite,
    cacheRead,
    cacheWrite,
    text: usage.output - reasoning,
    reasoning,
  };
}

/** Formats pico-USD as exact dollars with all 12 decimals. Pure. */
export function picoToUsd(pico: bigint): string {
  const sign = pico < 0n ? "-" : "";
  const abs = pico < 0n ? -pico : pico;
  const text = abs.toString().padStart(PICO_DIGITS + 1, "0");
  return `${sign}$${text.slice(0, -PICO_DIGITS)}.${text.slice(-PICO_DIGITS)}`;
}
