/**
 * LangGraph's `createReactAgent` (`@langchain/langgraph/prebuilt`): a graph where a LangChain
 * chat model calls tools until it answers. Its nodes, edges and state are LangGraph's, so a
 * graph built with it checkpoints, resumes, streams and interrupts the same way; the tools run
 * in this module's ToolNode, which reads Conclave's plain messages.
 */
import { END, START } from "../constants.ts";
import { Annotation, type AnnotationRoot, type StateDefinition } from "../graph/annotation.ts";
import type { CompiledStateGraph, CompileOptions } from "../graph/compiled-state-graph.ts";
import { messagesStateReducer } from "../graph/messages.ts";
import { readSchema } from "../graph/schema.ts";
import { StateGraph, type StateOf, type UpdateOf } from "../graph/state-graph.ts";
import type { NodeConfig } from "../pregel/types.ts";
import { type ChatModelLike, isClientTool } from "./agent-model.ts";
import {
  type AgentModelParams,
  modelNode,
  returnDirectNames,
  routeAfterModel,
  routeAfterTools,
  structuredNode,
} from "./agent-nodes.ts";
import type { AgentPrompt } from "./agent-prompt.ts";
import { type ToolLike, ToolNode } from "./tool-node.ts";

/** A hook node: a function of the state (and config), or a runnable such as a subgraph. */
type AgentHook<S> =
  | ((state: S, config: NodeConfig) => unknown)
  | { invoke(state: S, config?: NodeConfig): unknown };

/** LangGraph's `createReactAgent` parameters (`includeAgentName` is not supported). */
export interface CreateReactAgentParams<D = DefaultAgentState> {
  /** A chat model, or a function of the state and config returning one (with tools bound). */
  llm:
    | ChatModelLike
    | ((state: StateOf<D>, config: NodeConfig) => ChatModelLike | Promise<ChatModelLike>);
  /** Tools (LangChain tools, or provider tool specs that are only bound), or a ToolNode. */
  tools: unknown[] | ToolNode;
  prompt?: AgentPrompt<StateOf<D>>;
  /** @deprecated LangGraph's older name of `prompt`. */
  stateModifier?: AgentPrompt<StateOf<D>>;
  /** @deprecated A prompt that gets only the messages. */
  messageModifier?: unknown;
  /** The state; it must have `messages`. Default: messages and `structuredResponse`. */
  stateSchema?: D;
  /** Accepted for LangGraph code; the run's `context` reaches nodes as `config.context`. */
  contextSchema?: unknown;
  checkpointer?: CompileOptions["checkpointer"];
  /** @deprecated LangGraph's older name of `checkpointer`. */
  checkpointSaver?: CompileOptions["checkpointer"];
  interruptBefore?: AgentNodeName[] | "*";
  interruptAfter?: AgentNodeName[] | "*";
  store?: unknown;
  /** A schema (or `{ schema, prompt, ...options }`): a last model call fills `structuredResponse`. */
  responseFormat?: unknown;
  /** A node run before each model call; its `llmInputMessages` replace the messages sent. */
  preModelHook?: AgentHook<StateOf<D> & { llmInputMessages?: unknown[] }>;
  /** A node run after each model call, before routing. */
  postModelHook?: AgentHook<StateOf<D>>;
  name?: string;
  description?: string;
  /** "v1": one tools step runs every call; "v2": one `Send` per tool call. */
  version?: "v1" | "v2";
  includeAgentName?: "inline";
}

/** LangGraph's default agent state: the messages, and the structured response. */
// biome-ignore lint/suspicious/noExplicitAny: LangGraph's default, so `out.structuredResponse.x` compiles.
export const createReactAgentAnnotation = <T extends Record<string, any> = Record<string, any>>() =>
  Annotation.Root({
    messages: Annotation({ reducer: messagesStateReducer, default: () => [] }),
    structuredResponse: Annotation<T>(),
  });

type DefaultAgentState = ReturnType<typeof createReactAgentAnnotation>;

/** The nodes an agent graph can have. */
type AgentNode =
  | "agent"
  | "tools"
  | "pre_model_hook"
  | "post_model_hook"
  | "generate_structured_response";
