/**
 * The AI SDK 7 form of Conclave tools, so a tool set can be passed to `generateText` /
 * `streamText` directly. Arguments are validated by the tool's zod schema (through the SDK's
 * `jsonSchema(..., { validate })`), and execution goes through `invokeTool` (deadline, cap).
 */
import { type Tool as AiTool, tool as aiTool, jsonSchema } from "ai";
import { type AnyTool, invokeTool, parseArgs } from "./tool.ts";

/** Options of {@link toAiTool}. */
export interface AiToolOptions {
  /**
   * Whether the SDK may execute the tool itself. Default: yes, except for tools with a
   * `requiresApproval` policy, which are exposed without `execute` so the SDK returns their
   * calls instead of running them unapproved (fail closed); run those through `runTools`.
   */
  execute?: boolean;
}

/**
 * Converts a tool to an AI SDK 7 tool. Pure.
 *
 * @example
 * await generateText({ model, prompt, tools: toAiTools([add]) });
 */
export function toAiTool(t: AnyTool, options: AiToolOptions = {}): AiTool {
  const canExecute = options.execute ?? !t.requiresApproval;
  const inputSchema = jsonSchema<unknown>(t.jsonSchema as Parameters<typeof jsonSchema>[0], {
    validate: (value) => {
      try {
        return { success: true, value: parseArgs(t, value) };
      } catch (error) {
        return { success: false, error: error as Error };
      }
    },
  });
  if (!canExecute) return aiTool({ description: t.description, inputSchema });
  return aiTool({
    description: t.description,
    inputSchema,
    execute: (input, { abortSignal, toolCallId }) =>
      invokeTool(t, input, { signal: abortSignal, toolCallId }),
  });
}

/** Converts a list of tools to an AI SDK `ToolSet` keyed by name. Pure. */
export function toAiTools(
  tools: readonly AnyTool[],
  options: AiToolOptions = {},
): Record<string, AiTool> {
  return Object.fromEntries(tools.map((t) => [t.name, toAiTool(t, options)]));
}
