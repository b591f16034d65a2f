/**
 * Stream mode `messages` for LangChain chat models, as LangGraph's `StreamMessagesHandler`:
 * a callback handler in each node's `config.callbacks` turns a chat model's tokens into
 * `[messageChunk, metadata]` events, and the messages a node returns that were not streamed are
 * emitted when it finishes. Models called through the Conclave gateway emit through
 * `config.conclave.message` instead.
 *
 * The handler is a plain object LangChain accepts as is (it has a `name`), so the engine needs no
 * import of `@langchain/core`.
 */
import { uuidV7 } from "../uuid-v7.ts";
import type { Task } from "./algo.ts";
import { isCommand } from "./command.ts";
import {
  isLangChainMessage,
  type LangChainMessage,
  loadLangChainMessages,
  withCallbackHandler,
} from "./langchain-context.ts";
import type { GraphLoop } from "./loop.ts";
import type { NodeConfig } from "./types.ts";

/** A message (or chunk) and the metadata it is streamed with. */
export type MessageEvent = [message: unknown, metadata: Record<string, unknown>];

/** What LangChain passes as the chunk of `handleLLMNewToken`. */
interface TokenFields {
  chunk?: { message?: unknown };
}

/** What LangChain passes to `handleLLMEnd`. */
interface LlmResult {
  generations?: { message?: unknown }[][];
}

/** The node a handler streams for. */
export interface StreamedNode {
  name: string;
  step: number;
  tags: readonly string[];
  metadata: Record<string, unknown>;
  /** The node's input: messages in it are not streamed again when the node returns them. */
  input: unknown;
}

const NO_STREAM_TAGS = ["nostream", "langsmith:nostream"];

/**
 * The callback handler of one task. LangChain calls it for every chat model run under the
 * task's config; `awaitHandlers` makes LangChain call it before the model call returns, so
 * tokens precede the node's update in the stream.
 *
 * A model run's states: started (its metadata kept, unless tagged `nostream`) -> streaming
 * (each token emitted under the run's stable message id) -> ended or failed (its entries
 * dropped; a run that ended without streaming emits its whole message once). Message ids it
 * emitted, and those in the node's input, are seen: a returned message with one of them is
 * not emitted again.
 */
export class StreamMessagesHandler {
  readonly name = "StreamMessagesHandler";
  readonly awaitHandlers = true;
  readonly raiseError = false;
  /** Asks chat models to stream even from `invoke`, so tokens arrive as they are made. */
  readonly lc_prefer_streaming = true;
  readonly ignoreChain = true;
  readonly ignoreAgent = true;
  readonly ignoreRetriever = true;
  readonly ignoreCustomEvent = true;
  readonly #emit: (event: MessageEvent) => void;
  readonly #node: StreamedNode;
  readonly #metadatas = new Map<string, Record<string, unknown>>();
  readonly #streamed = new Set<string>();
  readonly #stableIds = new Map<string, string>();
  readonly #seen = new Set<string>();

