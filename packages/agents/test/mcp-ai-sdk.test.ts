/**
 * MCP tools through AI SDK 7: a sim model calls a fixture server's tool via `generateText`.
 */
import { createSim } from "@conclave/models";
import { generateText, stepCountIs } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { toAiSdkTools, toModelOutput } from "../src/tools/mcp/ai-sdk-tools.ts";
import { type McpToolSet, mcpTools } from "../src/tools/mcp/mcp-tools.ts";
import { stdioFixture } from "./fixtures/mcp/fixture-servers.ts";

let set: McpToolSet | undefined;
afterEach(async () => {
  await set?.close();
  set = undefined;
});

describe("MCP tools in generateText", () => {
  it("runs a tool the model calls and feeds its text back to the model", async () => {
    set = mcpTools({ servers: { calc: stdioFixture("py") } });
    const sim = createSim({
      timeToFirstTokenMs: 0,
      perTokenMs: 0,
      script: [
        { toolCalls: [{ toolName: "calc__add", input: { a: 2, b: 3 } }] },
        { toolCalls: [{ toolName: "calc__fail", input: { reason: "boom" } }] },
        "The sum is 5.",
      ],
    });
    const result = await generateText({
      model: sim("planner"),
      tools: await set.aiTools(),
      stopWhen: stepCountIs(3),
      prompt: "Add 2 and 3",
    });
    expect(result.steps).toHaveLength(3);
    expect(result.steps[0]?.toolResults[0]).toMatchObject({
      toolName: "calc__add",
      output: { isError: false, content: [{ type: "text", text: "5" }] },
    });
    const toolMessages = result.steps
      .flatMap((s) => s.response.messages)
      .filter((m) => m.role === "tool");
    expect(JSON.stringify(toolMessages)).toContain('"output":{"type":"text","value":"5"}');
    expect(JSON.stringify(toolMessages)).toContain(
      '"output":{"type":"error-text","value":"fail: boom"}',
    );
    expect(result.text).toContain("The sum is 5.");
  });

  it("adapts each tool with its description and JSON Schema", async () => {
    set = mcpTools({ servers: { calc: stdioFixture("py") } });
    const tools = toAiSdkTools(await set.tools());
    expect(tools.calc__add).toMatchObject({ type: "dynamic", description: "Add two numbers" });
    expect(toModelOutput({ content: [{ type: "image", data: "x" }], isError: false })).toEqual({
      type: "text",
      value: '{"type":"image","data":"x"}',
    });
    expect(toModelOutput({ content: [], isError: false, structuredContent: { sum: 5 } })).toEqual({
      type: "json",
      value: { sum: 5 },
    });
  });
});
