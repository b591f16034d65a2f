/**
 * LangGraph's `ToolNode` and `toolsCondition` (`@langchain/langgraph/prebuilt`), for LangChain
 * tools in a Conclave graph: the node runs the tool calls of the last AI message, in parallel,
 * and answers each with a tool message. Conclave's state holds plain messages, which LangGraph's
 * own ToolNode refuses; this one reads both plain messages and LangChain instances.
 */
import { END } from "../constants.ts";
import { ConclaveError } from "../errors.ts";
import type { ToolCall } from "../graph/messages.ts";
import { Command, isCommand, isSend } from "../pregel/command.ts";
import { isGraphInterrupt } from "../pregel/interrupt.ts";
import {
  isLangChainMessage,
  type LangChainMessage,
  loadLangChainMessages,
} from "../pregel/langchain-context.ts";
import type { TaskRuntime } from "../pregel/task-runtime.ts";

/** A LangChain tool (`tool(...)`, `StructuredTool`): what ToolNode needs of it. */
export interface ToolLike {
  name: string;
  invoke(call: ToolCall & { type: "tool_call" }, config?: unknown): Promise<unknown>;
}

/** How a ToolNode runs its tools (LangGraph's options). */
export interface ToolNodeOptions {
  name?: string;
  /** Added to the tags of the config each tool gets (`nostream` silences models in tools). */
  tags?: string[];
  /**
   * Whether a failing tool answers with an error message the model can read (the default), or
   * fails the node. An `interrupt()` inside a tool always pauses the run.
   */
  handleToolErrors?: boolean;
}

type MessageRecord = Record<string, unknown> & { tool_calls?: ToolCall[]; tool_call_id?: string };

/** Runs the pending tool calls of the last AI message; use it as a graph node. */
export class ToolNode {
  readonly tools: ToolLike[];
  readonly name: string;
  readonly tags: string[];
  readonly handleToolErrors: boolean;

  constructor(tools: ToolLike[], options: ToolNodeOptions = {}) {
    this.tools = tools;
    this.name = options.name ?? "tools";
    this.tags = options.tags ?? [];
    this.handleToolErrors = options.handleToolErrors ?? true;
  }

