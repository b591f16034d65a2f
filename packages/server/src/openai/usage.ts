/**
 * Token usage of a chat run, for OpenAI's `usage` object. The gateway meters every model call
 * and annotates the step with it (`tasks[].usage` in the checkpoint metadata), which the run's
 * `checkpoints` stream carries, subgraphs included; that is the primary source. A graph that
 * calls models some other way may set LangChain's `usage_metadata` on its messages instead,
 * which is used when no metered call was seen.
 */
import type { Message } from "@conclave/core";
import type { CompletionUsage } from "./schemas.ts";

/** Running totals; `metered` says whether any gateway annotation was seen. */
export interface TokenCounts {
  prompt: number;
  completion: number;
  cachedPrompt: number;
  reasoning: number;
  metered: boolean;
}

export function emptyCounts(): TokenCounts {
  return { prompt: 0, completion: 0, cachedPrompt: 0, reasoning: 0, metered: false };
}

interface MeteredTokens {
  inputNoCache?: number;
  inputCacheRead?: number;
  inputCacheWrite?: number;
  outputText?: number;
  outputReasoning?: number;
}

const num = (value: unknown): number => (typeof value === "number" ? value : 0);

/** Adds the usage annotations of one `checkpoints` event's payload to `counts`. */
export function addCheckpointUsage(counts: TokenCounts, payload: unknown): void {
  const tasks = (payload as { metadata?: { tasks?: unknown } } | null)?.metadata?.tasks;
  if (!Array.isArray(tasks)) return;
  for (const task of tasks) {
    const usage = (task as { usage?: unknown } | null)?.usage;
    for (const call of Array.isArray(usage) ? usage : usage ? [usage] : []) {
      const tokens = (call as { tokens?: MeteredTokens }).tokens;
      if (!tokens) continue;
      counts.metered = true;
      counts.cachedPrompt += num(tokens.inputCacheRead);
      counts.prompt +=
        num(tokens.inputNoCache) + num(tokens.inputCacheRead) + num(tokens.inputCacheWrite);
      counts.reasoning += num(tokens.outputReasoning);
      counts.completion += num(tokens.outputText) + num(tokens.outputReasoning);
    }
  }
}

/** OpenAI's usage object: metered counts, else the output messages' `usage_metadata`. Pure. */
export function completionUsage(counts: TokenCounts, output: readonly Message[]): CompletionUsage {
  const totals = counts.metered ? counts : fromMessages(output);
  return {
    prompt_tokens: totals.prompt,
    completion_tokens: totals.completion,
    total_tokens: totals.prompt + totals.completion,
    prompt_tokens_details: { cached_tokens: totals.cachedPrompt },
    completion_tokens_details: { reasoning_tokens: totals.reasoning },
  };
}

function fromMessages(output: readonly Message[]): TokenCounts {
  const counts = emptyCounts();
  for (const message of output) {
    const usage = message.usage_metadata as
      | {
          input_tokens?: unknown;
          output_tokens?: unknown;
          input_token_details?: { cache_read?: unknown };
          output_token_details?: { reasoning?: unknown };
        }
      | undefined;
    if (!usage) continue;
    counts.prompt += num(usage.input_tokens);
    counts.completion += num(usage.output_tokens);
    counts.cachedPrompt += num(usage.input_token_details?.cache_read);
    counts.reasoning += num(usage.output_token_details?.reasoning);
  }
  return counts;
}
