import type { LanguageModelV4GenerateResult } from "@ai-sdk/provider";
import type { Message, ToolCall } from "@conclave/core";
import type { ModelMessage } from "ai";

/**
 * Converts between Conclave's stored messages (LangChain's serialised shape: human, ai, system,
 * tool) and AI SDK 7 model messages. Pure.
 */
export function toModelMessages(messages: readonly Message[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  const toolNames = new Map<string, string>();
  for (const message of messages) {
    const text = textOf(message.content);
    switch (message.type) {
      case "system":
        out.push({ role: "system", content: text });
        break;
      case "human":
        out.push({ role: "user", content: text });
        break;
      case "ai": {
        const calls = message.tool_calls ?? [];
        for (const call of calls) toolNames.set(call.id ?? "", call.name);
        const parts = [
          ...(text ? [{ type: "text" as const, text }] : []),
          ...calls.map((c) => ({
            type: "tool-call" as const,
            toolCallId: c.id ?? "",
            toolName: c.name,
            input: c.args,
          })),
        ];
        out.push({ role: "assistant", content: parts.length > 0 ? parts : "" });
        break;
      }
      case "tool": {
        const id = message.tool_call_id ?? "";
        out.push({
          role: "tool",
          content: [
            {
              type: "tool-result",
              toolCallId: id,
              toolName: toolNames.get(id) ?? message.name ?? "tool",
              output: { type: "text", value: text },
            },
          ],
        });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function textOf(content: Message["content"]): string {
  if (typeof content === "string") return content;
  return content.map((part) => (typeof part.text === "string" ? part.text : "")).join("");
}

/** The AI message a generate result stands for (text plus tool calls). Pure. */
export function aiMessageFrom(
  result: Pick<LanguageModelV4GenerateResult, "content">,
  id: string,
): Message {
  const text = result.content.flatMap((c) => (c.type === "text" ? [c.text] : [])).join("");
  const toolCalls: ToolCall[] = result.content.flatMap((c) =>
    c.type === "tool-call"
      ? [
          {
            id: c.toolCallId,
            name: c.toolName,
            args: parseArgs(c.input),
            type: "tool_call" as const,
          },
        ]
      : [],
  );
  return { type: "ai", content: text, id, tool_calls: toolCalls };
}

function parseArgs(input: unknown): Record<string, unknown> {
  if (typeof input !== "string") return (input ?? {}) as Record<string, unknown>;
  try {
    return JSON.parse(input) as Record<string, unknown>;
  } catch {
    return { input };
  }
}

/** The text of the newest human message (the request a pattern answers). Pure. */
export function lastHumanText(messages: readonly Message[]): string {
  const human = [...messages].reverse().find((m) => m.type === "human");
  const content = human?.content ?? "";
  return typeof content === "string" ? content : JSON.stringify(content);
}