type AgentNodeName = AgentNode | (string & {});

/** The pre-model hook's channel: a fresh list each time (not appended). */
const preHookSpec = () => ({
  llmInputMessages: Annotation({
    reducer: (_: unknown, update: unknown) => messagesStateReducer([], update as never),
    default: () => [],
  }),
});

/**
 * Creates the agent graph, compiled: `agent` calls the model, `tools` runs its tool calls, and
 * the run ends when the model answers without any (then `generate_structured_response` when a
 * `responseFormat` is set), or after a `returnDirect` tool. As in LangGraph, the prompt is
 * checked and the tools are bound at the first model call.
 * @throws Error for a state without `messages`, or `includeAgentName`.
 */
export function createReactAgent<D = DefaultAgentState>(
  params: CreateReactAgentParams<D>,
): CompiledStateGraph<StateOf<D>, UpdateOf<D>, AgentNode> {
  if (params.includeAgentName !== undefined)
    throw new Error(
      `createReactAgent's includeAgentName is not supported by Conclave (got ${JSON.stringify(params.includeAgentName)}). Leave it out; the agent's name is still set on its messages.`,
    );
  const { tools } = params;
  const toolList = Array.isArray(tools) ? tools : tools.tools;
  const toolNode = Array.isArray(tools)
    ? new ToolNode(tools.filter(isClientTool) as ToolLike[])
    : tools;
  const schema = params.stateSchema ?? createReactAgentAnnotation();
  const stateKeys = readSchema(schema, "state").keys;
  if (!stateKeys.includes("messages"))
    throw new Error("Missing required `messages` key in state schema.");
  const graph = new StateGraph(schema as unknown as AnnotationRoot<StateDefinition>);
  graph.addNode("tools", toolNode);
  const entry = addModelNodes(graph, params as AgentParams, toolList, stateKeys);
  addRoutes(graph, params as AgentParams, toolList, entry);
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

type AgentParams = AgentModelParams & {
  preModelHook?: unknown;
  postModelHook?: unknown;
  version?: "v1" | "v2";
};
type Builder = StateGraph<AnnotationRoot<StateDefinition>>;

/**
 * Adds `agent`, the optional pre-model hook (whose node input adds `llmInputMessages`) and the
 * structured-response node. Returns the node each model turn starts at.
 */
function addModelNodes(graph: Builder, params: AgentParams, tools: unknown[], keys: string[]) {
  const callModel = modelNode(params, tools) as never;
  const entry = params.preModelHook != null ? "pre_model_hook" : "agent";
  if (params.preModelHook != null) {
    const input = Annotation.Root({
      ...Object.fromEntries(keys.map((key) => [key, Annotation()])),
      ...preHookSpec(),
    }) as unknown as AnnotationRoot<StateDefinition>;
    graph
      .addNode("pre_model_hook", params.preModelHook as never)
      .addEdge("pre_model_hook", "agent");
    graph.addNode("agent", callModel, { input });
  } else graph.addNode("agent", callModel);
  graph.addEdge(START, entry);
  if (params.responseFormat != null)
    graph
      .addNode("generate_structured_response", structuredNode(params) as never)
      .addEdge("generate_structured_response", END);
  return entry;
}

/** The edges after the model (or the post-model hook) and after the tools. */
function addRoutes(graph: Builder, params: AgentParams, tools: unknown[], entry: string) {
  const structured = params.responseFormat != null;
  const hooked = params.postModelHook != null;
  const route = routeAfterModel({ version: params.version ?? "v1", hooked, structured, entry });
  const ends = [
    "tools",
    ...(hooked ? [entry] : []),
    structured ? "generate_structured_response" : END,
  ];
  if (hooked) {
    graph
      .addNode("post_model_hook", params.postModelHook as never)
      .addEdge("agent", "post_model_hook");
    graph.addConditionalEdges("post_model_hook", route, ends);
  } else graph.addConditionalEdges("agent", route, ends);
  const direct = returnDirectNames(tools);
  if (direct.size > 0)
    graph.addConditionalEdges("tools", routeAfterTools(direct, entry), [entry, END]);
  else graph.addEdge("tools", entry);
}
