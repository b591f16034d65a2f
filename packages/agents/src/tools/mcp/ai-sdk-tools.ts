/**
 * The adapter from provider-neutral MCP tools to AI SDK 7 tools. Each becomes a `dynamicTool`
 * (its input type is only known at run time) with the server's JSON Schema as input schema.
 */

import type { JSONSchema7 } from "ai";
import { dynamicTool, jsonSchema, type ToolSet } from "ai";
import type { McpTool, McpToolResult } from "./mcp-tools.ts";

type ModelOutput =
  | { type: "text"; value: string }
  | { type: "error-text"; value: string }
  | { type: "json"; value: NonNullable<unknown> };

/**
 * AI SDK tools keyed by exposed name. The model sees text content (or `structuredContent` as
 * JSON); an `isError` result is sent as an error text the model can react to, not thrown. Pure.
 * @example const { text } = await generateText({ model, tools: toAiSdkTools(await mcp.tools()), prompt });
 */
export function toAiSdkTools(tools: readonly McpTool[]): ToolSet {
  const set: ToolSet = {};
  for (const tool of tools) {
    set[tool.name] = dynamicTool({
      description: tool.description,
      inputSchema: jsonSchema(tool.inputSchema as JSONSchema7),
      execute: (input, { abortSignal }) =>
        tool.execute(input, abortSignal ? { signal: abortSignal } : {}),
      toModelOutput: ({ output }) => toModelOutput(output as McpToolResult),
    });
  }
  return set;
}

/** What the model sees of an MCP tool result. Pure. */
export function toModelOutput(result: McpToolResult): ModelOutput {
  const text = contentText(result);
  if (result.isError) return { type: "error-text", value: text };
  if (result.structuredContent) return { type: "json", value: result.structuredContent };
  return { type: "text", value: text };
}

/** The text of a result's content blocks; non-text blocks are rendered as JSON. Pure. */
export function contentText(result: McpToolResult): string {
  return result.content
    .map((block) =>
      block.type === "text" && typeof block.text === "string" ? block.text : JSON.stringify(block),
    )
    .join("\n");
}
