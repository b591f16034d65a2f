/**
 * Token usage in the five buckets cost is computed from. Providers report usage in two AI SDK
 * shapes (the provider-level `LanguageModelV4Usage` and the flattened `LanguageModelUsage` of
 * `generateText` results); both normalise to {@link TokenUsage} here, so cost never starts from
 * a bare `prompt_tokens` total (the LiteLLM cache double-counting bugs).
 */

import type { LanguageModelV4Usage } from "@ai-sdk/provider";
import { InvalidArgumentError } from "@conclave/core";
import type { LanguageModelUsage } from "ai";

/** Token counts split into the buckets that are priced differently. All non-negative integers. */
export interface TokenUsage {
  readonly input: {
    /** Prompt tokens neither read from nor written to the prompt cache. */
    readonly noCache: number;
    readonly cacheRead: number;
    readonly cacheWrite: number;
  };
  readonly output: { readonly text: number; readonly reasoning: number };
}

/** Any usage shape {@link normalizeUsage} accepts; absent buckets count as 0. */
export type UsageLike =
  | TokenUsage
  | {
      readonly input?: Partial<TokenUsage["input"]>;
      readonly output?: Partial<TokenUsage["output"]>;
    }
  | LanguageModelV4Usage
  | LanguageModelUsage;

/**
 * Normalises any supported usage shape to {@link TokenUsage}. When a provider reports only a
 * total, the uncached (or text) share is the total minus the detailed buckets. Pure.
 * @throws InvalidArgumentError (code `INVALID_USAGE`) when a count is negative, fractional or not
 * a number.
 */
export function normalizeUsage(usage: UsageLike): TokenUsage {
  if ("inputTokenDetails" in usage) return fromFlat(usage);
  if ("inputTokens" in usage && typeof usage.inputTokens === "object") {
    return fromV4(usage as LanguageModelV4Usage);
  }
  const { input = {}, output = {} } = usage as Extract<UsageLike, { input?: unknown }>;
  return checked({
    input: {
      noCache: input.noCache ?? 0,
      cacheRead: input.cacheRead ?? 0,
      cacheWrite: input.cacheWrite ?? 0,
    },
    output: { text: output.text ?? 0, reasoning: output.reasoning ?? 0 },
  });
}

function fromV4({ inputTokens, outputTokens }: LanguageModelV4Usage): TokenUsage {
  return split(
    [inputTokens.total, inputTokens.noCache, inputTokens.cacheRead, inputTokens.cacheWrite],
    [outputTokens.total, outputTokens.text, outputTokens.reasoning],
  );
}

function fromFlat(usage: LanguageModelUsage): TokenUsage {
  const { inputTokenDetails: input, outputTokenDetails: output } = usage;
  return split(
    [usage.inputTokens, input.noCacheTokens, input.cacheReadTokens, input.cacheWriteTokens],
    [usage.outputTokens, output.textTokens, output.reasoningTokens],
  );
}

type Count = number | undefined;

function split(
  [inputTotal, noCache, cacheRead = 0, cacheWrite = 0]: [Count, Count, Count, Count],
  [outputTotal, text, reasoning = 0]: [Count, Count, Count],
): TokenUsage {
  return checked({
    input: {
      noCache: noCache ?? Math.max(0, (inputTotal ?? 0) - cacheRead - cacheWrite),
      cacheRead,
      cacheWrite,
    },
    output: { text: text ?? Math.max(0, (outputTotal ?? 0) - reasoning), reasoning },
  });
}

// Every metered call passes here, so the five buckets are checked without building objects.
function checked(usage: TokenUsage): TokenUsage {
  const { input, output } = usage;
  checkCount("noCache", input.noCache);
  checkCount("cacheRead", input.cacheRead);
  checkCount("cacheWrite", input.cacheWrite);
  checkCount("text", output.text);
  checkCount("reasoning", output.reasoning);
  return usage;
}

function checkCount(bucket: string, count: number): void {
  if (Number.isSafeInteger(count) && count >= 0) return;
  throw new InvalidArgumentError(
    `Token usage bucket "${bucket}" is ${String(count)}; token counts must be non-negative ` +
      `integers. Check the provider's usage mapping.`,
    "INVALID_USAGE",
  );
}

/** All prompt tokens of a usage: uncached plus cache reads plus cache writes. Pure. */
export function promptTokensOf(usage: TokenUsage): number {
  return usage.input.noCache + usage.input.cacheRead + usage.input.cacheWrite;
}
