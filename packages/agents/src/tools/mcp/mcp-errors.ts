/**
 * The typed errors of the MCP tool loader. Each names the server (and tool, when there is one)
 * and says what the caller can do next. Stable codes: `MCP_TIMEOUT`, `MCP_SERVER`,
 * `MCP_REQUEST`, `MCP_TOOL_NAME_COLLISION`, `MCP_CLOSED`.
 */
import { ConclaveError, type ErrorDisposition } from "@conclave/core";

/** Options of the MCP errors. */
interface ConclaveErrorOptions {
  cause?: unknown;
}

/** A tool call did not answer within its timeout; the server was asked to cancel it. */
export class McpTimeoutError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "retryable";
  readonly server: string;
  readonly tool: string;
  readonly timeoutMs: number;
  constructor(server: string, tool: string, timeoutMs: number, options?: ConclaveErrorOptions) {
    super(
      "MCP_TIMEOUT",
      `MCP tool "${tool}" on server "${server}" did not answer within ${timeoutMs} ms and was ` +
        "cancelled; raise `callTimeoutMs` in mcpTools() or make the tool faster.",
      options,
    );
    this.server = server;
    this.tool = tool;
    this.timeoutMs = timeoutMs;
  }
}

/** How a server connection ended: the process exit of a stdio server, or the transport error. */
export interface McpServerExit {
  /** Exit code of a stdio server process (`null` when it was killed by a signal). */
  readonly exitCode?: number | null;
  /** Signal that killed a stdio server process. */
  readonly signal?: string | null;
  /** The last lines the server wrote to stderr, if any. */
  readonly stderrTail?: string;
}

/**
 * A server crashed, went away or could not be reached. Retryable: the next call reconnects
 * (stdio: respawns the process; HTTP: opens a new session) with bounded retries.
 */
export class McpServerError extends ConclaveError {
  override readonly disposition: ErrorDisposition = "retryable";
  readonly server: string;
  readonly tool: string | undefined;
  readonly exit: McpServerExit;
  constructor(
    server: string,
    message: string,
    details: { tool?: string; exit?: McpServerExit } = {},
    options?: ConclaveErrorOptions,
  ) {
    super("MCP_SERVER", message, options);
    this.server = server;
    this.tool = details.tool;
    this.exit = details.exit ?? {};
  }
}

/** A server answered a request with a JSON-RPC error (unknown tool, invalid arguments...). */
export class McpRequestError extends ConclaveError {
  readonly server: string;
  readonly tool: string;
  /** The JSON-RPC error code the server sent. */
  readonly rpcCode: number;
  constructor(
    server: string,
    tool: string,
    rpcCode: number,
    detail: string,
    options?: ConclaveErrorOptions,
  ) {
    super(
      "MCP_REQUEST",
      `MCP server "${server}" rejected the call to "${tool}" with JSON-RPC error ${rpcCode}: ` +
        `${detail}; check the tool name and arguments against the server's tools/list.`,
      options,
    );
    this.server = server;
    this.tool = tool;
    this.rpcCode = rpcCode;
  }
}

/** Two tools map to the same provider-safe name after namespacing and sanitizing. */
export class McpToolNameCollisionError extends ConclaveError {
  readonly toolName: string;
  constructor(toolName: string, first: string, second: string, options?: ConclaveErrorOptions) {
    super(
      "MCP_TOOL_NAME_COLLISION",
      `MCP tools ${first} and ${second} both map to the tool name "${toolName}"; rename one ` +
        "server in mcpTools({ servers }) or one of the tools.",
      options,
    );
    this.toolName = toolName;
  }
}

/** The tool set was used after `close()`. */
export class McpClosedError extends ConclaveError {
  constructor(server: string, options?: ConclaveErrorOptions) {
    super(
      "MCP_CLOSED",
      `MCP server "${server}" was used after mcpTools().close(); create a new mcpTools() instead.`,
      options,
    );
  }
}
