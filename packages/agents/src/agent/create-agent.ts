import {
  Annotation,
  type CheckpointSaver,
  type CompiledStateGraph,
  END,
  isGraphInterrupt,
  type Message,
  MessagesAnnotation,
  type NodeConfig,
  START,
  StateGraph,
  toMessage,
} from "@conclave/core";
import { generateText, jsonSchema, Output, streamText, type ToolSet, tool } from "ai";
import { aiMessageFrom, toModelMessages } from "../messages/model-messages.ts";
import { runTools, toToolMessages } from "../tools/run-tools.ts";
import type { AnyTool } from "../tools/tool.ts";
import { MaxStepsError, ToolErrorLimitError } from "./agent-errors.ts";
import { type ModelRef, resolveModel } from "./model-ref.ts";

/** A tool an agent can call: the neutral shape every Conclave tool source produces. */
export interface AgentTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments (or a zod schema). */
  inputSchema: unknown;
  execute(
    args: Record<string, unknown>,
    context: { signal: AbortSignal; config: NodeConfig },
  ): Promise<unknown> | unknown;
}

/** Runs the tool calls of one AI message; returns one tool message per call. */
export type ToolRunner = (
  calls: NonNullable<Message["tool_calls"]>,
  config: NodeConfig,
) => Promise<Message[]>;

export interface CreateAgentOptions {
  /** A model, or a gateway alias (calls are then routed, metered, budgeted and journaled). */
  model: ModelRef;
  /** Tools: `tool()` definitions (with approval, validation, timeouts) or neutral AgentTools (e.g. MCP). */
  tools?: (AgentTool | AnyTool)[];
  /** System instructions. */
  prompt?: string;
  /** Model turns before the loop ends with MaxStepsError. Default 25. */
  maxSteps?: number;
  /** Consecutive all-failing tool rounds before ToolErrorLimitError. Default 3. */
  maxToolErrors?: number;
  /** A zod schema: after the loop, the final answer is also given as `structuredResponse`. */
  responseFormat?: unknown;
  name?: string;
  /** Replaces the default tool executor (e.g. one that asks for approval). */
  runTools?: ToolRunner;
  /** Saves the conversation step by step (needed for interrupts and resume). */
  checkpointer?: CheckpointSaver;
}

/** The agent's state: the conversation plus loop bookkeeping. */
export const AgentState = Annotation.Root({
  ...MessagesAnnotation.spec,
  structuredResponse: Annotation<unknown>(),
  steps: Annotation<number, number>({ reducer: (a, b) => a + b, default: () => 0 }),
  toolErrorRounds: Annotation<number>({ reducer: (_a, b) => b, default: () => 0 }),
});

/**
 * A tool-calling agent as a graph: a model node that answers or asks for tools, and a tools node
 * that runs the calls concurrently and returns results (errors included) to the model.
 *
 * @example
 * const agent = createAgent({ model: { gateway, alias: "fast" }, tools: [search], prompt: "Be brief." });
 * await agent.invoke({ messages: [["user", "find X"]] });
 */
