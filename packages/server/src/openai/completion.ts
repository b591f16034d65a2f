/**
 * Chat completion replies: a whole `chat.completion` object, or a stream of
 * `chat.completion.chunk` server-sent events ending in `data: [DONE]`.
 *
 * Decision: what a stream carries. Nodes that call models through the gateway stream their
 * tokens, but a graph may call models several times (a tool-calling loop, a supervisor and
 * its workers), while the reply is only the last assistant message. The options were to
 * buffer until the end (no streaming at all), to stream only the last call (unknowable until
 * the run ends), or to stream every call's text and settle at the end. The last is used: model
 * calls are streamed as they happen, separated by a blank line, and when the run ends the
 * stream is completed so that it ends with the reply. A graph that makes one model call (or
 * streams no tokens at all) therefore streams exactly its reply.
 */
import type { Run } from "@conclave/core";
import type { Runtime } from "@conclave/runtime";
import type { FastifyReply } from "fastify";
import { abandonChat, type ChatOutcome, followChat } from "./chat-run.ts";
import { finishReasonOf, textOf, toOpenAiMessage, toolCallsOf } from "./convert.ts";
import { type OpenAiErrorBody, openAiError } from "./errors.ts";
import type { ChatCompletion, FinishReason } from "./schemas.ts";
import { completionUsage } from "./usage.ts";

const HEARTBEAT_MS = 15_000;

/** What every object of one completion shares. */
export interface CompletionBase {
  run: Run;
  model: string;
  /** Unix seconds. */
  created: number;
}

/** A run that did not produce a reply, as an HTTP status and OpenAI error; else undefined. */
export function failureOf(
  outcome: ChatOutcome,
): { status: number; body: OpenAiErrorBody } | undefined {
  if (outcome.status === "success" || outcome.status === "interrupted") return undefined;
  const status = outcome.status === "timeout" ? 504 : 500;
  const error = outcome.error ?? {
    code: `run_${outcome.status}`,
    message: `The run ended with status ${outcome.status} and no reply.`,
  };
  return { status, body: openAiError(status, `Run failed: ${error.message}`, error.code) };
}

/** The non-streaming reply of a run that succeeded (or paused at an interrupt). Pure. */
export function completionOf(base: CompletionBase, outcome: ChatOutcome): ChatCompletion {
  return {
    id: `chatcmpl-${base.run.runId}`,
    object: "chat.completion",
    created: base.created,
    model: base.model,
    choices: [
      {
        index: 0,
        message: toOpenAiMessage(outcome.reply),
        finish_reason: finishReasonOf(outcome.reply),
        logprobs: null,
      },
    ],
    usage: completionUsage(outcome.usage, outcome.output),
    conclave: {
      run_id: base.run.runId,
      thread_id: base.run.temporary ? null : base.run.threadId,
      status: outcome.status,
    },
  };
}

/** Options of {@link streamCompletion}. */
export interface StreamOptions {
  runtime: Runtime;
  reply: FastifyReply;
  base: CompletionBase;
  inputIds: readonly string[];
  includeUsage: boolean;
  headers: Record<string, string>;
}

/**
 * Streams the run as chunks. A client that disconnects cancels the run; a run that fails ends
 * the stream with an `error` object (OpenAI clients raise it) instead of `[DONE]`.
 */
export async function streamCompletion(options: StreamOptions): Promise<void> {
  const { reply, base } = options;
  const raw = reply.raw;
  const controller = new AbortController();
  const gone = () => {
    if (!raw.writableEnded) controller.abort();
  };
  raw.on("close", gone);
  reply.hijack();
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    ...options.headers,
  });
  const heartbeat = setInterval(() => raw.write(": keep-alive\n\n"), HEARTBEAT_MS);
  const send = (data: unknown) => raw.write(`data: ${JSON.stringify(data)}\n\n`);
  const chunks = chunkMaker(base, send);
  try {
    await streamRun(options, chunks, send, controller.signal);
  } catch (error) {
    reply.log.error({ err: error, runId: base.run.runId }, "chat completion stream failed");
    send(openAiError(500, `The stream failed; quote run id ${base.run.runId}.`, "stream_failed"));
  } finally {
    clearInterval(heartbeat);
    raw.off("close", gone);
    raw.end();
  }
}

async function streamRun(
  options: StreamOptions,
  chunks: ReturnType<typeof chunkMaker>,
  send: (data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  const { runtime, base } = options;
  chunks.delta({ role: "assistant", content: "" });
  const text = replyText((content) => chunks.delta({ content }));
  const outcome = await followChat(
    runtime,
    base.run,
    options.inputIds,
    { onToken: text.token },
    signal,
  );
  if (signal.aborted) return abandonChat(runtime, base.run);
  const failure = failureOf(outcome);
  if (failure) return void send(failure.body);
  text.finish(textOf(outcome.reply?.content));
  const calls = toolCallsOf(outcome.reply).map((call, index) => ({ index, ...call }));
  chunks.delta(calls.length > 0 ? { tool_calls: calls } : {}, finishReasonOf(outcome.reply));
  if (options.includeUsage) chunks.usage(completionUsage(outcome.usage, outcome.output));
  options.reply.raw.write("data: [DONE]\n\n");
}

function chunkMaker(base: CompletionBase, send: (data: unknown) => void) {
  const head = {
    id: `chatcmpl-${base.run.runId}`,
    object: "chat.completion.chunk",
    created: base.created,
    model: base.model,
  };
  return {
    delta(delta: Record<string, unknown>, finish: FinishReason | null = null): void {
      send({ ...head, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    },
    /** OpenAI's usage chunk: no choices, only `usage` (with `stream_options.include_usage`). */
    usage(usage: unknown): void {
      send({ ...head, choices: [], usage });
    },
  };
}

/**
 * The streamed text's state: the text of the model call streaming now, by message id. Each new
 * call after some text starts with a blank line; `finish` completes the stream with the reply.
 */
export function replyText(emit: (text: string) => void) {
  let any = false;
  let currentId: string | undefined;
  let current = "";
  return {
    token(text: string, messageId: string): void {
      if (messageId !== currentId) {
        if (current !== "") emit("\n\n");
        currentId = messageId;
        current = "";
      }
      emit(text);
      current += text;
      any = true;
    },
    finish(reply: string): void {
      if (reply === current || reply === "") return;
      if (current !== "" && reply.startsWith(current)) emit(reply.slice(current.length));
      else emit(any ? `\n\n${reply}` : reply);
    },
  };
}
