/**
 * Reads what the sim model needs out of an AI SDK prompt: the last user request, the words of
 * the conversation, what was already visited, whether a tool was called, and the prompt's token
 * count. All pure functions of the prompt.
 */
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
} from "@ai-sdk/provider";
import { countTokens } from "gpt-tokenizer";
import { TokenMemo } from "./token-memo.ts";

const STOPWORDS = new Set(
  "a an and are as at be by can do for from how i in is it me my of on or please the this to what when where which who why with you your".split(
    " ",
  ),
);

/** Lower-case word tokens of a text, without stopwords. Pure. */
export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).filter((w) => !STOPWORDS.has(w));
}

/** The plain text of one message: text parts, tool inputs and tool outputs as JSON. Pure. */
export function messageText(message: LanguageModelV4Message): string {
  if (message.role === "system") return message.content;
  const pieces: string[] = [];
  for (const part of message.content) {
    if (part.type === "text" || part.type === "reasoning") pieces.push(part.text);
    else if (part.type === "tool-call") pieces.push(part.toolName, JSON.stringify(part.input));
    else if (part.type === "tool-result") pieces.push(part.toolName, JSON.stringify(part.output));
  }
  return pieces.join("\n");
}

/** The text of the last user message, or "" when there is none. Pure. */
export function lastUserText(prompt: LanguageModelV4Prompt): string {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i]!;
    if (message.role === "user") return messageText(message);
  }
  return "";
}

/** Lower-cased words said by the assistant or returned by tools: the routes already visited. */
export function visitedWords(prompt: LanguageModelV4Prompt): Set<string> {
  const visited = new Set<string>();
  for (const message of prompt) {
    if (message.role !== "assistant" && message.role !== "tool") continue;
    for (const w of messageText(message)
      .toLowerCase()
      .match(/[\p{L}\p{N}_-]+/gu) ?? []) {
      visited.add(w);
    }
  }
  return visited;
}

/** Whether any assistant message already holds a tool call. Pure. */
export function hasToolCall(prompt: LanguageModelV4Prompt): boolean {
  return prompt.some(
    (m) => m.role === "assistant" && m.content.some((part) => part.type === "tool-call"),
  );
}

/** The last tool result in the conversation, if any. Pure. */
export function lastToolResult(
  prompt: LanguageModelV4Prompt,
): { toolName: string; output: unknown } | undefined {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i]!;
    if (message.role !== "tool") continue;
    const part = message.content.findLast((p) => p.type === "tool-result");
    if (part && part.type === "tool-result")
      return { toolName: part.toolName, output: part.output };
  }
  return undefined;
}

/** Per-message framing tokens, as chat formats add role markers around each message. */
const MESSAGE_OVERHEAD = 4;
/** Special-token text counts as plain text; one set shared by every count (it is only read). */
const COUNT_OPTIONS = { disallowedSpecial: new Set<string>() };

/**
 * Input tokens of a call, counted with gpt-tokenizer (o200k): every message's text plus framing,
 * plus the tool definitions and the response schema, which real providers also bill. Pure.
 */
export function countPromptTokens(options: LanguageModelV4CallOptions): number {
  let total = 3;
  for (const message of options.prompt) {
    total += MESSAGE_OVERHEAD + countTextTokens(messageText(message));
  }
  if (options.tools?.length) total += countTextTokens(JSON.stringify(options.tools));
  if (options.responseFormat?.type === "json" && options.responseFormat.schema) {
    total += countTextTokens(JSON.stringify(options.responseFormat.schema));
  }
  return total;
}

/** Chunk size for counting: BPE time grows with the square of an unbroken run of text. */
const CHUNK = 2_000;

/**
 * Tokens of `text`, counted in chunks of about 2,000 characters cut after whitespace, so a huge
 * prompt costs linear time (one unbroken 600k-character run took minutes in one piece, blocking
 * the server). Cutting at whitespace matches how the tokenizer splits words, so the count is
 * exact for ordinary text and at most one token per forced cut over otherwise. Pure.
 */
export function countTextTokens(text: string): number {
  return memo.count(text, countChunked);
}

/** Counts of recent prompt texts, shared by every gateway of the process. */
const memo = new TokenMemo();

function countChunked(text: string): number {
  if (text.length <= CHUNK) return countTokens(text, COUNT_OPTIONS);
  let total = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + CHUNK, text.length);
    if (end < text.length) {
      const cut = text.lastIndexOf(" ", end);
      if (cut > start + CHUNK / 2) end = cut;
    }
    total += countTokens(text.slice(start, end), COUNT_OPTIONS);
    start = end;
  }
  return total;
}
