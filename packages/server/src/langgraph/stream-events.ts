/**
 * A run's events (as the runtime publishes them, named by engine stream mode) in LangGraph
 * Platform's SSE vocabulary:
 * - `messages-tuple` clients get the engine's `messages` tuples as `messages` events;
 * - legacy `messages` clients get `messages/metadata` when a message first streams,
 *   `messages/partial` with the message so far on every chunk, and `messages/complete` when
 *   the message appears in the state;
 * - `error` carries `{ error, message }`, the shape the SDK's StreamError reads;
 * - other modes pass through, with `|namespace` suffixes for subgraphs.
 *
 * The mapper is stateful (partial messages accumulate), so a resumed stream replays the run's
 * events from the first through a fresh mapper and sends only those after `Last-Event-ID`;
 * each output event keeps the id of the event it came from.
 */
import { INTERRUPT, type JsonObject } from "@conclave/core";
import type { RunEvent } from "@conclave/runtime";
import type { SseEvent } from "../sse.ts";

interface Message {
  id?: unknown;
  content?: unknown;
  [key: string]: unknown;
}

/** Maps one run's events, in order, to LangGraph SSE events. Stateful: one per connection. */
export class LangGraphEventMapper {
  readonly #modes: Set<string>;
  readonly #threadId: string;
  readonly #partial = new Map<string, Message>();
  readonly #completed = new Set<string>();

  /**
   * @param runModes the modes the run was created with (none means `values`)
   * @param only a join's narrower choice among them
   */
  constructor(runModes: readonly string[], only: readonly string[] | undefined, threadId: string) {
    const modes = runModes.length > 0 ? runModes : ["values"];
    this.#modes = new Set(modes.filter((mode) => !only || only.includes(mode)));
    this.#threadId = threadId;
  }

  /** The SSE events one run event becomes (none, one, or several). */
  map(event: RunEvent): SseEvent[] {
    const { id, data } = event;
    if (event.event === "metadata")
      return [
        { id, event: "metadata", data: { ...(data as JsonObject), thread_id: this.#threadId } },
      ];
    if (event.event === "error") return [{ id, event: "error", data: errorOut(data) }];
    if (event.event === "end") return [{ id, event: "end", data }];
    const [mode = "", ...ns] = event.event.split("|");
    const suffix = ns.length > 0 ? `|${ns.join("|")}` : "";
    const out: SseEvent[] = [];
    const add = (name: string, payload: unknown) =>
      out.push({ id, event: `${name}${suffix}`, data: payload });
    if (mode === "messages") {
      if (this.#modes.has("messages-tuple")) add("messages", data);
      if (this.#modes.has("messages"))
        for (const [name, payload] of this.#partials(data)) add(name, payload);
    } else if (mode === "values") {
      if (this.#modes.has("values")) add("values", data);
      const done = this.#modes.has("messages") ? this.#newMessages(data) : [];
      if (done.length > 0) add("messages/complete", done);
    } else if (this.#modes.has(mode)) add(mode, data);
    return out;
  }

  #partials(data: unknown): [string, unknown][] {
    const [chunk, metadata] = data as [Message, unknown];
    if (typeof chunk?.id !== "string") return [];
    const before = this.#partial.get(chunk.id);
    const merged: Message = before
      ? { ...before, ...chunk, content: concat(before.content, chunk.content) }
      : chunk;
    this.#partial.set(chunk.id, merged);
    const partial: [string, unknown] = ["messages/partial", [merged]];
    return before ? [partial] : [["messages/metadata", { [chunk.id]: { metadata } }], partial];
  }

  #newMessages(values: unknown): Message[] {
    const messages = (values as { messages?: unknown } | null)?.messages;
    if (!Array.isArray(messages)) return [];
    const fresh = (messages as Message[]).filter(
      (m) => typeof m?.id === "string" && !this.#completed.has(m.id),
    );
    for (const message of fresh) this.#completed.add(message.id as string);
    return fresh;
  }
}

function concat(before: unknown, chunk: unknown): unknown {
  return typeof before === "string" && typeof chunk === "string" ? before + chunk : chunk;
}

/** A runtime error (`{ code, message }`) as LangGraph's `{ error, message }`. Pure. */
export function errorOut(data: unknown): { error: string; message: string } {
  const { code, message } = (data ?? {}) as { code?: unknown; message?: unknown };
  return {
    error: typeof code === "string" ? code : "Error",
    message: typeof message === "string" ? message : "The run failed.",
  };
}

/**
 * The state a run left, from its retained `values` events: the last full chunk, with the
 * `__interrupt__` chunk of a paused run merged in. Undefined when none were kept (the run
 * executed in another process, or its events expired).
 */
export function lastValues(events: readonly RunEvent[] | undefined): JsonObject | undefined {
  let last: JsonObject | undefined;
  for (const event of events ?? []) {
    if (event.event !== "values") continue;
    const chunk = event.data as JsonObject;
    last = INTERRUPT in chunk ? { ...(last ?? {}), ...chunk } : chunk;
  }
  return last;
}
