/**
 * `McpConnection`: one MCP server, connected lazily, re-connected after a crash, closed once.
 *
 * States: idle (no client; the start, or after the server crashed or dropped the connection)
 * -> connecting (one shared attempt series with bounded retries and backoff) -> ready (a live
 * SDK `Client`) -> idle again when the transport closes or a call finds it broken. Any state
 * -> closed on `close()`, which is terminal. A call never retries by itself: a crash fails the
 * pending call (tool calls need not be idempotent) and the *next* call reconnects.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, McpError, type Tool } from "@modelcontextprotocol/sdk/types.js";
import {
  McpClosedError,
  McpRequestError,
  McpServerError,
  type McpServerExit,
  McpTimeoutError,
} from "./mcp-errors.ts";
import { type McpServerConfig, type ResolvedMcpOptions, reconnectDelayMs } from "./mcp-options.ts";
import { StdioProcessTransport } from "./stdio-process-transport.ts";

/** A tool as a server lists it (MCP's `Tool`). */
export type McpWireTool = Tool;

/** A `tools/call` result, normalized. */
export interface McpCallResult {
  readonly content: readonly Record<string, unknown>[];
  readonly isError: boolean;
  readonly structuredContent?: Record<string, unknown>;
}

/** What `status()` reports about a server. */
export interface McpServerStatus {
  readonly server: string;
  readonly state: "idle" | "connecting" | "ready" | "closed";
  /** Process id of a running stdio server. */
  readonly pid?: number;
}

interface Live {
  readonly client: Client;
  readonly transport: Transport;
}

type State =
  | { readonly kind: "idle" }
  | { readonly kind: "connecting"; readonly promise: Promise<Live> }
  | { readonly kind: "ready"; readonly live: Live }
  | { readonly kind: "closed" };

const CLIENT_INFO = { name: "conclave", version: "0.1.0" };

/** One MCP server's connection. Not pure: spawns processes and opens sockets. */
export class McpConnection {
  readonly name: string;
  readonly #config: McpServerConfig;
  readonly #options: ResolvedMcpOptions;
  readonly #onToolsChanged: (tools: McpWireTool[]) => void;
  #state: State = { kind: "idle" };

  constructor(
    name: string,
    config: McpServerConfig,
    options: ResolvedMcpOptions,
    onToolsChanged: (tools: McpWireTool[]) => void,
  ) {
    this.name = name;
    this.#config = config;
    this.#options = options;
    this.#onToolsChanged = onToolsChanged;
  }

  /** The connection's state and, for a running stdio server, its pid. */
  status(): McpServerStatus {
    const state = this.#state;
    const transport = state.kind === "ready" ? state.live.transport : undefined;
    const pid = transport instanceof StdioProcessTransport ? transport.pid : undefined;
    return pid === undefined
      ? { server: this.name, state: state.kind }
      : { server: this.name, state: state.kind, pid };
  }

  /** Lists every tool of the server, following pagination cursors. */
  async listTools(): Promise<McpWireTool[]> {
    const live = await this.#live();
    try {
      const tools: McpWireTool[] = [];
      let cursor: string | undefined;
      do {
        const params = cursor === undefined ? undefined : { cursor };
        const page = await live.client.listTools(params, {
          timeout: this.#options.connectTimeoutMs,
        });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return tools;
    } catch (error) {
      throw await this.#failure(live, error, "tools/list");
    }
  }

  /** Calls tool `tool` (its name on the server). A tool-level error comes back as `isError`. */
  async callTool(
    tool: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<McpCallResult> {
    signal?.throwIfAborted();
    const live = await this.#live();
    try {
      const result = await live.client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: this.#options.callTimeoutMs,
        ...(signal ? { signal } : {}),
      });
      const content = Array.isArray(result.content) ? result.content : [];
      const structured = result.structuredContent as Record<string, unknown> | undefined;
      return {
        content,
        isError: result.isError === true,
        ...(structured ? { structuredContent: structured } : {}),
      };
    } catch (error) {
      throw await this.#failure(live, error, tool, signal);
    }
  }

  /** Closes the connection for good; a stdio server's process has exited when this resolves. */
  async close(): Promise<void> {
    const state = this.#state;
    this.#state = { kind: "closed" };
    if (state.kind === "ready") await closeLive(state.live);
    if (state.kind === "connecting") await state.promise.then(closeLive, () => undefined);
  }

  async #live(): Promise<Live> {
    const state = this.#state;
    if (state.kind === "closed") throw new McpClosedError(this.name);
    if (state.kind === "ready") return state.live;
    if (state.kind === "connecting") return state.promise;
    const promise = this.#connectWithRetry();
    this.#state = { kind: "connecting", promise };
    try {
      const live = await promise;
      if (this.#isClosed()) throw new McpClosedError(this.name);
      this.#state = { kind: "ready", live };
      return live;
    } catch (error) {
      if (this.#state.kind === "connecting") this.#state = { kind: "idle" };
      throw error;
    }
  }

  /** Re-reads the state after an `await` (TypeScript narrows it as if nothing happened). */
  #isClosed(): boolean {
    return this.#state.kind === "closed";
  }

