/**
 * Converts OpenAI chat messages into Conclave's stored messages (LangChain's serialised shape)
 * and reads a run's reply back out of its final state.
 */
import { randomUUID } from "node:crypto";
import type { ContentBlock, Message, ToolCall } from "@conclave/core";
import type { AssistantMessage, ChatMessageParam, FinishReason } from "./schemas.ts";

type Content = string | readonly Record<string, unknown>[] | null | undefined;

/** The text of message content: a string as is, the `text` of each part joined. Pure. */
export function textOf(content: Content | Message["content"]): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => (typeof part.text === "string" ? part.text : "")).join("");
}

/**
 * The graph messages for OpenAI messages. Each gets a fresh id, so the run's own output can
 * be told apart from its input afterwards.
 */
export function toGraphMessages(messages: readonly ChatMessageParam[]): Message[] {
  return messages.map((message) => toGraphMessage(message, randomUUID()));
}

function toGraphMessage(message: ChatMessageParam, id: string): Message {
  const name = typeof message.name === "string" ? { name: message.name } : {};
  switch (message.role) {
    case "system":
    case "developer":
      return { type: "system", content: textOf(message.content), id, ...name };
    case "user":
      return { type: "human", content: userContent(message.content), id, ...name };
    case "assistant":
      return {
        type: "ai",
        content: textOf(message.content),
        id,
        tool_calls: (message.tool_calls ?? []).map(fromOpenAiToolCall),
        ...name,
      };
    case "tool":
      return {
        type: "tool",
        content: textOf(message.content),
        id,
        tool_call_id: message.tool_call_id,
      };
    case "function":
      return { type: "function", content: message.content ?? "", id, name: message.name };
  }
}

// Nodes commonly read `content` as a string; only content with non-text parts (images,
// audio, files) stays a part list, in the OpenAI part shape LangChain also uses.
function userContent(content: string | Record<string, unknown>[]): Message["content"] {
  if (typeof content === "string") return content;
  // The request schema requires a `type` on every part.
  const parts = content as ContentBlock[];
  return parts.every((part) => part.type === "text") ? textOf(parts) : parts;
}

function fromOpenAiToolCall(call: {
  id: string;
  function: { name: string; arguments: string };
}): ToolCall {
  return {
    id: call.id,
    name: call.function.name,
    args: argsOf(call.function.arguments),
    type: "tool_call",
  };
}

function argsOf(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Models sometimes emit arguments that are not JSON; the graph still sees what was sent.
  }
  return { input: text };
}

/**
 * The messages of a thread that already holds the conversation: only those after the request's
 * last assistant message are new (OpenAI clients resend the whole history every turn, and
 * resending it would duplicate it in the thread's state).
 */
export function newTurn(
  messages: readonly ChatMessageParam[],
  threadHasHistory: boolean,
): ChatMessageParam[] {
  if (!threadHasHistory) return [...messages];
  const last = messages.findLastIndex((message) => message.role === "assistant");
  return messages.slice(last + 1);
}

/** The `messages` list of a state value, or [] when it has none. Pure. */
export function messagesOf(values: unknown): Message[] {
  const list = (values as { messages?: unknown } | null | undefined)?.messages;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (m): m is Message => typeof m === "object" && m !== null && typeof m.type === "string",
  );
}

/**
 * The messages a run added: those after the last input message, or (when the graph rewrote
 * its input) every message that is not an input message. Pure.
 */
export function runOutput(values: unknown, inputIds: readonly string[]): Message[] {
  const all = messagesOf(values);
  const last = inputIds.at(-1);
  const at = last === undefined ? -1 : all.findIndex((m) => m.id === last);
  if (at >= 0) return all.slice(at + 1);
  const known = new Set(inputIds);
  return all.filter((m) => !known.has(m.id));
}

/** The reply: the last assistant message of a run's output, if any. Pure. */
export function replyOf(output: readonly Message[]): Message | undefined {
  return output.findLast((m) => m.type === "ai");
}

/** A stored AI message as OpenAI's assistant message. Pure. */
export function toOpenAiMessage(reply: Message | undefined): AssistantMessage {
  const calls = toolCallsOf(reply);
  const text = textOf(reply?.content);
  if (calls.length === 0) return { role: "assistant", content: text, refusal: null };
  return {
    role: "assistant",
    content: text === "" ? null : text,
    refusal: null,
    tool_calls: calls,
  };
}

/** The reply's tool calls in OpenAI's shape (a graph that stops at a tool call hands it over). */
export function toolCallsOf(
  reply: Message | undefined,
): NonNullable<AssistantMessage["tool_calls"]> {
  return (reply?.tool_calls ?? []).map((call, i) => ({
    id: call.id ?? `call_${i}`,
    type: "function" as const,
    function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
  }));
}

export function finishReasonOf(reply: Message | undefined): FinishReason {
  return (reply?.tool_calls?.length ?? 0) > 0 ? "tool_calls" : "stop";
}
