/**
 * How run endpoints answer once a run is queued: as an SSE stream of its events (create-and-
 * stream, join-stream, resumable with `Last-Event-ID`), or, for wait and join, with the state
 * the run left.
 *
 * Run events live in this process's event bus. A run whose events this process does not hold
 * (it executed elsewhere, or finished so long ago that its events expired) streams `metadata`,
 * then its final state (or error) once it ends, then `end`.
 */
import type { JsonObject, Run } from "@conclave/core";
import type { RunEvent, Runtime } from "@conclave/runtime";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type SseEvent, sendSse } from "../sse.ts";
import { errorOut, LangGraphEventMapper, lastValues } from "./stream-events.ts";

const FAILED: readonly Run["status"][] = ["error", "timeout", "dead"];

/**
 * What wait and join return: the run's last state values (with `__interrupt__` when it paused),
 * or `{ __error__: { error, message } }` when it failed, which the SDK turns into a throw.
 */
export async function runOutput(runtime: Runtime, run: Run): Promise<unknown> {
  if (FAILED.includes(run.status)) return { __error__: errorOut(run.error) };
  return lastValues(runtime.events.snapshot(run.runId)) ?? (await cachedOutput(runtime, run));
}

// The thread's cache holds the latest run's state, which is this run's unless another ran since.
async function cachedOutput(runtime: Runtime, run: Run): Promise<unknown> {
  const thread = await runtime.store.threads.get(run.tenant, run.threadId);
  if (!thread) return null;
  const pending = Object.values(thread.interrupts).flat();
  if (run.status !== "interrupted" || pending.length === 0) return thread.values;
  return { ...((thread.values as JsonObject | null) ?? {}), __interrupt__: pending };
}

/** An AbortSignal that fires when the client goes away before the reply is complete. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("client disconnected"));
  });
  return controller.signal;
}

/** Waits for the run to end and answers like LangGraph's wait/join; may cancel a run left behind. */
export async function waitForRun(
  runtime: Runtime,
  reply: FastifyReply,
  run: Run,
  cancelOnDisconnect: boolean,
): Promise<unknown> {
  const gone = clientGone(reply);
  try {
    return await runOutput(runtime, await runtime.join(run.tenant, run.runId, gone));
  } catch (error) {
    if (!gone.aborted) throw error;
    if (cancelOnDisconnect) await cancelQuietly(runtime, run);
    return undefined;
  }
}

/** How `streamRun` serves one connection. */
export interface StreamOptions {
  /** Send only events after this id (the client's `Last-Event-ID`). */
  afterId: number;
  /** A join's subset of the run's stream modes. */
  only?: readonly string[];
  cancelOnDisconnect: boolean;
  /** The run's path (`/threads/:id/runs/:id` or `/runs/:id`), for Content-Location. */
  path: string;
}

/**
 * Streams the run as LangGraph SSE. `Location` names the join-stream endpoint, where the SDK
 * reconnects with `Last-Event-ID` after a dropped connection.
 */
export async function streamRun(
  runtime: Runtime,
  req: FastifyRequest,
  reply: FastifyReply,
  run: Run,
  options: StreamOptions,
): Promise<void> {
  const modes = (run.kwargs.streamMode as string[] | undefined) ?? [];
  const mapper = new LangGraphEventMapper(modes, options.only, run.threadId);
  const local = runtime.events.snapshot(run.runId) !== undefined;
  const gone = clientGone(reply);
  async function* events(signal: AbortSignal): AsyncGenerator<SseEvent> {
    const stop = AbortSignal.any([signal, gone]);
    try {
      const source = local
        ? runtime.stream(run.tenant, run.runId, 0, stop)
        : remoteEvents(runtime, run, stop);
      for await (const event of source) {
        const mapped = mapper.map(event);
        if (event.id > options.afterId) yield* mapped;
      }
    } finally {
      if (stop.aborted && options.cancelOnDisconnect) await cancelQuietly(runtime, run);
    }
  }
  await sendSse(req, reply, events, {
    "content-location": options.path,
    location: `${options.path}/stream`,
  });
}

/** The events of a run this process does not execute: its start, its result, its end. */
async function* remoteEvents(
  runtime: Runtime,
  run: Run,
  signal: AbortSignal,
): AsyncGenerator<RunEvent> {
  yield { id: 1, event: "metadata", data: { run_id: run.runId, attempt: run.attempt } };
  const ended = await runtime.join(run.tenant, run.runId, signal);
  if (FAILED.includes(ended.status)) yield { id: 2, event: "error", data: ended.error };
  else yield { id: 2, event: "values", data: await runOutput(runtime, ended) };
  yield { id: 3, event: "end", data: { status: ended.status } };
}

// The run may have ended (or been rolled back) meanwhile; there is then nothing to cancel.
async function cancelQuietly(runtime: Runtime, run: Run): Promise<void> {
  await runtime.cancel(run.tenant, run.runId, "interrupt", "client-disconnect").catch(() => {});
}