  async #connectWithRetry(): Promise<Live> {
    let lastError: unknown;
    let lastExit: McpServerExit | undefined;
    for (let attempt = 0; attempt < this.#options.maxAttempts; attempt++) {
      const delay = reconnectDelayMs(this.#options, attempt);
      if (delay > 0) await this.#options.sleep(delay);
      if (this.#state.kind === "closed") throw new McpClosedError(this.name);
      const transport = this.#createTransport();
      try {
        return await this.#connectOnce(transport);
      } catch (error) {
        lastError = error;
        lastExit = transport instanceof StdioProcessTransport ? transport.exit : undefined;
      }
    }
    throw new McpServerError(
      this.name,
      `Could not connect to MCP server "${this.name}" (${this.#describe()}) after ` +
        `${this.#options.maxAttempts} attempt(s): ${causeText(lastError)}${exitText(lastExit)}; ` +
        "check that the server starts and speaks MCP, or raise reconnect.maxAttempts.",
      lastExit ? { exit: lastExit } : {},
      { cause: lastError },
    );
  }

  async #connectOnce(transport: Transport): Promise<Live> {
    const client = new Client(CLIENT_INFO, {
      listChanged: {
        tools: {
          debounceMs: 0,
          onChanged: (error, tools) => {
            if (!error && tools) this.#onToolsChanged(tools);
          },
        },
      },
    });
    const live: Live = { client, transport };
    client.onclose = () => {
      if (this.#state.kind === "ready" && this.#state.live === live) this.#state = { kind: "idle" };
    };
    try {
      await client.connect(transport, { timeout: this.#options.connectTimeoutMs });
    } catch (error) {
      await closeLive(live);
      throw error;
    }
    return live;
  }

  #createTransport(): Transport {
    const config = this.#config;
    if (config.transport === "stdio") {
      const onStderr = this.#options.onStderr;
      return new StdioProcessTransport({
        command: config.command,
        args: config.args,
        env: config.env,
        cwd: config.cwd,
        onStderr: onStderr && ((chunk) => onStderr(this.name, chunk)),
      });
    }
    return new StreamableHTTPClientTransport(new URL(String(config.url)), {
      requestInit: config.headers ? { headers: { ...config.headers } } : {},
    });
  }

  /** Maps a failed request to the error to throw; drops the client when the link is broken. */
  async #failure(live: Live, error: unknown, tool: string, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return signal.reason;
    if (this.#state.kind === "closed") return new McpClosedError(this.name);
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      return new McpTimeoutError(this.name, tool, this.#options.callTimeoutMs, { cause: error });
    }
    if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
      return new McpRequestError(this.name, tool, error.code, error.message, { cause: error });
    }
    if (this.#state.kind === "ready" && this.#state.live === live) this.#state = { kind: "idle" };
    await closeLive(live);
    const exit = live.transport instanceof StdioProcessTransport ? live.transport.exit : undefined;
    return new McpServerError(this.name, this.#brokenMessage(tool, error, exit), {
      tool,
      ...(exit ? { exit } : {}),
    });
  }

  #brokenMessage(tool: string, error: unknown, exit: McpServerExit | undefined): string {
    const during = `while "${tool}" was running`;
    if (this.#config.transport === "stdio") {
      const how = exit
        ? exit.signal
          ? `was killed by ${exit.signal}`
          : `exited with code ${exit.exitCode}`
        : `closed its connection (${causeText(error)})`;
      return `MCP server "${this.name}" ${how} ${during}; the next call restarts it.${exitText(exit)}`;
    }
    return (
      `MCP server "${this.name}" (${this.#describe()}) dropped the connection ${during} ` +
      `(${causeText(error)}); the next call opens a new session.`
    );
  }

  #describe(): string {
    const config = this.#config;
    return config.transport === "stdio"
      ? `stdio: ${[config.command, ...(config.args ?? [])].join(" ")}`
      : `http: ${String(config.url)}`;
  }
}

async function closeLive(live: Live): Promise<void> {
  if (live.transport instanceof StreamableHTTPClientTransport && live.transport.sessionId) {
    await live.transport.terminateSession().catch(() => undefined);
  }
  await live.client.close().catch(() => undefined);
  await live.transport.close().catch(() => undefined);
}

/** The message of an error and of its causes, e.g. "fetch failed: other side closed". */
function causeText(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e !== undefined && parts.length < 3; ) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ") || "unknown error";
}

function exitText(exit: McpServerExit | undefined): string {
  return exit?.stderrTail ? ` Its stderr ended with: ${exit.stderrTail.slice(-500)}` : "";
}
