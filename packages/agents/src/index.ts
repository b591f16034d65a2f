/**
 * @conclave/agents: prebuilt agent graphs (tool-calling agent, supervisor, council, triage) and
 * tools (approval, safe built-ins, MCP) built on the engine and the model gateway.
 */
export {};
