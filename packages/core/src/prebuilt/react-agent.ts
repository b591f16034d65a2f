/**
 * LangGraph's `createReactAgent` (`@langchain/langgraph/prebuilt`): a graph where a LangChain
 * chat model calls tools until it answers. Its nodes, edges and state are LangGraph's, so a
 * graph built with it checkpoints, resumes, streams and interrupts the same way; the tools run
 * in this module's ToolNode, which reads Conclave's plain messages.
 */
import { END, START } from "../constants.ts";
import { Annotation, type AnnotationRoot, type StateDefinition } from "../graph/annotation.ts";
import type { CompiledStateGraph, CompileOptions } from "../graph/compiled-state-graph.ts";
import type { ToolCall } from "../graph/messages.ts";
import { messagesStateReducer } from "../graph/messages.ts";
import { readSchema } from "../graph/schema.ts";
import { StateGraph, type StateOf, type UpdateOf } from "../graph/state-graph.ts";
import { Send } from "../pregel/command.ts";
import {
  type AgentPrompt,
  baseChatModel,
  bindTools,
  type ChatModelLike,
  isClientTool,
  messageModifierPrompt,
  promptedModel,
  promptOf,
  type StructuredModel,
  shouldBindTools,
  systemMessage,
} from "./agent-model.ts";
import { messageTypeOf, type ToolLike, ToolNode } from "./tool-node.ts";

type State = Record<string, unknown>;
type NodeAction = (state: State, config: Record<string, unknown>) => unknown;
/** A hook node: a function of the state (and config), or a runnable such as a subgraph. */
type AgentHook<S> =
  | ((state: S, config: Record<string, unknown>) => unknown)
  | { invoke(state: S, config?: unknown): unknown };

/** LangGraph's `createReactAgent` parameters (`includeAgentName` is not supported). */
export interface CreateReactAgentParams<D = DefaultAgentState> {
  /** A chat model, or a function of the state and config returning one (with tools bound). */
  llm:
    | ChatModelLike
    | ((state: StateOf<D>, config: unknown) => ChatModelLike | Promise<ChatModelLike>);
  /** Tools (LangChain tools, or provider tool specs that are only bound), or a ToolNode. */
  tools: unknown[] | ToolNode;
  prompt?: AgentPrompt<StateOf<D>>;
  /** @deprecated LangGraph's older name of `prompt`. */
  stateModifier?: AgentPrompt<StateOf<D>>;
  /** @deprecated A prompt that gets only the messages. */
  messageModifier?: unknown;
  /** The state; it must have `messages`. Default: messages and `structuredResponse`. */
  stateSchema?: D;
  checkpointer?: CompileOptions["checkpointer"];
  /** @deprecated LangGraph's older name of `checkpointer`. */
  checkpointSaver?: CompileOptions["checkpointer"];
  interruptBefore?: ("agent" | "tools" | (string & {}))[];
  interruptAfter?: ("agent" | "tools" | (string & {}))[];
  store?: unknown;
  /** A schema (or `{ schema, prompt, ...options }`): a last model call fills `structuredResponse`. */
  responseFormat?: unknown;
  /** A node run before each model call; its `llmInputMessages` replace the messages sent. */
  preModelHook?: AgentHook<StateOf<D>>;
  /** A node run after each model call, before routing. */
  postModelHook?: AgentHook<StateOf<D>>;
  name?: string;
  description?: string;
  /** "v1": one tools step runs every call; "v2": one `Send` per tool call. */
  version?: "v1" | "v2";
  includeAgentName?: "inline";
}

/** LangGraph's default agent state: the messages, and the structured response. */
export const createReactAgentAnnotation = () =>
  Annotation.Root({
    messages: Annotation({ reducer: messagesStateReducer, default: () => [] }),
    structuredResponse: Annotation<unknown>(),
  });

type DefaultAgentState = ReturnType<typeof createReactAgentAnnotation>;

/** The nodes an agent graph can have. */
type AgentNode =
  | "agent"
  | "tools"
  | "pre_model_hook"
  | "post_model_hook"
  | "generate_structured_response";

