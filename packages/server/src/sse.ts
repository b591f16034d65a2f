/**
 * Server-sent events. Each event carries its id, so a client that reconnects with
 * `Last-Event-ID` resumes after the last event it saw. A comment line every 15 s keeps
 * proxies from closing an idle stream; a client that disconnects aborts the reader.
 */
import type { FastifyReply, FastifyRequest } from "fastify";

export interface SseEvent {
  id?: number | string;
  event: string;
  data: unknown;
}

const HEARTBEAT_MS = 15_000;

// Open streams per app, so closing the app ends them instead of waiting on them forever.
const streams = new WeakMap<object, Set<AbortController>>();

function openStreams(req: FastifyRequest): Set<AbortController> {
  let open = streams.get(req.server);
  if (!open) {
    open = new Set();
    streams.set(req.server, open);
  }
  return open;
}

/** Ends every open stream of `app` (its clients reconnect elsewhere with Last-Event-ID). */
export function endStreams(app: object): void {
  for (const controller of streams.get(app) ?? []) controller.abort();
}

/** The id after which a reconnecting client resumes (0 when it sent none). */
export function lastEventId(req: FastifyRequest): number {
  const header = req.headers["last-event-id"];
  const value = Number(Array.isArray(header) ? header[0] : header);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/** Streams `events(signal)` to the client as SSE until it ends or the client leaves. */
export async function sendSse(
  req: FastifyRequest,
  reply: FastifyReply,
  events: (signal: AbortSignal) => AsyncIterable<SseEvent>,
  headers: Record<string, string> = {},
): Promise<void> {
  const controller = new AbortController();
  const close = () => controller.abort();
  req.raw.on("close", close);
  const open = openStreams(req);
  open.add(controller);
  reply.hijack();
  try {
    reply.raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-request-id": String(req.id),
      ...headers,
    });
  } catch (error) {
    // The reply is hijacked, so no error handler will answer: end the connection, not hang it.
    open.delete(controller);
    req.raw.off("close", close);
    reply.raw.destroy();
    throw error;
  }
  const heartbeat = setInterval(() => reply.raw.write(": heartbeat\n\n"), HEARTBEAT_MS);
  try {
    for await (const event of events(controller.signal)) {
      if (controller.signal.aborted) break;
      reply.raw.write(format(event));
    }
  } catch (error) {
    req.log.warn({ err: error }, "stream failed");
    reply.raw.write(
      format({ event: "error", data: { error: "StreamError", message: (error as Error).message } }),
    );
  } finally {
    clearInterval(heartbeat);
    req.raw.off("close", close);
    open.delete(controller);
    reply.raw.end();
  }
}

export function format(event: SseEvent): string {
  const id = event.id === undefined ? "" : `id: ${event.id}\n`;
  return `${id}event: ${event.event}\ndata: ${JSON.stringify(event.data ?? null)}\n\n`;
}
