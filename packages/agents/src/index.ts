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
