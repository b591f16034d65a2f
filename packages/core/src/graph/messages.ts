import { InvalidUpdateError } from "../errors.ts";
import { Annotation } from "./annotation.ts";

/** A message kind, using LangChain's serialised names. */
export type MessageType = "human" | "ai" | "system" | "tool" | "remove" | "function" | "generic";

export interface ToolCall {
  id?: string;
  name: string;
  args: Record<string, unknown>;
  type?: "tool_call";
}

/** A part of multimodal content (text, image, tool use...): always typed, as LangChain's. */
export interface ContentBlock {
  type: string;
  [key: string]: unknown;
}

/**
 * A chat message as stored in state: a plain object (not a class instance), so it serialises
 * safely and reads back identically.
 */
export interface Message {
  type: MessageType;
  content: string | ContentBlock[];
  id: string;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  additional_kwargs?: Record<string, unknown>;
  response_metadata?: Record<string, unknown>;
  usage_metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What the messages reducer accepts: plain objects, OpenAI-style roles, tuples, strings, or LangChain message instances. */
export type MessageLike =
  | string
  | [role: string, content: string]
  | { role: string; content: unknown; [key: string]: unknown }
  | { type?: string; content: unknown; id?: string; [key: string]: unknown }
  | LangChainMessageInstance;

/**
 * A `@langchain/core` message (`AIMessage`, `ToolMessage`...), typed by shape. Class instances
 * have no index signature, so they need their own member of {@link MessageLike}.
 */
export interface LangChainMessageInstance {
  content: unknown;
  id?: string;
  _getType(): string;
}

/** Passing a `remove` message with this id clears the whole list. */
export const REMOVE_ALL_MESSAGES = "__remove_all__";

const ROLE_TO_TYPE: Record<string, MessageType> = {
  user: "human",
  human: "human",
  assistant: "ai",
  ai: "ai",
  system: "system",
  developer: "system",
  tool: "tool",
  remove: "remove",
  function: "function",
};

function typeOf(raw: Record<string, unknown>): MessageType | undefined {
  const getType =
    (raw as { _getType?: () => string; getType?: () => string }).getType ??
    (raw as { _getType?: () => string })._getType;
  const name = typeof getType === "function" ? getType.call(raw) : (raw.type ?? raw.role);
  return typeof name === "string" ? ROLE_TO_TYPE[name] : undefined;
}

const COPIED_FIELDS = [
  "name",
  "tool_calls",
  "tool_call_id",
  "additional_kwargs",
  "response_metadata",
  "usage_metadata",
  "invalid_tool_calls",
  "status",
  "artifact",
] as const;

/** Normalises one message-like value into a plain `Message` with an id. */
export function toMessage(value: MessageLike): Message {
  if (typeof value === "string") return { type: "human", content: value, id: crypto.randomUUID() };
  if (Array.isArray(value)) return toMessage({ role: value[0], content: value[1] });
  if (typeof value !== "object" || value === null) {
    throw new InvalidUpdateError(
      `Cannot read a chat message from ${JSON.stringify(value)}. Pass a string, [role, content], or { role | type, content }.`,
      "INVALID_MESSAGE",
    );
  }
  const raw = value as Record<string, unknown>;
  const type = typeOf(raw);
  if (!type) {
    throw new InvalidUpdateError(
      `Message has an unknown role/type ${JSON.stringify(raw.role ?? raw.type)}. Use one of: user, assistant, system, tool (or human, ai).`,
      "INVALID_MESSAGE",
    );
  }
  const id = typeof raw.id === "string" && raw.id !== "" ? raw.id : crypto.randomUUID();
  const message: Message = { type, content: (raw.content ?? "") as Message["content"], id };
  for (const field of COPIED_FIELDS) {
    const v = raw[field];
    if (
      v !== undefined &&
      v !== null &&
      !(Array.isArray(v) && v.length === 0 && field !== "tool_calls")
    ) {
      (message as Record<string, unknown>)[field] = v;
    }
  }
  if (type === "ai" && message.tool_calls === undefined) message.tool_calls = [];
  return message;
}

/**
 * Appends messages, replacing any with the same id and deleting those named by a `remove`
 * message. Unchanged messages keep their identity, so checkpoints store only what changed. Pure.
 */
export function messagesStateReducer(
  left: MessageLike | MessageLike[],
  right: MessageLike | MessageLike[],
): Message[] {
  const current = asList(left).map(asMessage);
  const incoming = asList(right).map(asMessage);
  const merged = current.slice();
  const index = new Map<string, number>();
  for (let i = 0; i < merged.length; i++) index.set(merged[i]!.id, i);
  const removed = new Set<string>();
  for (const message of incoming) {
    if (message.type === "remove") {
      if (message.id === REMOVE_ALL_MESSAGES) {
        merged.length = 0;
        index.clear();
        continue;
      }
      if (!index.has(message.id)) {
        throw new InvalidUpdateError(
          `Attempting to delete a message with an id that doesn't exist ('${message.id}').`,
          "INVALID_MESSAGE",
        );
      }
      removed.add(message.id);
      continue;
    }
    const at = index.get(message.id);
    if (at === undefined) {
      index.set(message.id, merged.length);
      merged.push(message);
    } else {
      merged[at] = message;
      removed.delete(message.id);
    }
  }
  return removed.size === 0 ? merged : merged.filter((m) => !removed.has(m.id));
}

function asList(value: MessageLike | MessageLike[]): MessageLike[] {
  return Array.isArray(value) && !isTuple(value)
    ? (value as MessageLike[])
    : [value as MessageLike];
}

function isTuple(value: unknown[]): boolean {
  return (
    value.length === 2 &&
    typeof value[0] === "string" &&
    typeof value[1] === "string" &&
    ROLE_TO_TYPE[value[0]] !== undefined
  );
}

function asMessage(value: MessageLike): Message {
  const v = value as Partial<Message>;
  // Messages already in state keep their identity, which is what makes append deltas cheap.
  if (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    typeof v.id === "string" &&
    typeof v.type === "string" &&
    Object.getPrototypeOf(v) === Object.prototype &&
    ROLE_TO_TYPE[v.type]
  ) {
    return v as Message;
  }
  return toMessage(value);
}

/** A ready state definition with an id-aware `messages` list. */
export const MessagesAnnotation = Annotation.Root({
  messages: Annotation<Message[], MessageLike | MessageLike[]>({
    reducer: messagesStateReducer,
    default: () => [],
  }),
});
