/**
 * The nodes and routes of `createReactAgent`'s graph, as LangGraph's: the `agent` node (the
 * prompt piped into the model), `generate_structured_response`, and the conditional edges after
 * the model and after the tools.
 */
import { END } from "../constants.ts";
import type { ToolCall } from "../graph/messages.ts";
import { Send } from "../pregel/command.ts";
import type { NodeConfig } from "../pregel/types.ts";
import {
  baseChatModel,
  bindTools,
  type ChatModelLike,
  isClientTool,
  type Runnable,
  shouldBindTools,
} from "./agent-model.ts";
import { checkPrompt, type PromptChoice, promptedModel, systemMessage } from "./agent-prompt.ts";
import { messageTypeOf, pendingToolCalls } from "./tool-node.ts";

type State = Record<string, unknown>;
export type NodeAction = (state: State, config: NodeConfig) => unknown;
type Message = Record<string, unknown> & { tool_calls?: ToolCall[]; tool_call_id?: string };

/** What the agent's nodes need of its parameters. */
export interface AgentModelParams {
  llm:
    | ChatModelLike
    | ((state: never, config: NodeConfig) => ChatModelLike | Promise<ChatModelLike>);
  prompt?: unknown;
  stateModifier?: unknown;
  messageModifier?: unknown;
  responseFormat?: unknown;
  name?: string;
}

/** The one prompt of `prompt`, `stateModifier` and `messageModifier`, checked. */
function chosenPrompt(params: AgentModelParams): PromptChoice {
  const { prompt, stateModifier, messageModifier } = params;
  if ([prompt, stateModifier, messageModifier].filter((p) => p != null).length > 1)
    throw new Error(
      "Expected only one of prompt, stateModifier, or messageModifier, got multiple values",
    );
  const choice: PromptChoice =
    messageModifier != null
      ? { kind: "messageModifier", value: messageModifier }
      : { kind: "prompt", value: (stateModifier ?? prompt) as never };
  checkPrompt(choice);
  return choice;
}

/**
 * The `agent` node: the prompt, then one model call whose message is named after the agent.
 * Like LangGraph it checks the prompt and binds the tools at its first call, then keeps the
 * piped model (a model chosen per call by a function is piped each time, unbound).
 */
export function modelNode(params: AgentModelParams, tools: unknown[]): NodeAction {
  const { llm, name } = params;
  let cached: Promise<Runnable> | undefined;
  const staticModel = (model: ChatModelLike) => {
    cached ??= (async () => {
      const bound = (await shouldBindTools(model, tools)) ? await bindTools(model, tools) : model;
      return promptedModel(chosenPrompt(params), bound);
    })();
    return cached;
  };
  return async (state, config) => {
    const chain =
      typeof llm === "function"
        ? await promptedModel(chosenPrompt(params), await llm(state as never, config))
        : await staticModel(llm);
    const response = (await chain.invoke(modelInput(state), config)) as {
      name?: string;
      lc_kwargs?: Record<string, unknown>;
    };
    response.name = name;
    if (response.lc_kwargs) response.lc_kwargs.name = name;
    return { messages: [response] };
  };
}

/** The state the model sees: the pre-model hook's `llmInputMessages` when it set some. */
function modelInput(state: State): State {
  const { messages, llmInputMessages, ...rest } = state;
  const replaced = Array.isArray(llmInputMessages) && llmInputMessages.length > 0;
  return { messages: replaced ? llmInputMessages : messages, ...rest };
}

/** The `generate_structured_response` node: the conversation, answered in `responseFormat`. */
export function structuredNode(params: AgentModelParams): NodeAction {
  const { llm, responseFormat } = params;
  return async (state, config) => {
    const messages = [...(state.messages as unknown[])];
    const model =
      typeof llm === "function" ? await llm(state as never, config) : await baseChatModel(llm);
    if (!("_modelType" in model) || typeof model.withStructuredOutput !== "function")
      throw new Error(
        `Expected \`llm\` to be a ChatModel with .withStructuredOutput() method, got ${model.constructor?.name}`,
      );
    let structured: Runnable;
    if (
      typeof responseFormat === "object" &&
      responseFormat !== null &&
      "schema" in responseFormat
    ) {
      const { prompt, schema, ...options } = responseFormat as Record<string, unknown>;
      structured = model.withStructuredOutput(schema, options) as Runnable;
      if (prompt != null) messages.unshift(await systemMessage(String(prompt)));
    } else structured = model.withStructuredOutput(responseFormat) as Runnable;
    const response = await structured.invoke(messages, config);
    if (response == null)
      throw new Error(
        "Failed to parse structured response against the provided `responseFormat` schema: the structured-output parser returned null/undefined, which usually means the model output did not satisfy the schema.",
      );
    return { structuredResponse: response };
  };
}

/** How the graph goes on after the model (or the post-model hook). */
export interface AfterModel {
  version: "v1" | "v2";
  /** With a post-model hook: calls still unanswered count, and tool messages loop back. */
  hooked: boolean;
  structured: boolean;
  entry: string;
}

/** The route after the model: tools (one Send per call in v2), back to the entry, or the end. */
export function routeAfterModel({ version, hooked, structured, entry }: AfterModel) {
  return (state: State) => {
    const messages = state.messages as Message[];
    const last = messages.at(-1);
    const calls = (hooked ? pendingToolCalls(messages) : lastAiCalls(last)) ?? [];
    if (calls.length > 0) {
      if (version !== "v2") return "tools";
      return calls.map((call) => new Send("tools", { ...state, lg_tool_call: call }));
    }
    if (hooked && messageTypeOf(last) === "tool") return entry;
    return structured ? "generate_structured_response" : END;
  };
}

function lastAiCalls(last: Message | undefined): ToolCall[] | undefined {
  return messageTypeOf(last) === "ai" ? last?.tool_calls : undefined;
}

/** The names of the tools whose result ends the run (`returnDirect`). */
export function returnDirectNames(tools: unknown[]): Set<string> {
  const direct = tools.filter(
    (t) => isClientTool(t) && (t as { returnDirect?: boolean }).returnDirect === true,
  );
  return new Set(direct.map((t) => (t as { name: string }).name));
}

/** After tools: end when one of the latest tool messages came from a `returnDirect` tool. */
export function routeAfterTools(direct: Set<string>, entry: string) {
  return (state: State) => {
    const messages = state.messages as Message[];
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i]!;
      if (messageTypeOf(message) !== "tool") break;
      if (typeof message.name === "string" && direct.has(message.name)) return END;
    }
    return entry;
  };
}
