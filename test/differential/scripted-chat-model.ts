/**
 * A LangChain chat model that answers from a script and writes down what it was asked, for
 * the createReactAgent scenarios: both engines run the same model class, so any difference in
 * what they send it or do with its answers shows in the results.
 */
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, coerceMessageLikeToMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { RunnableLambda } from "@langchain/core/runnables";

/** One scripted answer: text, and tool calls to ask for. */
export interface ScriptedTurn {
  text?: string;
  calls?: { id: string; name: string; args: Record<string, unknown> }[];
}

/** What the model saw and did, shared by its tool-bound copies. */
export interface ScriptLog {
  turns: ScriptedTurn[];
  next: number;
  /** Per call: the type and text of each message it received. */
  seen: string[][];
  /** The tool names of each `bindTools` call. */
  bound: string[][];
  structured: unknown[];
}

export function newScript(turns: ScriptedTurn[]): ScriptLog {
  return { turns, next: 0, seen: [], bound: [], structured: [] };
}

export class ScriptedChatModel extends BaseChatModel {
  readonly log: ScriptLog;

  constructor(log: ScriptLog) {
    super({});
    this.log = log;
  }

  _llmType(): string {
    return "scripted";
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.log.seen.push(messages.map((m) => `${m._getType()}:${String(m.content)}`));
    const at = this.log.next++;
    const turn = this.log.turns[Math.min(at, this.log.turns.length - 1)] ?? { text: "done" };
    const message = new AIMessage({
      id: `ai-${at}`,
      content: turn.text ?? "",
      tool_calls: (turn.calls ?? []).map((c) => ({ ...c, type: "tool_call" as const })),
    });
    return { generations: [{ text: turn.text ?? "", message }] };
  }

  override bindTools(tools: { name: string }[]): ScriptedChatModel {
    this.log.bound.push(tools.map((t) => t.name));
    return new ScriptedChatModel(this.log);
  }

  override withStructuredOutput(schema: unknown) {
    // Coerced as a provider's structured-output runnable does: the state may hold plain messages.
    return RunnableLambda.from(async (messages: unknown[]) => {
      const coerced = messages.map((m) => coerceMessageLikeToMessage(m as never));
      this.log.structured.push(coerced.map((m) => `${m._getType()}:${String(m.content)}`));
      return {
        answer: "structured",
        schemaKeys: Object.keys((schema as { shape?: object }).shape ?? {}),
      };
    }) as never;
  }
}