  constructor(node: StreamedNode, emit: (event: MessageEvent) => void) {
    this.#node = node;
    this.#emit = emit;
    markSeen(node.input, this.#seen);
  }

  /** LangChain copies handlers when it derives child managers; this one is shared. */
  copy(): this {
    return this;
  }

  handleChatModelStart(
    _llm: unknown,
    _messages: unknown,
    runId: string,
    _parentRunId?: string,
    _extraParams?: unknown,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    if (metadata === undefined || tags?.some((t) => NO_STREAM_TAGS.includes(t))) return;
    this.#metadatas.set(runId, { tags, name, ...metadata });
  }

  // Synchronous: some models do not await this callback, and their tokens must still precede
  // the node's end.
  handleLLMNewToken(
    token: string,
    _idx: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    fields?: TokenFields,
  ): void {
    this.#streamed.add(runId);
    const meta = this.#metadatas.get(runId);
    if (meta === undefined) return;
    const message = fields?.chunk?.message;
    this.#send(meta, isLangChainMessage(message) ? message : tokenChunk(token), runId);
  }

  handleLLMEnd(output: LlmResult, runId: string): void {
    const meta = this.#metadatas.get(runId);
    this.#metadatas.delete(runId);
    if (meta !== undefined && !this.#streamed.has(runId)) {
      const message = output.generations?.[0]?.[0]?.message;
      if (isLangChainMessage(message)) this.#send(meta, message, runId, { dedupe: true });
    }
    this.#streamed.delete(runId);
    this.#stableIds.delete(runId);
  }

  handleLLMError(_error: unknown, runId: string): void {
    this.#metadatas.delete(runId);
    this.#streamed.delete(runId);
    this.#stableIds.delete(runId);
  }

  /** Emits the messages of a node's return value that were not streamed already. */
  nodeReturned(output: unknown): void {
    const node = this.#node;
    const meta = {
      tags: [...node.tags, `graph:step:${node.step}`],
      name: node.name,
      ...node.metadata,
    };
    const runId = uuidV7();
    let index = 0;
    for (const message of returnedMessages(output, this.#seen)) {
      if (isLangChainMessage(message)) this.#send(meta, message, runId, { dedupe: true, index });
      index += 1;
    }
  }

  #send(
    meta: Record<string, unknown>,
    message: LangChainMessage | { type: string; content: string; id?: string },
    runId: string,
    options: { dedupe?: boolean; index?: number } = {},
  ): void {
    if (options.dedupe && message.id !== undefined && this.#seen.has(message.id)) return;
    const id = this.#messageId(message, runId, options.index);
    if (id !== message.id) {
      message.id = id;
      const kwargs = (message as LangChainMessage).lc_kwargs;
      if (kwargs !== undefined) kwargs.id = id;
    }
    this.#seen.add(id);
    this.#emit([message, meta]);
  }

  // LangGraph's ids: a tool message is named after its call, a returned message after its
  // position, and every chunk of one model run shares the id of its first chunk.
  #messageId(message: { id?: string; tool_call_id?: unknown }, runId: string, index?: number) {
    const toolCall = message.tool_call_id;
    if (isToolMessage(message) && typeof toolCall === "string")
      return message.id ?? `run-${runId}-tool-${toolCall}`;
    if (index !== undefined) return message.id ?? `run-${runId}-out-${index}`;
    let id = message.id;
    if (id === undefined || id === `run-${runId}`) id = this.#stableIds.get(runId) ?? id;
    id ??= `run-${runId}`;
    if (!this.#stableIds.has(runId)) this.#stableIds.set(runId, id);
    return id;
  }
}

/**
 * Loads `AIMessageChunk` before a `messages` stream starts (see {@link loadLangChainMessages}):
 * a model that reports a bare token (no chunk) then gets it streamed as an `AIMessageChunk`, as
 * under LangGraph. Without `@langchain/core` such a token streams as a plain message object.
 */
export async function loadMessageChunkClass(): Promise<void> {
  chunkClass = (await loadLangChainMessages())?.AIMessageChunk;
}

type ChunkClass = new (fields: { content: string }) => LangChainMessage;
let chunkClass: ChunkClass | undefined;

function tokenChunk(token: string): LangChainMessage | { type: string; content: string } {
  return chunkClass === undefined
    ? { type: "ai", content: token }
    : new chunkClass({ content: token });
}

function isToolMessage(message: unknown): boolean {
  return isLangChainMessage(message) && message._getType() === "tool";
}

/** Records the ids of the messages in a node's input (values, or lists of them). */
function markSeen(input: unknown, seen: Set<string>): void {
  if (typeof input !== "object" || input === null) return;
  for (const value of Object.values(input)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      const id = (item as { id?: unknown } | null)?.id;
      if (typeof id === "string" && isMessageLike(item)) seen.add(id);
    }
  }
}

// State holds messages as plain objects; LangGraph's state holds instances. Both count as seen.
function isMessageLike(value: unknown): boolean {
  if (isLangChainMessage(value)) return true;
  const record = value as { type?: unknown; content?: unknown } | null;
  return typeof record?.type === "string" && record.content !== undefined;
}

/**
 * The messages a node returned, in LangGraph's order (Commands' updates included): LangChain
 * instances, and the state's own messages passed back (instances in LangGraph's state, so they
 * count towards the positions that name id-less messages there too).
 */
function returnedMessages(output: unknown, seen: ReadonlySet<string>): unknown[] {
  const found: unknown[] = [];
  const take = (value: unknown) => {
    if (isLangChainMessage(value)) found.push(value);
    else if (isMessageLike(value) && seen.has((value as { id?: unknown }).id as string))
      found.push(value);
  };
  const visit = (value: unknown): void => {
    if (isCommand(value)) visit(value.update);
    else if (Array.isArray(value)) {
      const commands = value.some(isCommand);
      for (const item of value) (commands ? visit : take)(item);
    } else if (typeof value === "object" && value !== null && !isLangChainMessage(value)) {
      for (const field of Object.values(value)) (Array.isArray(field) ? visit : take)(field);
    } else take(value);
  };
  visit(output);
  return found;
}

/**
 * With stream mode `messages`, a handler in the node's `config.callbacks` streams the tokens of
 * LangChain chat models the node calls, and later the messages it returns.
 */
export function attachMessagesHandler(
  loop: GraphLoop,
  task: Task,
  config: NodeConfig,
): StreamMessagesHandler | undefined {
  const { sink, nsPath } = loop.options;
  if (!sink.modes.has("messages")) return undefined;
  const node = {
    name: task.name,
    step: loop.step + 1,
    tags: config.tags ?? [],
    metadata: config.metadata,
    input: task.input,
  };
  const handler = new StreamMessagesHandler(node, (event) => sink.emit(nsPath, "messages", event));
  config.callbacks = withMessagesHandler(config.callbacks, handler);
  return handler;
}

/**
 * `callbacks` for a node's config: the run's own callbacks (a list, or a LangChain
 * CallbackManager) without an outer node's messages handler, plus `handler`.
 */
export function withMessagesHandler(callbacks: unknown, handler: StreamMessagesHandler): unknown {
  return withCallbackHandler(callbacks, handler, (h) => h instanceof StreamMessagesHandler);
}
