/**
 * Tools: definitions with zod schemas (`tool`), their AI SDK form, the in-node executor with
 * human approval and journaling (`runTools`), and safe opt-in built-ins (shell, files, HTTP).
 */
export { type AddressAllowlist, blockedReason, compileAllowlist } from "./address-policy.ts";
export { type AiToolOptions, toAiTool, toAiTools } from "./ai-tool.ts";
export {
  type ApprovalBatchDecision,
  type ApprovalBatchRequest,
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalRequest,
  readDecision,
} from "./approval.ts";
export {
  ToolDefinitionError,
  type ToolIssue,
  ToolNotFoundError,
  ToolPolicyError,
  ToolTimeoutError,
  ToolValidationError,
} from "./errors.ts";
export { type FileToolsOptions, fileTools } from "./file-tools.ts";
export {
  type HttpFetchOptions,
  type HttpFetchResult,
  httpFetchTool,
  type Resolver,
} from "./http-fetch-tool.ts";
export { capOutput, capText, DEFAULT_MAX_OUTPUT_CHARS } from "./output.ts";
export {
  type RunToolsOptions,
  runTools,
  type ToolCallRequest,
  type ToolCallResult,
  type ToolNodeConfig,
  type ToolResultMessage,
  toToolMessages,
} from "./run-tools.ts";
export { type ShellResult, type ShellToolOptions, shellTool } from "./shell-tool.ts";
export {
  type AnyTool,
  type ApprovalPolicy,
  approvalReason,
  DEFAULT_TOOL_TIMEOUT_MS,
  type InvokeOptions,
  invokeTool,
  parseArgs,
  type Tool,
  type ToolConfig,
  type ToolContext,
  tool,
} from "./tool.ts";
