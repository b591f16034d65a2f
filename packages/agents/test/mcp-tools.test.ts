/**
 * The MCP contract suite: the same tests against the TypeScript (SDK) and the Python (stdlib)
 * fixture servers, each over stdio and over Streamable HTTP.
 */
import { afterEach, describe, expect, it } from "vitest";
import { McpClosedError, McpServerError, McpTimeoutError } from "../src/tools/mcp/mcp-errors.ts";
import type { McpServerConfig } from "../src/tools/mcp/mcp-options.ts";
import { type McpTool, type McpToolSet, mcpTools } from "../src/tools/mcp/mcp-tools.ts";
import {
  type FixtureLanguage,
  fixtureChildren,
  type HttpFixture,
  processAlive,
  startHttpFixture,
  stdioFixture,
  stopHttpFixtures,
} from "./fixtures/mcp/fixture-servers.ts";

type Mode = "stdio" | "http";

const combos: [FixtureLanguage, Mode][] = [
  ["ts", "stdio"],
  ["py", "stdio"],
  ["ts", "http"],
  ["py", "http"],
];

const opened: McpToolSet[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((set) => set.close()));
  await stopHttpFixtures();
  expect(fixtureChildren(), "fixture server processes outlived the test").toEqual([]);
});

function find(tools: McpTool[], name: string): McpTool {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name} in ${tools.map((t) => t.name).join(", ")}`);
  return tool;
}

const textOf = (result: { content: readonly Record<string, unknown>[] }) =>
  result.content.map((block) => block.text).join("");

describe.each(combos)("mcpTools against the %s fixture server over %s", (language, mode) => {
  let http: HttpFixture | undefined;

  async function config(): Promise<McpServerConfig> {
    if (mode === "stdio") return stdioFixture(language);
    http = await startHttpFixture(language);
    return { transport: "http", url: http.url };
  }

  async function open(extra: { callTimeoutMs?: number } = {}) {
    const set = mcpTools({ servers: { calc: await config() }, ...extra });
    opened.push(set);
    return { set, tools: await set.tools() };
  }

  it("lists the server's tools namespaced as <server>__<tool>, with JSON Schemas", async () => {
    const { tools } = await open();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        "calc__add",
        "calc__echo",
        "calc__slow",
        "calc__crash",
        "calc__fail",
      ]),
    );
    const add = find(tools, "calc__add");
    expect(add).toMatchObject({ server: "calc", mcpName: "add", description: "Add two numbers" });
    expect(add.inputSchema).toMatchObject({
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
    });
  });

  it("calls tools and returns their content", async () => {
    const { tools } = await open();
    const sum = await find(tools, "calc__add").execute({ a: 2, b: 3 });
    expect(sum).toMatchObject({ isError: false });
    expect(textOf(sum)).toBe("5");
    expect(textOf(await find(tools, "calc__echo").execute({ text: "héllo" }))).toBe("héllo");
  });

  it("returns a tool error (isError) as a result, not a throw", async () => {
    const { tools } = await open();
    const result = await find(tools, "calc__fail").execute({ reason: "boom" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("fail: boom");
    expect(textOf(await find(tools, "calc__add").execute({ a: 1, b: 1 }))).toBe("2");
  });

  it("fails a call that outlives callTimeoutMs with McpTimeoutError, and stays usable", async () => {
    const { tools } = await open({ callTimeoutMs: 300 });
    const error = await find(tools, "calc__slow")
      .execute({})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpTimeoutError);
    expect(error).toMatchObject({ code: "MCP_TIMEOUT", server: "calc", tool: "slow" });
    expect((error as Error).message).toMatch(
      /"slow" on server "calc" did not answer within 300 ms/,
    );
    expect(textOf(await find(tools, "calc__add").execute({ a: 4, b: 5 }))).toBe("9");
  });

  it("rejects with the abort reason when the caller aborts, and stays usable", async () => {
    const { tools } = await open();
    const controller = new AbortController();
    const pending = find(tools, "calc__slow").execute({}, { signal: controller.signal });
    controller.abort(new Error("user gave up"));
    await expect(pending).rejects.toThrow("user gave up");
    expect(textOf(await find(tools, "calc__echo").execute({ text: "still here" }))).toBe(
      "still here",
    );
  });

  it("lets a slow call finish when the test releases it", async () => {
    const { tools } = await open();
    const pending = find(tools, "calc__slow").execute({});
    let released = "released 0";
    while (released === "released 0") {
      released = textOf(await find(tools, "calc__release").execute({}));
    }
    expect(released).toBe("released 1");
    expect(textOf(await pending)).toBe("released");
  });

  it("fails the pending call with McpServerError when the server crashes, then reconnects", async () => {
    const { set, tools } = await open();
    const firstPid = set.status()[0]?.pid;
    const error = await find(tools, "calc__crash")
      .execute({})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpServerError);
    expect(error).toMatchObject({ code: "MCP_SERVER", server: "calc", tool: "crash" });
    if (mode === "stdio") {
      expect(error).toMatchObject({ exit: { exitCode: 3, signal: null } });
      expect((error as Error).message).toMatch(
        /MCP server "calc" exited with code 3 while "crash" was running; the next call restarts it/,
      );
      expect((error as Error).message).toMatch(/crashing on purpose/);
    } else {
      expect((error as Error).message).toMatch(/dropped the connection while "crash" was running/);
      await http!.exited;
      http = await startHttpFixture(language, http!.port);
    }
    expect(set.status()[0]?.state).toBe("idle");
    expect(textOf(await find(tools, "calc__add").execute({ a: 20, b: 22 }))).toBe("42");
    if (mode === "stdio") {
      expect(firstPid).toBeTypeOf("number");
      expect(processAlive(firstPid!)).toBe(false);
      expect(set.status()[0]?.pid).not.toBe(firstPid);
    }
  });

  it("closes cleanly: no process or socket outlives close(), and later calls fail clearly", async () => {
    const { set, tools } = await open();
    await find(tools, "calc__echo").execute({ text: "x" });
    const pid = set.status()[0]?.pid;
    await set.close();
    expect(set.status()).toEqual([{ server: "calc", state: "closed" }]);
    if (mode === "stdio") expect(processAlive(pid!)).toBe(false);
    if (mode === "http" && language === "ts") await http!.waitForNoSockets();
    await expect(find(tools, "calc__echo").execute({ text: "x" })).rejects.toBeInstanceOf(
      McpClosedError,
    );
    await set.close();
  });
});
