/**
 * `mcpTools({ servers })`: loads the tools of MCP servers (stdio or Streamable HTTP) as
 * provider-neutral tools named `<server>__<tool>`. Servers connect lazily on the first
 * `tools()`; a server's tool list refreshes when it sends `notifications/tools/list_changed`.
 */
import { InvalidArgumentError } from "@conclave/core";
import type { ToolSet } from "ai";
import { toAiSdkTools } from "./ai-sdk-tools.ts";
import { McpConnection, type McpServerStatus, type McpWireTool } from "./mcp-connection.ts";
import { McpToolNameCollisionError } from "./mcp-errors.ts";
import { type McpToolsOptions, resolveMcpOptions } from "./mcp-options.ts";
import { mcpToolName } from "./mcp-tool-name.ts";

/** A JSON Schema object (MCP tool input schemas always have `type: "object"`). */
export type JsonSchemaObject = { readonly type: "object" } & Readonly<Record<string, unknown>>;

/** The result of an MCP tool call. A tool-level failure is a result with `isError: true`. */
export interface McpToolResult {
  /** MCP content blocks (`{ type: "text", text }`, images, resources...). */
  readonly content: readonly Record<string, unknown>[];
  readonly isError: boolean;
  readonly structuredContent?: Record<string, unknown>;
}

/**
 * An MCP tool in the provider-neutral shape `{ name, description, inputSchema, execute }`.
 * `execute` throws `McpTimeoutError`, `McpServerError`, `McpRequestError` or `McpClosedError`,
 * or the signal's reason when the caller aborts.
 */
export interface McpTool {
  /** The exposed name, `<server>__<tool>`, provider-safe. */
  readonly name: string;
  readonly description: string;
  readonly inputSchema: JsonSchemaObject;
  /** The server's name in `mcpTools({ servers })`. */
  readonly server: string;
  /** The tool's own name on its server. */
  readonly mcpName: string;
  execute(args: unknown, options?: { readonly signal?: AbortSignal }): Promise<McpToolResult>;
}

/** The handle `mcpTools()` returns. Dispose it (`await using`) or call `close()`. */
export interface McpToolSet extends AsyncDisposable {
  /** Connects every server not yet connected and returns all their tools, sorted by name. */
  tools(): Promise<McpTool[]>;
  /** `tools()` adapted to AI SDK tools for `generateText({ tools })`. */
  aiTools(): Promise<ToolSet>;
  /** Each server's connection state (and stdio pid). */
  status(): McpServerStatus[];
  /** Closes every connection; stdio server processes have exited when it resolves. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates an MCP tool set. Nothing connects until `tools()` is called.
 * @example
 * await using mcp = mcpTools({
 *   servers: {
 *     calc: { transport: "stdio", command: "python3", args: ["calc_server.py"] },
 *     search: { transport: "http", url: "http://127.0.0.1:8080/mcp" },
 *   },
 *   callTimeoutMs: 10_000,
 * });
 * const { text } = await generateText({ model, tools: await mcp.aiTools(), prompt });
 */
export function mcpTools(options: McpToolsOptions): McpToolSet {
  const resolved = resolveMcpOptions(options);
  const listed = new Map<string, McpTool[]>();
  const connections = Object.entries(options.servers).map(([name, config]) => {
    const connection: McpConnection = new McpConnection(name, config, resolved, (tools) => {
      listed.set(name, wrapTools(connection, tools));
      options.onToolsChanged?.(name);
    });
    return connection;
  });
  let closing: Promise<void> | undefined;
  const tools = async () => {
    await Promise.all(
      connections
        .filter((c) => !listed.has(c.name))
        .map(async (c) => listed.set(c.name, wrapTools(c, await c.listTools()))),
    );
    return checkUnique(connections.flatMap((c) => listed.get(c.name) ?? []));
  };
  const close = () => {
    closing ??= Promise.all(connections.map((c) => c.close())).then(() => undefined);
    return closing;
  };
  return {
    tools,
    aiTools: async () => toAiSdkTools(await tools()),
    status: () => connections.map((c) => c.status()),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function wrapTools(connection: McpConnection, tools: readonly McpWireTool[]): McpTool[] {
  return tools.map((tool) => ({
    name: mcpToolName(connection.name, tool.name),
    description: tool.description ?? tool.title ?? "",
    inputSchema: tool.inputSchema as JsonSchemaObject,
    server: connection.name,
    mcpName: tool.name,
    execute: async (args, execOptions) =>
      connection.callTool(tool.name, toArguments(args), execOptions?.signal),
  }));
}

function toArguments(args: unknown): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args === "object" && !Array.isArray(args)) return args as Record<string, unknown>;
  throw new InvalidArgumentError(
    `MCP tool arguments must be an object (MCP's \`arguments\`), but got ${JSON.stringify(args)}; ` +
      "pass e.g. { a: 1, b: 2 }.",
  );
}

function checkUnique(tools: McpTool[]): McpTool[] {
  const seen = new Map<string, McpTool>();
  for (const tool of tools) {
    const first = seen.get(tool.name);
    if (first) {
      throw new McpToolNameCollisionError(
        tool.name,
        `"${first.mcpName}" of server "${first.server}"`,
        `"${tool.mcpName}" of server "${tool.server}"`,
      );
    }
    seen.set(tool.name, tool);
  }
  return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
