import { generateText } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  capOutput,
  invokeTool,
  ToolDefinitionError,
  ToolTimeoutError,
  ToolValidationError,
  toAiTool,
  toAiTools,
  tool,
} from "../src/tools/index.ts";

const add = tool({
  name: "add",
  description: "Adds two numbers",
  schema: z.object({ a: z.number().describe("first"), b: z.number() }),
  execute: ({ a, b }) => a + b,
});

describe("tool(): definition", () => {
  it("generates the JSON Schema providers need", () => {
    expect(add.jsonSchema).toMatchObject({
      type: "object",
      properties: { a: { type: "number", description: "first" }, b: { type: "number" } },
      required: ["a", "b"],
    });
    expect(add.timeoutMs).toBe(30_000);
    expect(add.maxOutputChars).toBe(20_000);
  });

  it("rejects provider-unsafe names, non-object schemas and bad limits", () => {
    const base = { description: "d", execute: () => 1 };
    expect(() => tool({ ...base, name: "bad name", schema: z.object({}) })).toThrow(
      ToolDefinitionError,
    );
    expect(() => tool({ ...base, name: "s", schema: z.string() })).toThrow(
      /needs an object|providers need an object/,
    );
    expect(() => tool({ ...base, name: "t", schema: z.object({}), timeoutMs: 0 })).toThrow(
      /timeoutMs 0/,
    );
  });
});

describe("invokeTool: validation, timeout, output cap", () => {
  it("validates arguments and lists every issue with its path and value", async () => {
    const t = tool({
      name: "user",
      description: "d",
      schema: z.object({ name: z.string(), tags: z.array(z.string()) }),
      execute: () => "ok",
    });
    const error = (await invokeTool(t, { name: 7, tags: ["a", 3] }).catch(
      (e: unknown) => e,
    )) as Error & { code: string; issues: unknown };
    expect(error).toBeInstanceOf(ToolValidationError);
    expect(error.code).toBe("TOOL_INVALID_ARGS");
    expect(error.issues).toEqual([
      { path: "name", message: expect.any(String), received: 7 },
      { path: "tags.1", message: expect.any(String), received: 3 },
    ]);
    expect(error.message).toMatch(/- name: .* \(got 7\)/);
    expect(error.message).toMatch(/- tags\.1: .* \(got 3\)/);
  });

  it("aborts through the signal and fails with ToolTimeoutError when execute ignores it", async () => {
    let aborted = false;
    const stuck = tool({
      name: "stuck",
      description: "never finishes",
      schema: z.object({}),
      timeoutMs: 5,
      execute: (_args, { signal }) => {
        signal.addEventListener("abort", () => {
          aborted = true;
        });
        return new Promise(() => {});
      },
    });
    const error = (await invokeTool(stuck, {}).catch((e: unknown) => e)) as Error & {
      code: string;
      issues: unknown;
    };
    expect(error).toBeInstanceOf(ToolTimeoutError);
    expect(error.code).toBe("TOOL_TIMEOUT");
    expect(error.message).toContain('"stuck" did not finish within 5 ms');
    expect(aborted).toBe(true);
  });

  it("reports a timeout, not the AbortError, when execute honours the signal", async () => {
    const polite = tool({
      name: "polite",
      description: "d",
      schema: z.object({}),
      timeoutMs: 5,
      execute: (_a, { signal }) =>
        new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(new Error("aborted"))),
        ),
    });
    await expect(invokeTool(polite, {})).rejects.toBeInstanceOf(ToolTimeoutError);
  });

  it("caps output with a marker saying how many characters were cut", async () => {
    const big = tool({
      name: "big",
      description: "d",
      schema: z.object({}),
      maxOutputChars: 10,
      execute: () => "x".repeat(25),
    });
    expect(await invokeTool(big, {})).toBe(`${"x".repeat(10)}\n...[truncated 15 chars]`);
    expect(capOutput({ a: 1 }, 100)).toEqual({ a: 1 });
    expect(capOutput({ long: "y".repeat(50) }, 20)).toMatch(
      /^\{"long":"y+\n\.\.\.\[truncated 41 chars\]$/,
    );
  });
});

describe("AI SDK 7 form", () => {
  function modelCalling(input: string) {
    return new MockLanguageModelV4({
      doGenerate: [
        {
          content: [{ type: "tool-call", toolCallId: "c1", toolName: "add", input }],
          finishReason: { unified: "tool-calls", raw: undefined },
          usage: usage(),
          warnings: [],
        },
      ],
    });
  }

  it("runs through generateText with the zod schema as validator", async () => {
    const result = await generateText({
      model: modelCalling('{"a":2,"b":3}'),
      prompt: "2+3",
      tools: toAiTools([add]),
    });
    expect(result.toolResults).toMatchObject([{ toolCallId: "c1", toolName: "add", output: 5 }]);
  });

  it("reports invalid model input as a tool error instead of running the tool", async () => {
    const result = await generateText({
      model: modelCalling('{"a":"two"}'),
      prompt: "2+?",
      tools: toAiTools([add]),
    });
    expect(result.toolResults).toEqual([]);
    const error = result.content.find((p) => p.type === "tool-error");
    expect(error).toBeDefined();
  });

  it("exposes gated tools without execute, so the SDK cannot run them unapproved", () => {
    const gated = tool({ ...add, name: "gated", requiresApproval: true });
    expect(toAiTool(gated).execute).toBeUndefined();
    expect(toAiTool(add).execute).toBeTypeOf("function");
  });
});

function usage() {
  return {
    inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 1, text: 1, reasoning: 0 },
  };
}
