import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { Message, NodeConfig } from "@conclave/core";
import type { Gateway } from "@conclave/models";
import { generateText, Output } from "ai";
import { toModelMessages } from "../messages/model-messages.ts";

/** A model: an AI SDK model, or a gateway alias (routed, metered, budgeted and journaled). */
export type ModelRef = LanguageModelV4 | { gateway: Gateway; alias: string };

/** The model to call from a node; gateway calls are attributed to `agent`. */
export function resolveModel(model: ModelRef, config: NodeConfig, agent?: string): LanguageModelV4 {
  if ("gateway" in model && "alias" in model)
    return model.gateway.forNode(config, agent ? { agent } : {}).model(model.alias);
  return model;
}

/** Asks `model` for an object matching a zod `schema`, given instructions and a conversation. */
export async function askForObject<T>(
  model: ModelRef,
  config: NodeConfig,
  request: {
    schema: unknown;
    instructions?: string;
    prompt?: string;
    messages?: readonly Message[];
    agent?: string;
  },
): Promise<T> {
  const result = await generateText({
    model: resolveModel(model, config, request.agent),
    instructions: request.instructions,
    ...(request.messages
      ? { messages: toModelMessages(request.messages) }
      : { prompt: request.prompt ?? "" }),
    output: Output.object({ schema: request.schema as never }),
    abortSignal: config.signal,
  });
  return result.output as T;
}

/** Asks `model` for text. */
export async function askForText(
  model: ModelRef,
  config: NodeConfig,
  request: { instructions?: string; prompt: string; agent?: string; maxOutputTokens?: number },
): Promise<string> {
  const result = await generateText({
    model: resolveModel(model, config, request.agent),
    instructions: request.instructions,
    prompt: request.prompt,
    maxOutputTokens: request.maxOutputTokens,
    abortSignal: config.signal,
  });
  return result.text;
}
