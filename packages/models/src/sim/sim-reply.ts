/**
 * What a sim call answers, and the default answer when nothing is scripted. The default is
 * deterministic in (seed, model id, request): structured-output requests get a schema-valid
 * object, requests with tools call the best-matching tool once, everything else gets a short
 * text built from the conversation and prefixed `[simulated]`.
 */
import type { LanguageModelV4CallOptions, LanguageModelV4FunctionTool } from "@ai-sdk/provider";
import { type SchemaHints, sampleJsonSchema } from "./json-schema-value.ts";
import { type SeededRandom, seededRandom } from "./seeded-random.ts";
import { hasToolCall, lastToolResult, messageText, visitedWords, wordsOf } from "./sim-prompt.ts";

/** The label every simulated text starts with. */
export const SIM_TEXT_PREFIX = "[simulated]";

/** A successful answer: text (optionally with reasoning), a JSON object, or tool calls. */
export type SimContent =
  | string
  | { readonly text: string; readonly reasoning?: string }
  | { readonly object: unknown }
  | { readonly toolCalls: readonly { readonly toolName: string; readonly input: unknown }[] };

/**
 * A failure to inject:
 * - `error`: the call throws `error` (default: a retryable HTTP 500 `APICallError`);
 * - `rate-limit`: an `APICallError` with status 429, `isRetryable` and a `Retry-After` header;
 * - `timeout`: the call never answers and rejects only when its abort signal fires;
 * - `cut`: the stream breaks after `afterTokens` output tokens (default 3) of `reply`.
 */
export type SimFault =
  | { readonly fault: "error"; readonly error?: unknown }
  | { readonly fault: "rate-limit"; readonly retryAfterSeconds?: number }
  | { readonly fault: "timeout" }
  | { readonly fault: "cut"; readonly afterTokens?: number; readonly reply?: SimContent };

/** One scripted or computed reply. */
export type SimReply = SimContent | SimFault;

/** What a responder sees about a call. */
export interface SimRequest {
  readonly modelId: string;
  /** 0 for the provider's first call, counting every model of the provider. */
  readonly callIndex: number;
  /** The effective seed: the call's `seed` if set, else the provider's. */
  readonly seed: number;
  readonly options: LanguageModelV4CallOptions;
  /** The text of the last user message. */
  readonly lastUserText: string;
}

/**
 * Computes a reply; returning `undefined` falls back to {@link defaultReply}.
 * @example (request) => request.callIndex === 0 ? { fault: "rate-limit" } : undefined
 */
export type SimResponder = (
  request: SimRequest,
) => SimReply | undefined | PromiseLike<SimReply | undefined>;

/** The default reply for a request. Deterministic in seed, model id and request. Pure. */
export function defaultReply(request: SimRequest): SimContent {
  const { options } = request;
  const random = seededRandom(
    request.seed,
    request.modelId,
    options.prompt,
    options.responseFormat,
    options.tools,
  );
  const hints: SchemaHints = {
    words: conversationWords(options),
    visited: visitedWords(options.prompt),
  };
  const tool = chooseTool(options, request.lastUserText);
  if (tool) {
    return {
      toolCalls: [
        { toolName: tool.name, input: sampleJsonSchema(tool.inputSchema, random, hints) },
      ],
    };
  }
  if (options.responseFormat?.type === "json") {
    const schema = options.responseFormat.schema;
    return {
      object: schema
        ? sampleJsonSchema(schema, random, hints)
        : { answer: simulatedText(request, random) },
    };
  }
  return simulatedText(request, random);
}

function conversationWords(options: LanguageModelV4CallOptions): string[] {
  const words = options.prompt
    .filter((m) => m.role !== "system")
    .flatMap((m) => wordsOf(messageText(m)));
  return words.length > 0 ? words : ["simulated", "answer"];
}

/**
 * The tool to call, or `undefined`: honours `toolChoice`, calls at most once per conversation
 * unless a tool is required, and picks the tool whose name and description share the most words
 * with the last user request (ties: first tool). No overlap means no call unless required.
 */
export function chooseTool(
  options: LanguageModelV4CallOptions,
  userText: string,
): LanguageModelV4FunctionTool | undefined {
  const tools = (options.tools ?? []).filter(
    (t): t is LanguageModelV4FunctionTool => t.type === "function",
  );
  const choice = options.toolChoice ?? { type: "auto" };
  if (tools.length === 0 || choice.type === "none") return undefined;
  if (choice.type === "tool") return tools.find((t) => t.name === choice.toolName);
  if (choice.type === "auto" && hasToolCall(options.prompt)) return undefined;
  const request = new Set(wordsOf(userText));
  let best: { tool: LanguageModelV4FunctionTool; score: number } | undefined;
  for (const tool of tools) {
    const described = wordsOf(
      `${tool.name.replace(/[_-]|(?<=[a-z])(?=[A-Z])/g, " ")} ${tool.description ?? ""}`,
    );
    const score = new Set(described.filter((w) => request.has(w))).size;
    if (!best || score > best.score) best = { tool, score };
  }
  return best && (best.score > 0 || choice.type === "required") ? best.tool : undefined;
}

const FILLER = [
  "considered",
  "the",
  "request",
  "and",
  "summarised",
  "key",
  "points",
  "about",
  "next",
  "steps",
  "for",
];

function simulatedText(request: SimRequest, random: SeededRandom): string {
  const topic = request.lastUserText.replace(/\s+/g, " ").trim().slice(0, 60);
  const tool = lastToolResult(request.options.prompt);
  const head = tool
    ? `${tool.toolName} returned ${JSON.stringify(tool.output).slice(0, 80)}.`
    : topic
      ? `Re: "${topic}".`
      : "No request was given.";
  const words = [...conversationWords(request.options), ...FILLER];
  const body = Array.from({ length: random.int(8, 20) }, () => random.pick(words)).join(" ");
  return `${SIM_TEXT_PREFIX} ${head} ${body[0]!.toUpperCase()}${body.slice(1)}.`;
}
