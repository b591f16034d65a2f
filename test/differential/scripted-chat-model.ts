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

/** A provider-like model: `bindTools` returns a binding with the tools and call options, as
 * `ChatOpenAI` does, and the model records the `tool_choice` it was called with. */
export class ProviderChatModel extends ScriptedChatModel {
  readonly toolChoices: unknown[] = [];

  override bindTools(tools: { name: string }[], params?: Record<string, unknown>): never {
    this.log.bound.push(tools.map((t) => t.name));
    const specs = tools.map((t) => ({ type: "function", function: { name: t.name } }));
    return this.withConfig({ tools: specs, ...params } as never) as never;
  }

  override async _generate(messages: BaseMessage[], options?: { tool_choice?: unknown }) {
    this.toolChoices.push(options?.tool_choice ?? null);
    return super._generate(messages);
  }
}

/**
 * A stand-in for `initChatModel`'s configurable model (langchain's `universal.ts`): method
 * calls are queued and applied to the real model that `_model()` builds.
 */
export class ConfigurableChatModel extends BaseChatModel {
  readonly _queuedMethodOperations: Record<string, unknown[]>;
  readonly #inner: () => BaseChatModel;

  constructor(inner: () => BaseChatModel, queued: Record<string, unknown[]> = {}) {
    super({});
    this.#inner = inner;
    this._queuedMethodOperations = queued;
  }

  _llmType(): string {
    return "configurable";
  }

  async _model(): Promise<unknown> {
    let model: Record<string, unknown> = this.#inner() as never;
    for (const [method, args] of Object.entries(this._queuedMethodOperations))
      model = await (model[method] as (...a: unknown[]) => never)(...args);
    return model;
  }

  async _generate(): Promise<ChatResult> {
    throw new Error("a configurable model runs through _model()");
  }

  override bindTools(tools: unknown[], params?: unknown): never {
    const queued = { ...this._queuedMethodOperations, bindTools: [tools, params] };
    return new ConfigurableChatModel(this.#inner, queued) as never;
  }

  override async invoke(input: never, options?: never): Promise<never> {
    return ((await this._model()) as { invoke(i: unknown, o: unknown): never }).invoke(
      input,
      options,
    );
  }
}
