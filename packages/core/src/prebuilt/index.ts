/**
 * `@conclave/core/prebuilt`: LangGraph's `@langchain/langgraph/prebuilt` names that run LangChain
 * tools in a graph, and the tool-calling agent built on them. Conclave's own agents (model gateway, approvals, MCP) are in
 * `@conclave/agents`.
 */
export type { ChatModelLike } from "./agent-model.ts";
export type { AgentPrompt } from "./agent-prompt.ts";
export {
  type CreateReactAgentParams,
  createReactAgent,
  createReactAgentAnnotation,
} from "./react-agent.ts";
export {
  type ToolLike,
  ToolNode,
  type ToolNodeOptions,
  toolsCondition,
} from "./tool-node.ts";
