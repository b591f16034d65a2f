/**
 * Turns a sim reply into what a provider returns: content parts for `doGenerate`, token-sized
 * pieces for `doStream`, output token counts and the finish reason. Text is split with
 * gpt-tokenizer (o200k) so a stream delivers one real token per delta, multi-byte characters
 * intact.
 */
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
} from "@ai-sdk/provider";
import { decodeGenerator, encode } from "gpt-tokenizer";
import { stableId } from "./seeded-random.ts";
import { SIM_TEXT_PREFIX, type SimContent } from "./sim-reply.ts";

/** One streamed block: text or reasoning deltas, or one tool call's input deltas. */
export type SimSegment =
  | { readonly kind: "text" | "reasoning"; readonly id: string; readonly pieces: readonly string[] }
  | {
      readonly kind: "tool";
      readonly id: string;
      readonly toolName: string;
      readonly input: string;
      readonly pieces: readonly string[];
    };

/** A reply rendered for both call styles. */
export interface RenderedReply {
  readonly segments: readonly SimSegment[];
  readonly content: LanguageModelV4Content[];
  readonly finishReason: LanguageModelV4FinishReason;
  readonly textTokens: number;
  readonly reasoningTokens: number;
}

const NO_SPECIAL = { disallowedSpecial: new Set<string>() };

/** Token-sized pieces of `text`; `limit` keeps only the first `limit` tokens. Pure. */
export function tokenPieces(text: string, limit = Number.POSITIVE_INFINITY): string[] {
  return [...decodeGenerator(encode(text, NO_SPECIAL).slice(0, limit))];
}

/** Prefixes `[simulated]` unless the text already carries it. Pure. */
export function labelled(text: string): string {
  return text.startsWith(SIM_TEXT_PREFIX) ? text : `${SIM_TEXT_PREFIX} ${text}`;
}

function stopAt(text: string, stops: readonly string[] | undefined): string {
  let end = text.length;
  for (const stop of stops ?? []) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}

/**
 * Renders a reply for a call. Text honours `stopSequences` and `maxOutputTokens` (finish reason
 * `length` when cut); JSON objects and tool inputs are never truncated, so they stay valid. Pure.
 */
export function renderReply(
  reply: SimContent,
  options: LanguageModelV4CallOptions,
  callId: string,
): RenderedReply {
  if (typeof reply === "object" && "toolCalls" in reply) return renderToolCalls(reply, callId);
  if (typeof reply === "object" && "object" in reply) {
    const pieces = tokenPieces(JSON.stringify(reply.object ?? null));
    return renderText(pieces, [], "stop");
  }
  const { text, reasoning } =
    typeof reply === "string" ? { text: reply, reasoning: undefined } : reply;
  const stopped = stopAt(labelled(text), options.stopSequences);
  const all = tokenPieces(stopped);
  const max = options.maxOutputTokens ?? Number.POSITIVE_INFINITY;
  const pieces = all.length > max ? all.slice(0, max) : all;
  return renderText(
    pieces,
    reasoning ? tokenPieces(reasoning) : [],
    all.length > max ? "length" : "stop",
  );
}

function renderText(
  pieces: string[],
  reasoning: string[],
  finish: "stop" | "length",
): RenderedReply {
  const segments: SimSegment[] = [];
  const content: LanguageModelV4Content[] = [];
  if (reasoning.length > 0) {
    segments.push({ kind: "reasoning", id: "reasoning-0", pieces: reasoning });
    content.push({ type: "reasoning", text: reasoning.join("") });
  }
  segments.push({ kind: "text", id: "text-0", pieces });
  content.push({ type: "text", text: pieces.join("") });
  return {
    segments,
    content,
    finishReason: { unified: finish, raw: finish },
    textTokens: pieces.length,
    reasoningTokens: reasoning.length,
  };
}

function renderToolCalls(
  reply: Extract<SimContent, { toolCalls: unknown }>,
  callId: string,
): RenderedReply {
  const segments: SimSegment[] = [];
  const content: LanguageModelV4Content[] = [];
  let tokens = 0;
  reply.toolCalls.forEach(({ toolName, input }, index) => {
    const json = JSON.stringify(input ?? {});
    const id = `call_${stableId(callId, index)}`;
    const pieces = tokenPieces(json);
    tokens += pieces.length + tokenPieces(toolName).length;
    segments.push({ kind: "tool", id, toolName, input: json, pieces });
    content.push({ type: "tool-call", toolCallId: id, toolName, input: json });
  });
  return {
    segments,
    content,
    finishReason: { unified: "tool-calls", raw: "tool_calls" },
    textTokens: tokens,
    reasoningTokens: 0,
  };
}
