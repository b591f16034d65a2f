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
export { askForObject, askForText, type ModelRef, resolveModel } from "./agent/model-ref.ts";
export { aiMessageFrom, toModelMessages } from "./messages/model-messages.ts";
export {
  type CouncilDecision,
  type CouncilMember,
  CouncilState,
  type CreateCouncilOptions,
  createCouncil,
  type Review,
} from "./patterns/council.ts";
export { agreementOf, tally } from "./patterns/council-decision.ts";
export {
  type CreateSupervisorOptions,
  createSupervisor,
  FINISH,
  type Handoff,
  MaxHandoffsError,
  type SupervisedAgent,
  SupervisorState,
} from "./patterns/supervisor.ts";
export {
  type CreateTriageOptions,
  createTriage,
  type TriageDecision,
  type TriageRoute,
  TriageState,
} from "./patterns/triage.ts";
export * from "./tools/index.ts";
export { contentText, toAiSdkTools, toModelOutput } from "./tools/mcp/ai-sdk-tools.ts";
export type { McpServerStatus } from "./tools/mcp/mcp-connection.ts";
export {
  McpClosedError,
  McpRequestError,
  McpServerError,
  type McpServerExit,
  McpTimeoutError,
  McpToolNameCollisionError,
} from "./tools/mcp/mcp-errors.ts";
export type {
  McpHttpServerConfig,
  McpReconnectPolicy,
  McpServerConfig,
  McpStdioServerConfig,
  McpToolsOptions,
} from "./tools/mcp/mcp-options.ts";
export {
  MAX_TOOL_NAME_LENGTH,
  MCP_TOOL_SEPARATOR,
  mcpToolName,
} from "./tools/mcp/mcp-tool-name.ts";
export {
  type JsonSchemaObject,
  type McpTool,
  type McpToolResult,
  type McpToolSet,
  mcpTools,
} from "./tools/mcp/mcp-tools.ts";