/** The pre-model hook's channel: a fresh list each time (not appended). */
const preHookSpec = () => ({
  llmInputMessages: Annotation({
    reducer: (_: unknown, update: unknown) => messagesStateReducer([], update as never),
    default: () => [],
  }),
});

type Message = Record<string, unknown> & { tool_calls?: ToolCall[]; tool_call_id?: string };

/**
 * Creates the agent graph, compiled: `agent` calls the model, `tools` runs its tool calls, and
 * the run ends when the model answers without any (then `generate_structured_response` when a
 * `responseFormat` is set), or after a `returnDirect` tool.
 * @throws Error for a state without `messages`, several prompts, or `includeAgentName`.
 */
export function createReactAgent<D = DefaultAgentState>(
  params: CreateReactAgentParams<D>,
): CompiledStateGraph<StateOf<D>, UpdateOf<D>, AgentNode> {
  const { tools, responseFormat, preModelHook, postModelHook, version = "v1" } = params;
  if (params.includeAgentName !== undefined)
    throw new Error(
      `createReactAgent's includeAgentName is not supported by Conclave (got ${JSON.stringify(params.includeAgentName)}). Leave it out; the agent's name is still set on its messages.`,
    );
  const toolList = Array.isArray(tools) ? tools : tools.tools;
  const toolNode = Array.isArray(tools)
    ? new ToolNode(tools.filter(isClientTool) as ToolLike[])
    : tools;
  const schema = params.stateSchema ?? createReactAgentAnnotation();
  const stateKeys = readSchema(schema, "state").keys;
  if (!stateKeys.includes("messages"))
    throw new Error("Missing required `messages` key in state schema.");
  const callModel = modelNode(params as CreateReactAgentParams<unknown>, toolList);
  const entry = preModelHook != null ? "pre_model_hook" : "agent";
  const graph = new StateGraph(schema as unknown as AnnotationRoot<StateDefinition>).addNode(
    "tools",
    toolNode,
  );
  if (preModelHook != null) {
    const input = Annotation.Root({
      ...Object.fromEntries(stateKeys.map((key) => [key, Annotation()])),
      ...preHookSpec(),
    }) as unknown as AnnotationRoot<StateDefinition>;
    graph.addNode("pre_model_hook", preModelHook as never).addEdge("pre_model_hook", "agent");
    graph.addNode("agent", callModel as never, { input });
  } else graph.addNode("agent", callModel as never);
  graph.addEdge(START, entry);
  const structured = responseFormat != null;
  if (structured)
    graph
      .addNode(
        "generate_structured_response",
        structuredNode(params as CreateReactAgentParams<unknown>) as never,
      )
      .addEdge("generate_structured_response", END);
  const ends = (extra: string[]) => [
    "tools",
    ...extra,
    structured ? "generate_structured_response" : END,
  ];
  const afterModel = (state: State) => {
    const messages = state.messages as Message[];
    const last = messages.at(-1);
    const calls =
      postModelHook != null ? pendingCalls(messages) : (lastAiCalls(last) ?? ([] as ToolCall[]));
    if (calls.length > 0)
      return version === "v2"
        ? calls.map((c) => new Send("tools", { ...state, lg_tool_call: c }))
        : "tools";
    if (postModelHook != null && messageTypeOf(last) === "tool") return entry;
    return structured ? "generate_structured_response" : END;
  };
  if (postModelHook != null) {
    graph.addNode("post_model_hook", postModelHook as never).addEdge("agent", "post_model_hook");
    graph.addConditionalEdges("post_model_hook", afterModel, ends([entry]));
  } else graph.addConditionalEdges("agent", afterModel, ends([]));
  const direct = returnDirectNames(toolList);
  if (direct.size > 0) graph.addConditionalEdges("tools", afterTools(direct, entry), [entry, END]);
  else graph.addEdge("tools", entry);
  const compiled = graph.compile({
    checkpointer: params.checkpointer ?? params.checkpointSaver,
    interruptBefore: params.interruptBefore,
    interruptAfter: params.interruptAfter,
    store: params.store,
    name: params.name,
    description: params.description,
  });
  return compiled as unknown as CompiledStateGraph<StateOf<D>, UpdateOf<D>, AgentNode>;
}

