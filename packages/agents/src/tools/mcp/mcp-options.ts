/**
 * The options of `mcpTools()`: which servers to start or reach, and the timeout and reconnect
 * policy. `resolveMcpOptions` checks them once and fills in the defaults.
 */
import { InvalidArgumentError } from "@conclave/core";

/** A server started as a child process and spoken to over stdin/stdout. */
export interface McpStdioServerConfig {
  readonly transport: "stdio";
  /** The executable, e.g. `"python3"` or `process.execPath`. */
  readonly command: string;
  readonly args?: readonly string[];
  /** Added to a safe default environment (PATH, HOME, USER...), not to all of `process.env`. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** A server reached over MCP's Streamable HTTP transport. */
export interface McpHttpServerConfig {
  readonly transport: "http";
  /** The MCP endpoint, e.g. `"http://127.0.0.1:8080/mcp"`. */
  readonly url: string | URL;
  /** Sent with every request (e.g. `Authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One MCP server. */
export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;

/** How a broken connection is re-opened: bounded attempts with exponential backoff. */
export interface McpReconnectPolicy {
  /** Connection attempts per call before it fails (default 3). */
  readonly maxAttempts?: number;
  /** Wait before the second attempt; doubles per attempt (default 250 ms). */
  readonly initialDelayMs?: number;
  /** Upper bound of a wait (default 5000 ms). */
  readonly maxDelayMs?: number;
}

/** Options of `mcpTools()`. */
export interface McpToolsOptions {
  /** Servers by name. The name prefixes each tool: `<server>__<tool>`. */
  readonly servers: Readonly<Record<string, McpServerConfig>>;
  /** Per-call timeout; on expiry the call is cancelled and fails with `McpTimeoutError` (default 60 000 ms). */
  readonly callTimeoutMs?: number;
  /** Timeout of connecting and of `tools/list` (default 30 000 ms). */
  readonly connectTimeoutMs?: number;
  readonly reconnect?: McpReconnectPolicy;
  /** Waits between reconnect attempts; tests inject one that does not really sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Receives each stdio server's stderr (default: kept only as a tail for error messages). */
  readonly onStderr?: (server: string, chunk: string) => void;
  /** Called after a server's `notifications/tools/list_changed` refreshed its tools. */
  readonly onToolsChanged?: (server: string) => void;
}

/** `McpToolsOptions` with every default filled in. */
export interface ResolvedMcpOptions {
  readonly callTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onStderr: ((server: string, chunk: string) => void) | undefined;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Checks the options and fills in defaults. Pure. Throws `InvalidArgumentError`. */
export function resolveMcpOptions(options: McpToolsOptions): ResolvedMcpOptions {
  const servers = Object.entries(options.servers ?? {});
  if (servers.length === 0) {
    throw new InvalidArgumentError(
      'mcpTools() needs at least one server, e.g. { servers: { calc: { transport: "stdio", command: "calc-mcp" } } }.',
    );
  }
  for (const [name, config] of servers) checkServer(name, config);
  const reconnect = options.reconnect ?? {};
  return {
    callTimeoutMs: positive(options.callTimeoutMs, 60_000, "callTimeoutMs"),
    connectTimeoutMs: positive(options.connectTimeoutMs, 30_000, "connectTimeoutMs"),
    maxAttempts: Math.floor(positive(reconnect.maxAttempts, 3, "reconnect.maxAttempts")),
    initialDelayMs: positive(reconnect.initialDelayMs, 250, "reconnect.initialDelayMs", true),
    maxDelayMs: positive(reconnect.maxDelayMs, 5000, "reconnect.maxDelayMs", true),
    sleep: options.sleep ?? realSleep,
    onStderr: options.onStderr,
  };
}

/** The backoff before connection attempt `attempt` (0-based; attempt 0 does not wait). Pure. */
export function reconnectDelayMs(options: ResolvedMcpOptions, attempt: number): number {
  if (attempt <= 0) return 0;
  return Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
}

function checkServer(name: string, config: McpServerConfig): void {
  if (name.trim() === "") {
    throw new InvalidArgumentError('mcpTools(): a server name must not be empty; use e.g. "calc".');
  }
  if (config?.transport === "stdio") {
    if (typeof config.command !== "string" || config.command.trim() === "") {
      throw new InvalidArgumentError(
        `mcpTools(): stdio server "${name}" needs a non-empty \`command\`, e.g. "python3".`,
      );
    }
    return;
  }
  if (config?.transport === "http") {
    if (!URL.canParse(String(config.url))) {
      throw new InvalidArgumentError(
        `mcpTools(): http server "${name}" has url ${JSON.stringify(String(config.url))}, ` +
          'which is not a URL; use e.g. "http://127.0.0.1:8080/mcp".',
      );
    }
    return;
  }
  throw new InvalidArgumentError(
    `mcpTools(): server "${name}" has transport ${JSON.stringify((config as { transport?: unknown })?.transport)}; ` +
      'use "stdio" or "http".',
  );
}

function positive(value: number | undefined, fallback: number, name: string, zeroOk = false) {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || (!zeroOk && v === 0)) {
    throw new InvalidArgumentError(
      `mcpTools(): ${name} must be a finite ${zeroOk ? "non-negative" : "positive"} number, but got ${v}.`,
    );
  }
  return v;
}
