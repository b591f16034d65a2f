/**
 * The WebSocket protocol at `/ws`: JSON text messages, one object each, with a `type`.
 *
 * Authentication, one of:
 * - an `Authorization: Bearer <key>` or `x-api-key` header on the upgrade request;
 * - `?api_key=<key>` in the URL (browsers cannot set headers; the URL may reach access logs,
 *   so prefer the next one);
 * - a first message `{ "type": "auth", "key": "<key>" }` within 10 s.
 * The server answers `{ "type": "authenticated", "tenant", "scopes" }`. A key needs
 * `runs:read` or `runs:write` (chat needs `runs:write`). Failed authentication sends an
 * `error` and closes the socket with code 4000 + the HTTP status (4401, 4403, 4429).
 *
 * Client messages (`id` is optional on each; replies to that message echo it):
 * - `{ type: "subscribe", channel: "run", run_id, last_event_id? }`: the run's events
 *   (`metadata`, stream modes, `error`, `end`), replayed after `last_event_id`, then live. The
 *   subscription ends by itself after `end`.
 * - `{ type: "subscribe", channel: "thread", thread_id }`: the lifecycle of runs on the
 *   thread: first the active ones, then each status change.
 * - `{ type: "subscribe", channel: "queue" }`: the tenant's queue status now, then whenever
 *   its counts change (at most every 250 ms).
 * - `{ type: "unsubscribe", channel, run_id? | thread_id? }`; `channel: "chat"` with the chat's
 *   `run_id` stops streaming a chat (the run goes on).
 * - `{ type: "chat", assistant, thread?, messages | input }`: runs an assistant (a name, a
 *   graph id or an assistant id) on OpenAI-style `messages` (appended to the thread as
 *   given) or on a raw graph `input`, and streams it back.
 * - `{ type: "ping" }`: answered with `{ type: "pong" }`.
 *
 * Server messages:
 * - `{ type: "subscribed" | "unsubscribed", id?, channel, run_id? | thread_id? }`;
 * - `{ type: "event", channel: "run", run_id, event_id, event, data }`;
 * - `{ type: "event", channel: "thread", thread_id, event: "run", data: { run_id, status, ... } }`;
 * - `{ type: "event", channel: "queue", event: "status", data: QueueStatus }`;
 * - `{ type: "chat:start", id?, run_id, thread_id, assistant_id }`, then
 *   `{ type: "chat:token", id?, run_id, message_id, text }` per model token, then
 *   `{ type: "chat:end", id?, run_id, status, reply, values, error }`;
 * - `{ type: "error", id?, code, message }`: the request failed; the socket stays open.
 *
 * Every subscription is confined to the key's tenant: another tenant's run or thread is
 * reported as not found. A client that closes the socket cancels its chats still running.
 */
import { ConclaveError } from "@conclave/core";
import { z } from "zod";
import { chatMessageParam } from "../openai/schemas.ts";

const requestId = z.union([z.string().max(128), z.number()]).optional();

const subscribe = z.discriminatedUnion("channel", [
  z.object({
    type: z.literal("subscribe"),
    id: requestId,
    channel: z.literal("run"),
    run_id: z.string().min(1),
    last_event_id: z.number().int().nonnegative().optional(),
  }),
  z.object({
    type: z.literal("subscribe"),
    id: requestId,
    channel: z.literal("thread"),
    thread_id: z.string().min(1),
  }),
  z.object({ type: z.literal("subscribe"), id: requestId, channel: z.literal("queue") }),
]);

const unsubscribe = z.object({
  type: z.literal("unsubscribe"),
  id: requestId,
  channel: z.enum(["run", "thread", "queue", "chat"]),
  run_id: z.string().optional(),
  thread_id: z.string().optional(),
});

const chat = z
  .object({
    type: z.literal("chat"),
    id: requestId,
    assistant: z.string().min(1),
    thread: z.string().min(1).max(128).optional(),
    messages: z.array(chatMessageParam).min(1).optional(),
    input: z.unknown().optional(),
  })
  .refine((m) => (m.messages === undefined) !== (m.input === undefined), {
    message: "send either messages (OpenAI-style chat messages) or input (the raw graph input)",
  });

const ping = z.object({ type: z.literal("ping"), id: requestId });
const auth = z.object({ type: z.literal("auth"), id: requestId, key: z.string().min(1) });

// By type first, so a bad message gets the problems of the schema it meant, not of a union.
const BY_TYPE: Record<string, z.ZodType> = { subscribe, unsubscribe, chat, ping, auth };

export type SubscribeMessage = z.infer<typeof subscribe>;
export type UnsubscribeMessage = z.infer<typeof unsubscribe>;
export type ChatMessage = z.infer<typeof chat>;
export type ClientMessage =
  | SubscribeMessage
  | UnsubscribeMessage
  | ChatMessage
  | z.infer<typeof ping>
  | z.infer<typeof auth>;

/** A client message that cannot be understood (code `BAD_MESSAGE`). */
export class ProtocolError extends ConclaveError {
  constructor(message: string) {
    super("BAD_MESSAGE", message);
  }
}

/** Parses one text frame; throws ProtocolError saying what is wrong with it. */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError(
      `A message must be one JSON object; got ${JSON.stringify(text.slice(0, 60))}.`,
    );
  }
  const type = (value as { type?: unknown } | null)?.type;
  const schema = typeof type === "string" ? BY_TYPE[type] : undefined;
  if (!schema) {
    throw new ProtocolError(
      `Unknown message type ${JSON.stringify(type)}; use one of: ${Object.keys(BY_TYPE).join(", ")}.`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ProtocolError(`Invalid ${type} message: ${describeIssues(parsed.error)}.`);
  return parsed.data as ClientMessage;
}

/** A message to the client: a `type` and its fields (see the protocol above). */
export type ServerMessage = { type: string; id?: string | number } & Record<string, unknown>;

/** The key that names a subscription on one connection. */
export function subscriptionKey(message: {
  channel: string;
  run_id?: string;
  thread_id?: string;
}): string {
  if (message.channel === "queue") return "queue";
  return `${message.channel}:${message.channel === "thread" ? message.thread_id : message.run_id}`;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "message"}: ${issue.message}`)
    .join("; ");
}