/** The `agent` node: the prompt, then one model call whose message is named after the agent. */
function modelNode(params: CreateReactAgentParams<unknown>, tools: unknown[]): NodeAction {
  const { llm, name } = params;
  const prompt = promptOf(chosenPrompt(params));
  let cached: ReturnType<typeof promptedModel> | undefined;
  const staticModel = (model: ChatModelLike) => {
    cached ??= promptedModel(
      prompt,
      shouldBindTools(model, tools) ? bindTools(model, tools) : model,
    );
    return cached;
  };
  return async (state, config) => {
    const chain =
      typeof llm === "function"
        ? await promptedModel(prompt, await llm(state as never, config))
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

/** The one prompt of `prompt`, `stateModifier` and `messageModifier`. */
function chosenPrompt(params: CreateReactAgentParams<unknown>): AgentPrompt<never> | undefined {
  const { prompt, stateModifier, messageModifier } = params;
  if ([prompt, stateModifier, messageModifier].filter((p) => p != null).length > 1)
    throw new Error(
      "Expected only one of prompt, stateModifier, or messageModifier, got multiple values",
    );
  if (stateModifier != null) return stateModifier;
  if (messageModifier != null) return messageModifierPrompt(messageModifier);
  return prompt;
}

/** The state the model sees: the pre-model hook's `llmInputMessages` when it set some. */
function modelInput(state: State): State {
  const { messages, llmInputMessages, ...rest } = state;
  const replaced = Array.isArray(llmInputMessages) && llmInputMessages.length > 0;
  return { messages: replaced ? llmInputMessages : messages, ...rest };
}

/** The `generate_structured_response` node: the conversation, answered in `responseFormat`. */
function structuredNode(params: CreateReactAgentParams<unknown>): NodeAction {
  const { llm, responseFormat } = params;
  return async (state, config) => {
    const messages = [...(state.messages as unknown[])];
    const model = baseChatModel(
      typeof llm === "function" ? await llm(state as never, config) : llm,
    );
    if (typeof model.withStructuredOutput !== "function")
      throw new Error(
        `Expected \`llm\` to be a ChatModel with .withStructuredOutput() method, got ${model.constructor?.name}`,
      );
    let structured: StructuredModel;
    if (
      typeof responseFormat === "object" &&
      responseFormat !== null &&
      "schema" in responseFormat
    ) {
      const { prompt, schema, ...options } = responseFormat as Record<string, unknown>;
      structured = model.withStructuredOutput(schema, options) as StructuredModel;
      if (prompt != null) messages.unshift(await systemMessage(String(prompt)));
    } else structured = model.withStructuredOutput(responseFormat) as StructuredModel;
    const response = await structured.invoke(messages, config);
    if (response == null)
      throw new Error(
        "Failed to parse structured response against the provided `responseFormat` schema: the structured-output parser returned null/undefined, which usually means the model output did not satisfy the schema.",
      );
    return { structuredResponse: response };
  };
}

function lastAiCalls(last: Message | undefined): ToolCall[] | undefined {
  return messageTypeOf(last) === "ai" ? last?.tool_calls : undefined;
}

/** The last AI message's calls that no tool message answers yet. */
function pendingCalls(messages: Message[]): ToolCall[] {
  const answered = new Set(
    messages.filter((m) => messageTypeOf(m) === "tool").map((m) => m.tool_call_id),
  );
  const ai = messages.findLast((m) => messageTypeOf(m) === "ai");
  return (ai?.tool_calls ?? []).filter((c) => c.id == null || !answered.has(c.id));
}

function returnDirectNames(tools: unknown[]): Set<string> {
  const direct = tools.filter(
    (t) => isClientTool(t) && (t as { returnDirect?: boolean }).returnDirect === true,
  );
  return new Set(direct.map((t) => (t as { name: string }).name));
}

/** After tools: end when one of the latest tool messages came from a `returnDirect` tool. */
function afterTools(direct: Set<string>, entry: string) {
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
