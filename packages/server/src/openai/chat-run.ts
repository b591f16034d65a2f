/**
 * A chat turn as a run, shared by `POST /v1/chat/completions` and the WebSocket chat channel:
 * submit the run with token streaming on, then follow its events to the end.
 *
 * Decision: where the final state comes from. A stateless run's thread is deleted as soon as
 * the run ends, so reading the thread afterwards races that clean-up. The run's event stream
 * has the state instead (its last top-level `values` event), and it is kept for two minutes
 * after the run ends. Like every stream in Conclave, this needs the run to execute in this
 * process: a run claimed by a worker of another process would be followed until the client
 * gives up.
 */
import type { Assistant, JsonObject, Message, Run, RunError } from "@conclave/core";
import { newId, type RunEvent, type Runtime } from "@conclave/runtime";
import { replyOf, runOutput, textOf } from "./convert.ts";
import { addCheckpointUsage, emptyCounts, type TokenCounts } from "./usage.ts";

/**
 * `values` gives the final state, `messages` the model tokens, `checkpoints` the metered usage
 * annotations; subgraphs are streamed so calls made inside them are counted too.
 */
export const CHAT_STREAM_MODES = ["values", "messages", "checkpoints"];

/** What to run: the input is `{ messages }` for OpenAI requests, anything for WebSocket chat. */
export interface ChatTurn {
  tenant: string;
  assistant: Assistant;
  /** A thread to run on; a stateless run (temporary thread) when absent. */
  thread?: string;
  input: unknown;
  /** Ids of the input messages, to tell the run's own output apart. */
  inputIds: readonly string[];
  metadata?: JsonObject;
}

/** How a followed run ended. `status` is "unknown" when following stopped early (signal). */
export interface ChatOutcome {
  status: Run["status"] | "unknown";
  error: RunError | null;
  /** The final state (the last top-level `values` event). */
  values: unknown;
  /** Messages the run added to the state. */
  output: Message[];
  reply: Message | undefined;
  usage: TokenCounts;
}

export interface ChatListener {
  /** A piece of model output text; `messageId` groups the pieces of one model call. */
  onToken?(text: string, messageId: string): void;
  onEvent?(event: RunEvent): void;
}

/**
 * Queues the turn's run. The event channel is opened first, so the worker that claims the run
 * streams it even if it does so before anyone subscribes.
 */
export async function submitChat(runtime: Runtime, turn: ChatTurn): Promise<Run> {
  const runId = newId();
  runtime.events.open(runId);
  try {
    return await runtime.submit({
      tenant: turn.tenant,
      assistant: turn.assistant.assistantId,
      thread: turn.thread,
      input: turn.input,
      metadata: turn.metadata,
      streamMode: CHAT_STREAM_MODES,
      streamSubgraphs: true,
      runId,
    });
  } catch (error) {
    // Closing lets the channel expire; an open channel with no run would stay forever.
    runtime.events.close(runId);
    throw error;
  }
}

/** Reads the run's events until it ends (or `signal` aborts), reporting tokens as they come. */
export async function followChat(
  runtime: Runtime,
  run: Run,
  inputIds: readonly string[],
  listener: ChatListener = {},
  signal?: AbortSignal,
): Promise<ChatOutcome> {
  const outcome: ChatOutcome = {
    status: "unknown",
    error: null,
    values: undefined,
    output: [],
    reply: undefined,
    usage: emptyCounts(),
  };
  for await (const event of runtime.events.subscribe(run.runId, 0, signal)) {
    listener.onEvent?.(event);
    apply(outcome, event, listener);
  }
  outcome.output = runOutput(outcome.values, inputIds);
  outcome.reply = replyOf(outcome.output);
  return outcome;
}

function apply(outcome: ChatOutcome, event: RunEvent, listener: ChatListener): void {
  const [mode, ...ns] = event.event.split("|");
  if (mode === "messages") {
    const token = tokenOf(event.data);
    if (token) listener.onToken?.(token.text, token.id);
  } else if (mode === "values" && ns.length === 0) outcome.values = event.data;
  else if (mode === "checkpoints") addCheckpointUsage(outcome.usage, event.data);
  else if (mode === "error") outcome.error = runErrorOf(event.data);
  else if (mode === "end") outcome.status = (event.data as { status: Run["status"] }).status;
}

/** The text of an AI message chunk of the `messages` stream ([chunk, metadata]), if any. */
export function tokenOf(data: unknown): { text: string; id: string } | undefined {
  const chunk = (Array.isArray(data) ? data[0] : undefined) as
    | { type?: string; content?: Message["content"]; id?: unknown }
    | undefined;
  // LangChain-built nodes stream chunks typed "AIMessageChunk"; the gateway streams "ai".
  if (!chunk || (chunk.type !== "ai" && chunk.type !== "AIMessageChunk")) return undefined;
  const text = textOf(chunk.content);
  return text === "" ? undefined : { text, id: typeof chunk.id === "string" ? chunk.id : "" };
}

function runErrorOf(data: unknown): RunError {
  const error = data as Partial<RunError> | null;
  return {
    code: typeof error?.code === "string" ? error.code : "RUN_FAILED",
    message: typeof error?.message === "string" ? error.message : "The run failed.",
  };
}

/**
 * Cancels the run of a client that went away before it ended: its reply would reach no one.
 * The checkpoints made so far are kept.
 */
export async function abandonChat(runtime: Runtime, run: Run): Promise<void> {
  try {
    await runtime.cancel(run.tenant, run.runId, "interrupt");
  } catch (error) {
    // The run may have ended meanwhile (RUN_FINISHED); anything else is worth a log line.
    if ((error as { code?: unknown }).code !== "RUN_FINISHED")
      runtime.logger.warn(
        { err: error, runId: run.runId },
        "could not cancel an abandoned chat run",
      );
  }
}
