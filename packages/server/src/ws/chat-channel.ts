/**
 * The chat channel: runs an assistant and streams the run back as `chat:start`, one
 * `chat:token` per piece of model output, and `chat:end` with the reply and the final state.
 * The run is the same one `POST /v1/chat/completions` makes, minus OpenAI's wire format.
 *
 * Messages are OpenAI-style and appended to the thread as given (a WebSocket client sends the
 * new turn, not the whole history, unlike OpenAI clients). A client that wants every stream
 * event, not just tokens, subscribes to the `run` channel with the run id from `chat:start`;
 * the events are kept, so it misses none.
 */
import type { Run } from "@conclave/core";
import { abandonChat, type ChatTurn, followChat, submitChat } from "../openai/chat-run.ts";
import { toGraphMessages } from "../openai/convert.ts";
import { resolveModel } from "../openai/models.ts";
import type { ChatMessage } from "./protocol.ts";
import { requireScope, type Session, type StopReason, type Subscription } from "./session.ts";

/** Submits the chat's run (needs `runs:write`); `done` is called once `chat:end` is sent. */
export async function chatChannel(
  session: Session,
  message: ChatMessage,
  done: () => void,
): Promise<Subscription> {
  const { runtime, principal } = session;
  requireScope(principal, "runs:write");
  const assistant = await resolveModel(runtime, principal.tenant, message.assistant);
  const messages = message.messages ? toGraphMessages(message.messages) : undefined;
  const turn: ChatTurn = {
    tenant: principal.tenant,
    assistant,
    thread: message.thread,
    input: messages ? { messages } : message.input,
    inputIds: messages?.map((m) => m.id) ?? [],
    metadata: { source: "websocket" },
  };
  const run = await submitChat(runtime, turn);
  return new ChatStream(session, turn, run, message.id, done);
}

class ChatStream implements Subscription {
  readonly key: string;
  readonly ack: Record<string, unknown>;
  readonly #session: Session;
  readonly #turn: ChatTurn;
  readonly #run: Run;
  /** The chat message's `id`, echoed on every reply. */
  readonly #id: { id?: string | number };
  readonly #done: () => void;
  readonly #controller = new AbortController();
  #ended = false;

  constructor(
    session: Session,
    turn: ChatTurn,
    run: Run,
    id: string | number | undefined,
    done: () => void,
  ) {
    this.#session = session;
    this.#turn = turn;
    this.#run = run;
    this.#id = id === undefined ? {} : { id };
    this.#done = done;
    this.key = `chat:${run.runId}`;
    this.ack = { channel: "chat", run_id: run.runId };
  }

  start(): void {
    this.#stream()
      .catch((error) =>
        this.#session.log.warn({ err: error, runId: this.#run.runId }, "chat stream failed"),
      )
      .finally(() => {
        if (!this.#controller.signal.aborted) this.#done();
      });
  }

  stop(reason: StopReason): void {
    this.#controller.abort();
    // Nobody is left to read the reply of a chat whose socket closed.
    if (reason === "close" && !this.#ended) void abandonChat(this.#session.runtime, this.#run);
  }

  async #stream(): Promise<void> {
    const run = this.#run;
    const head = { ...this.#id, run_id: run.runId };
    this.#session.send({
      type: "chat:start",
      ...head,
      thread_id: run.temporary ? null : run.threadId,
      assistant_id: this.#turn.assistant.assistantId,
    });
    const onToken = (text: string, messageId: string) =>
      this.#session.send({ type: "chat:token", ...head, message_id: messageId, text });
    const { runtime } = this.#session;
    const signal = this.#controller.signal;
    const outcome = await followChat(runtime, run, this.#turn.inputIds, { onToken }, signal);
    if (signal.aborted) return;
    this.#ended = true;
    this.#session.send({
      type: "chat:end",
      ...head,
      status: outcome.status,
      reply: outcome.reply ?? null,
      values: outcome.values ?? null,
      error: outcome.error,
    });
  }
}
