/**
 * MCP tool loading beyond the per-server contract: option checks, name sanitizing and
 * collisions, bounded reconnects with injected backoff, and tool-list refresh.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { InvalidArgumentError } from "@conclave/core";
import { afterEach, describe, expect, it } from "vitest";
import { McpServerError, McpToolNameCollisionError } from "../src/tools/mcp/mcp-errors.ts";
import type { McpToolsOptions } from "../src/tools/mcp/mcp-options.ts";
import { MAX_TOOL_NAME_LENGTH, mcpToolName } from "../src/tools/mcp/mcp-tool-name.ts";
import { type McpToolSet, mcpTools } from "../src/tools/mcp/mcp-tools.ts";
import {
  fixtureChildren,
  type HttpFixture,
  startHttpFixture,
  stdioFixture,
  stopHttpFixtures,
} from "./fixtures/mcp/fixture-servers.ts";

const opened: McpToolSet[] = [];
const open = (options: McpToolsOptions) => {
  const set = mcpTools(options);
  opened.push(set);
  return set;
};

afterEach(async () => {
  await Promise.all(opened.splice(0).map((set) => set.close()));
  await stopHttpFixtures();
  expect(fixtureChildren(), "fixture server processes outlived the test").toEqual([]);
});

const textOf = (result: { content: readonly Record<string, unknown>[] }) =>
  result.content.map((block) => block.text).join("");

describe("mcpToolName", () => {
  it("joins server and tool with __ and replaces characters providers reject", () => {
    expect(mcpToolName("calc", "add")).toBe("calc__add");
    expect(mcpToolName("my server", "get.weather/now")).toBe("my_server__get_weather_now");
  });

  it("cuts long names to 64 characters with a hash that keeps them apart", () => {
    const a = mcpToolName("s", `${"x".repeat(80)}a`);
    const b = mcpToolName("s", `${"x".repeat(80)}b`);
    expect(a).toHaveLength(MAX_TOOL_NAME_LENGTH);
    expect(a).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(mcpToolName("s", `${"x".repeat(80)}a`)).toBe(a);
  });

  it("rejects two tools that map to the same name", async () => {
    const set = open({ servers: { "py.calc": stdioFixture("py"), py_calc: stdioFixture("py") } });
    const error = await set.tools().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpToolNameCollisionError);
    expect(error).toMatchObject({ code: "MCP_TOOL_NAME_COLLISION", toolName: "py_calc__add" });
    expect((error as Error).message).toMatch(/rename one server/);
  });
});

describe("mcpTools options", () => {
  it.each([
    [{ servers: {} }, /at least one server/],
    [{ servers: { a: { transport: "ws", url: "x" } } }, /use "stdio" or "http"/],
    [{ servers: { a: { transport: "stdio", command: "" } } }, /non-empty `command`/],
    [{ servers: { a: { transport: "http", url: "not a url" } } }, /is not a URL/],
    [{ servers: { a: stdioFixture("py") }, callTimeoutMs: 0 }, /callTimeoutMs must be/],
  ])("rejects %j", (options, message) => {
    expect(() => mcpTools(options as unknown as McpToolsOptions)).toThrow(InvalidArgumentError);
    expect(() => mcpTools(options as unknown as McpToolsOptions)).toThrow(message);
  });
});

describe("reconnecting", () => {
  it("gives up after reconnect.maxAttempts, waiting with exponential backoff", async () => {
    const delays: number[] = [];
    const set = open({
      servers: { ghost: { transport: "stdio", command: "/nonexistent/mcp-server" } },
      sleep: async (ms) => void delays.push(ms),
    });
    const error = await set.tools().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpServerError);
    expect((error as Error).message).toMatch(
      /Could not connect to MCP server "ghost" \(stdio: \/nonexistent\/mcp-server\) after 3 attempt\(s\): .*ENOENT/,
    );
    expect(delays).toEqual([250, 500]);
    expect(set.status()).toEqual([{ server: "ghost", state: "idle" }]);
  });

  it("opens a new HTTP session once a crashed server is back, backing off meanwhile", async () => {
    let fixture: HttpFixture = await startHttpFixture("py");
    const delays: number[] = [];
    const set = open({
      servers: { calc: { transport: "http", url: fixture.url } },
      reconnect: { initialDelayMs: 10 },
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 2) fixture = await startHttpFixture("py", fixture.port);
      },
    });
    const tools = await set.tools();
    const call = (name: string, args: object) => tools.find((t) => t.name === name)!.execute(args);
    await expect(call("calc__crash", {})).rejects.toBeInstanceOf(McpServerError);
    await fixture.exited;
    expect(textOf(await call("calc__add", { a: 1, b: 2 }))).toBe("3");
    expect(delays).toEqual([10, 20]);
  });
});

describe("tool list refresh", () => {
  it("refreshes a server's tools on notifications/tools/list_changed", async () => {
    let changed!: () => void;
    const refreshed = new Promise<void>((resolve) => {
      changed = resolve;
    });
    const set = open({ servers: { calc: stdioFixture("ts") }, onToolsChanged: () => changed() });
    const before = await set.tools();
    expect(before.map((t) => t.name)).not.toContain("calc__extra");
    await before.find((t) => t.name === "calc__enable_extra")!.execute({});
    await refreshed;
    const extra = (await set.tools()).find((t) => t.name === "calc__extra");
    expect(extra).toBeDefined();
    expect(textOf(await extra!.execute({}))).toBe("extra");
  });

  it("closes through `await using`", async () => {
    let pid: number | undefined;
    {
      await using set = mcpTools({ servers: { calc: stdioFixture("py") } });
      await set.tools();
      pid = set.status()[0]?.pid;
      expect(pid).toBeTypeOf("number");
    }
    expect(() => process.kill(pid!, 0)).toThrow(/ESRCH/);
  });
});

describe("the Python fixture's protocol version negotiation", () => {
  async function negotiate(requested: string): Promise<unknown> {
    const { command, args = [] } = stdioFixture("py");
    const child = spawn(command, [...args], { stdio: ["pipe", "pipe", "ignore"] });
    const lines = createInterface({ input: child.stdout });
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: requested,
        capabilities: {},
        clientInfo: { name: "t", version: "1" },
      },
    };
    child.stdin.end(`${JSON.stringify(initialize)}\n`);
    const [line] = (await once(lines, "line")) as [string];
    await once(child, "close");
    return (JSON.parse(line) as { result: { protocolVersion: string } }).result.protocolVersion;
  }

  it.each([
    ["2025-11-25", "2025-11-25"],
    ["2024-11-05", "2024-11-05"],
    ["1999-01-01", "2025-11-25"],
  ])("answers a client asking for %s with %s", async (requested, answered) => {
    expect(await negotiate(requested)).toBe(answered);
  });
});

describe("tool arguments", () => {
  it("must be an object", async () => {
    const set = open({ servers: { calc: stdioFixture("py") } });
    const echo = (await set.tools()).find((t) => t.name === "calc__echo")!;
    await expect(echo.execute("hi")).rejects.toThrow(/must be an object .* but got "hi"/);
  });
});