export function createAgent(
  options: CreateAgentOptions,
): CompiledStateGraph<typeof AgentState.State, typeof AgentState.Update> {
  const name = options.name ?? "agent";
  const tools = options.tools ?? [];
  const maxSteps = options.maxSteps ?? 25;
  const runner =
    options.runTools ??
    (tools.length > 0 && tools.every(isDefinedTool)
      ? approvalRunner(tools as AnyTool[])
      : defaultToolRunner(tools.map(asAgentTool), name));
  const graph = new StateGraph(AgentState)
    .addNode("model", async (state, config) => {
      if (state.steps >= maxSteps) throw new MaxStepsError(name, maxSteps);
      const model = resolveModel(options.model, config, name);
      const request = {
        model,
        instructions: options.prompt,
        messages: toModelMessages(state.messages),
        tools: tools.length > 0 ? toolSetOf(tools) : undefined,
        abortSignal: config.signal,
      };
      // Stream when someone is watching stream mode `messages`, so tokens show as they arrive.
      const content = config.conclave.streamsMessages
        ? await streamText(request).content
        : (await generateText(request)).content;
      const result = { content };
      const message = aiMessageFrom({ content: result.content as never }, crypto.randomUUID());
      return { messages: [{ ...message, name }], steps: 1 };
    })
    .addNode("tools", async (state, config) => {
      const last = state.messages.at(-1);
      const results = await runner(last?.tool_calls ?? [], config);
      const failed = results.length > 0 && results.every((m) => m.status === "error");
      const rounds = failed ? state.toolErrorRounds + 1 : 0;
      if (failed && rounds >= (options.maxToolErrors ?? 3))
        throw new ToolErrorLimitError(name, rounds, String(results[0]?.content));
      return { messages: results, toolErrorRounds: rounds };
    })
    .addNode("respond", async (state, config) => {
      const result = await generateText({
        model: resolveModel(options.model, config, name),
        instructions: options.prompt,
        messages: toModelMessages(state.messages),
        output: Output.object({ schema: options.responseFormat as never }),
        abortSignal: config.signal,
      });
      return { structuredResponse: result.output };
    })
    .addEdge(START, "model")
    .addConditionalEdges(
      "model",
      (state) => {
        const last = state.messages.at(-1);
        if ((last?.tool_calls?.length ?? 0) > 0) return "tools";
        return options.responseFormat ? "respond" : END;
      },
      ["tools", "respond", END],
    )
    .addEdge("tools", "model")
    .addEdge("respond", END);
  return graph.compile({ name, checkpointer: options.checkpointer });
}

function toolSetOf(tools: (AgentTool | AnyTool)[]): ToolSet {
  const set: ToolSet = {};
  for (const t of tools.map(asAgentTool)) {
    const schema = isZod(t.inputSchema) ? t.inputSchema : jsonSchema(t.inputSchema as never);
    set[t.name] = tool({ description: t.description, inputSchema: schema as never });
  }
  return set;
}

function isZod(value: unknown): boolean {
  return typeof value === "object" && value !== null && "_zod" in value;
}

/** Whether `t` came from `tool()` (zod schema, approval policy) rather than a neutral source. */
function isDefinedTool(t: AgentTool | AnyTool): t is AnyTool {
  return "jsonSchema" in t && "schema" in t;
}

function asAgentTool(t: AgentTool | AnyTool): AgentTool {
  if (!isDefinedTool(t)) return t;
  return {
    name: t.name,
    description: t.description,
    inputSchema: t.jsonSchema,
    execute: (args) => t.execute(args as never, { signal: new AbortController().signal }),
  };
}

/** Runs calls through `runTools`: validation, approvals (interrupts), timeouts, journaling. */
function approvalRunner(tools: AnyTool[]): ToolRunner {
  return async (calls, config) => {
    const results = await runTools(
      calls.map((c) => ({ id: c.id, name: c.name, args: c.args })),
      tools,
      config,
    );
    return toToolMessages(results).map((m) => toMessage({ ...m }));
  };
}

/** Runs calls concurrently; a failing tool becomes an error result the model can read. */
function defaultToolRunner(tools: AgentTool[], agent: string): ToolRunner {
  const byName = new Map(tools.map((t) => [t.name, t]));
  return async (calls, config) =>
    Promise.all(
      calls.map(async (call) => {
        const found = byName.get(call.name);
        const base = { type: "tool", tool_call_id: call.id, name: call.name };
        if (!found) {
          const known = [...byName.keys()].join(", ") || "(none)";
          return toMessage({
            ...base,
            content: `Error: agent "${agent}" has no tool "${call.name}". Available tools: ${known}.`,
            status: "error",
          });
        }
        try {
          const output = await config.conclave.effect(`tool:${call.name}`, () =>
            found.execute(call.args, { signal: config.signal, config }),
          );
          return toMessage({
            ...base,
            content: typeof output === "string" ? output : JSON.stringify(output),
            status: "success",
          });
        } catch (error) {
          // A pause (approval) is not a tool failure: let the engine save the step and wait.
          if (isGraphInterrupt(error)) throw error;
          return toMessage({
            ...base,
            content: `Error: ${(error as Error).message ?? String(error)}`,
            status: "error",
          });
        }
      }),
    );
}