  /**
   * Input: the messages, a state with `messages`, or a `Send` payload with `lg_tool_call`.
   * Returns tool messages in the input's shape, or a list of Commands and updates when a tool
   * returned a Command.
   * @throws Error when the input holds no AI message.
   */
  async invoke(input: unknown, config: Record<string, unknown> = {}): Promise<unknown> {
    let outputs: unknown[];
    if (isToolCallPayload(input)) {
      const { lg_tool_call: call, ...state } = input;
      outputs = [await this.#run(call, config, state)];
    } else {
      const pending = pendingToolCalls(messagesOf(input));
      if (pending === undefined)
        throw new Error(
          "ToolNode found no AI message in its input: it runs the tool calls of the last AI message. Route to it only after a model answered (toolsCondition does).",
        );
      outputs = await Promise.all(pending.map((call) => this.#run(call, config, input)));
    }
    const wrap = (message: unknown) => (Array.isArray(input) ? [message] : { messages: [message] });
    if (!outputs.some(isCommand)) return Array.isArray(input) ? outputs : { messages: outputs };
    return combineCommands(outputs, wrap);
  }

  async #run(call: ToolCall, config: Record<string, unknown>, state: unknown): Promise<unknown> {
    const tool = this.tools.find((t) => t.name === call.name);
    try {
      // LangGraph's words: the model reads them, and prompts may rely on them.
      if (tool === undefined) throw new Error(`Tool "${call.name}" not found.`);
      const toolConfig = configFor(call, config, this.tags);
      const runtime = {
        ...toolConfig,
        state,
        toolCallId: call.id ?? "",
        config: toolConfig,
        context: config.context,
        store: config.store ?? null,
        writer: config.writer ?? null,
      };
      const output = await tool.invoke({ ...call, type: "tool_call" }, runtime);
      if (isCommand(output) || messageTypeOf(output) === "tool") return output;
      const content = typeof output === "string" ? output : JSON.stringify(output);
      return toolMessage({ status: "success", name: tool.name, content, tool_call_id: call.id });
    } catch (error) {
      if (!this.handleToolErrors || isEngineControl(error)) throw error;
      const message = (error as Error)?.message ?? String(error);
      return toolMessage({
        status: "error",
        content: `Error: ${message}\n Please fix your mistakes.`,
        name: call.name,
        tool_call_id: call.id ?? "",
      });
    }
  }
}

/**
 * Routes to `"tools"` when the last message asks for tool calls, else to `END`. Takes the
 * messages or a state with `messages`.
 */
export function toolsCondition(state: unknown): "tools" | typeof END {
  const messages = Array.isArray(state) ? state : (state as { messages?: unknown[] }).messages;
  const last = messages?.at(-1) as MessageRecord | undefined;
  return (last?.tool_calls?.length ?? 0) > 0 ? "tools" : END;
}

/**
 * The config a tool call gets: the node's, with the ToolNode's tags, and a runtime handle whose
 * effect journal is the call's own. Tool calls run in parallel, so journal positions counted
 * across the whole node would depend on which call got there first.
 */
function configFor(
  call: ToolCall,
  config: Record<string, unknown>,
  tags: readonly string[],
): Record<string, unknown> {
  const own = { ...config, tags: [...((config.tags as string[] | undefined) ?? []), ...tags] };
  const conclave = config.conclave as TaskRuntime | undefined;
  const key = call.id ?? call.name;
  return conclave?.scope ? { ...own, conclave: conclave.scope(`tool:${key}`) } : own;
}

/**
 * Errors that steer the run rather than report a tool's failure: a pause, a cancel, a lost
 * lease, a journal that no longer matches. A tool message would hide them from the engine.
 */
function isEngineControl(error: unknown): boolean {
  return (
    isGraphInterrupt(error) || (error instanceof ConclaveError && ENGINE_CODES.has(error.code))
  );
}

const ENGINE_CODES = new Set(["NONDETERMINISTIC_EFFECT", "LEASE_LOST", "CANCELLED"]);

function isToolCallPayload(
  input: unknown,
): input is { lg_tool_call: ToolCall; [key: string]: unknown } {
  return typeof input === "object" && input !== null && "lg_tool_call" in input;
}

function messagesOf(input: unknown): MessageRecord[] {
  const messages = Array.isArray(input) ? input : (input as { messages?: unknown })?.messages;
  if (!Array.isArray(messages))
    throw new Error(
      `ToolNode takes the messages or a state with "messages"; got ${describe(input)}.`,
    );
  return messages as MessageRecord[];
}

function describe(input: unknown): string {
  if (input === null || typeof input !== "object") return JSON.stringify(input) ?? String(input);
  return `an object with keys ${Object.keys(input).join(", ") || "(none)"}`;
}

/**
 * The last AI message's tool calls that no tool message answers yet; undefined when there is
 * no AI message.
 */
export function pendingToolCalls(messages: readonly unknown[]): ToolCall[] | undefined {
  const records = messages as MessageRecord[];
  const answered = new Set(
    records.filter((m) => messageTypeOf(m) === "tool").map((m) => m.tool_call_id),
  );
  const ai = records.findLast((m) => messageTypeOf(m) === "ai");
  return ai && (ai.tool_calls ?? []).filter((c) => c.id == null || !answered.has(c.id));
}

/** A message's type, for LangChain instances and plain messages alike. */
export function messageTypeOf(message: unknown): string | undefined {
  if (isLangChainMessage(message)) return message._getType();
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === "string" ? type : undefined;
}

/** A LangChain `ToolMessage` when LangChain is there (it is, for LangChain tools), else plain. */
async function toolMessage(fields: Record<string, unknown>): Promise<LangChainMessage | object> {
  const ToolMessage = (await loadLangChainMessages())?.ToolMessage;
  return ToolMessage ? new ToolMessage(fields) : { type: "tool", ...fields };
}

/** LangGraph's combination: Commands as they are, messages wrapped, parent Sends merged. */
function combineCommands(outputs: unknown[], wrap: (message: unknown) => unknown): unknown[] {
  const combined: unknown[] = [];
  let parentSends: Command | undefined;
  for (const output of outputs) {
    if (!isCommand(output)) {
      combined.push(wrap(output));
      continue;
    }
    const goto = output.goto;
    if (output.graph === Command.PARENT && Array.isArray(goto) && goto.every(isSend)) {
      if (parentSends) (parentSends.goto as unknown[]).push(...goto);
      else parentSends = new Command({ graph: Command.PARENT, goto: [...goto] });
    } else combined.push(output);
  }
  if (parentSends) combined.push(parentSends);
  return combined;
}
