/**
 * @conclave/agents: prebuilt agent graphs (tool-calling agent, supervisor, council, triage) and
 * tools (approval, safe built-ins, MCP) built on the engine and the model gateway.
 */
export { MaxStepsError, ToolErrorLimitError } from "./agent/agent-errors.ts";
export {
  AgentState,
  type AgentTool,
  type CreateAgentOptions,
  createAgent,
  type ToolRunner,
} from "./agent/create-agent.ts";
export { aiMessageFrom, toModelMessages } from "./messages/model-messages.ts";
