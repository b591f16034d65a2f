/**
 * The OpenAI wire formats the `/v1` routes speak, as zod schemas: requests are validated with
 * them and the OpenAPI document describes them. Requests are loose on purpose: chat UIs send
 * sampling parameters (temperature, max_tokens...) that a graph does not take, and rejecting
 * them would break those clients, so unknown fields are accepted and ignored.
 */
import { z } from "zod";

const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });

/** Text content: a string or text parts (system, developer and tool messages). */
const textContent = z.union([z.string(), z.array(textPart)]);

/** User content may also carry image, audio and file parts; they reach the graph unchanged. */
const userContent = z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]);

const toolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

/** One message of `messages`, by role. */
export const chatMessageParam = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content: textContent, name: z.string().optional() }),
  z.looseObject({
    role: z.literal("developer"),
    content: textContent,
    name: z.string().optional(),
  }),
  z.looseObject({ role: z.literal("user"), content: userContent, name: z.string().optional() }),
  z.looseObject({
    role: z.literal("assistant"),
    content: z.union([textContent, z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).optional(),
  }),
  z.looseObject({ role: z.literal("tool"), content: textContent, tool_call_id: z.string() }),
  z.looseObject({ role: z.literal("function"), content: z.string().nullable(), name: z.string() }),
]);

export type ChatMessageParam = z.infer<typeof chatMessageParam>;

/** `POST /v1/chat/completions`. */
export const chatCompletionRequest = z.looseObject({
  model: z.string().min(1, "name the assistant to talk to; GET /v1/models lists them"),
  messages: z.array(chatMessageParam).min(1, "send at least one message"),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  n: z
    .number()
    .int()
    .min(1)
    .max(1, "n > 1 is not supported: a graph run produces one reply; send separate requests")
    .nullish(),
  /** Stored as the run's metadata (OpenAI limits it to string values). */
  metadata: z.record(z.string(), z.string()).nullish(),
  /** The end user's id, kept in the run's metadata as `openai_user`. */
  user: z.string().optional(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

export const modelParams = z.object({ model: z.string() });

/** A model: an assistant the caller can talk to. */
export const modelObject = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string(),
  conclave: z.object({
    assistant_id: z.string(),
    graph_id: z.string(),
    description: z.string().nullable(),
  }),
});

export type ModelObject = z.infer<typeof modelObject>;

export const modelList = z.object({ object: z.literal("list"), data: z.array(modelObject) });

const usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int() }).optional(),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }).optional(),
});

export type CompletionUsage = z.infer<typeof usage>;

const assistantMessage = z.object({
  role: z.literal("assistant"),
  content: z.string().nullable(),
  refusal: z.null(),
  tool_calls: z
    .array(
      z.object({
        id: z.string(),
        type: z.literal("function"),
        function: z.object({ name: z.string(), arguments: z.string() }),
      }),
    )
    .optional(),
});

export type AssistantMessage = z.infer<typeof assistantMessage>;

export type FinishReason = "stop" | "tool_calls";

/** The non-streaming reply, with the run it came from under `conclave`. */
export const chatCompletion = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: assistantMessage,
      finish_reason: z.enum(["stop", "tool_calls"]),
      logprobs: z.null(),
    }),
  ),
  usage,
  conclave: z.object({
    run_id: z.string(),
    thread_id: z.string().nullable(),
    status: z.string(),
  }),
});

export type ChatCompletion = z.infer<typeof chatCompletion>;
