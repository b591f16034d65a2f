/**
 * `@conclave/core/prebuilt`: LangGraph's `@langchain/langgraph/prebuilt` names that run LangChain
 * tools in a graph. Conclave's own agents (model gateway, approvals, MCP) are in
 * `@conclave/agents`.
 */
export {
  type ToolLike,
  ToolNode,
  type ToolNodeOptions,
  toolsCondition,
} from "./tool-node.ts";
