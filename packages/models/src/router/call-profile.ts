/**
 * What a call needs from a deployment, read from its AI SDK call options: capabilities (tools,
 * structured output, vision) and an estimated token count for cost, context and tpm checks.
 */
import type { LanguageModelV4CallOptions } from "@ai-sdk/provider";
import { countPromptTokens } from "../sim/sim-prompt.ts";
import type { Deployment, DeploymentCapabilities } from "./router-types.ts";

/** The needs of one call. */
export interface CallProfile {
  readonly needs: DeploymentCapabilities;
  /** Prompt tokens, counted with gpt-tokenizer (o200k): close enough for routing. */
  readonly promptTokens: number;
  /** `maxOutputTokens` when set, else the router's default output estimate. */
  readonly outputTokens: number;
  /** Whether the call set `maxOutputTokens` (then it must fit the context window). */
  readonly outputBounded: boolean;
}

/** Reads a call's needs; `promptTokens` when already counted. Pure. */
export function profileCall(
  options: LanguageModelV4CallOptions,
  defaultOutputTokens: number,
  promptTokens?: number,
): CallProfile {
  const vision = options.prompt.some(
    (message) =>
      message.role === "user" &&
      message.content.some(
        (part) =>
          part.type === "file" &&
          typeof part.mediaType === "string" &&
          part.mediaType.startsWith("image/"),
      ),
  );
  return {
    needs: {
      tools: (options.tools?.length ?? 0) > 0,
      structuredOutput: options.responseFormat?.type === "json",
      vision,
    },
    promptTokens: promptTokens ?? countPromptTokens(options),
    outputTokens: options.maxOutputTokens ?? defaultOutputTokens,
    outputBounded: options.maxOutputTokens !== undefined,
  };
}

/** "tools and vision", or "" when the call needs nothing special. Pure. */
export function describeNeeds(needs: DeploymentCapabilities): string {
  const names: string[] = [];
  if (needs.tools) names.push("tools");
  if (needs.structuredOutput) names.push("structured output");
  if (needs.vision) names.push("vision");
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** Why `deployment` cannot serve the call, or `undefined` when it can. Pure. */
export function incapability(deployment: Deployment, profile: CallProfile): string | undefined {
  const missing: string[] = [];
  const caps = deployment.capabilities;
  if (profile.needs.tools && !caps.tools) missing.push("tools");
  if (profile.needs.structuredOutput && !caps.structuredOutput) missing.push("structured output");
  if (profile.needs.vision && !caps.vision) missing.push("vision");
  if (missing.length > 0) return `no ${missing.join(", ")}`;
  // Unbounded output is an estimate, so only the prompt must fit; a set maxOutputTokens must too.
  const needed = profile.promptTokens + (profile.outputBounded ? profile.outputTokens : 0);
  if (needed > deployment.contextWindow) {
    return `context window ${deployment.contextWindow} < ${needed} tokens`;
  }
  return undefined;
}
