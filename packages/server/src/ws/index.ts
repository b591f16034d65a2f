/**
 * The WebSocket endpoint `/ws`: subscriptions to runs, threads and the queue, and a chat
 * channel that streams model tokens. The protocol is described in `protocol.ts`.
 *
 * @example
 * const app = await buildServer({ runtime, keys, extensions: [webSocketApi] });
 * // browser: const ws = new WebSocket(`${url}/ws`); ws.onopen = () => ws.send(JSON.stringify({ type: "auth", key }));
 */
import websocket from "@fastify/websocket";
import type { FastifyRequest } from "fastify";
import type { ServerExtension } from "../app.ts";
import { presentedKey } from "../auth.ts";
import { Connection } from "./connection.ts";
import { createWakeHub } from "./session.ts";

/** Largest accepted client message (a chat may carry a long conversation). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** A connection that answers no ping for this long is dropped. */
const HEARTBEAT_MS = 30_000;

/** The part of a `ws` socket the heartbeat uses. */
interface Pingable {
  ping(): void;
  terminate(): void;
  on(event: "pong" | "close", listener: () => void): unknown;
}

/**
 * Serves `/ws`. The WebSocket plugin is registered in its own encapsulated context, so it
 * does not change how the app's other routes are handled.
 */
export const webSocketApi: ServerExtension = async (app, ctx) => {
  const hub = await createWakeHub(ctx.runtime.store, app.log);
  app.addHook("onClose", () => hub.close());
  await app.register(async (scope) => {
    await scope.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES } });
    scope.get("/ws", { websocket: true }, (socket, req) => {
      const connection = new Connection(socket, req, {
        runtime: ctx.runtime,
        hub,
        log: req.log,
        authenticate: ctx.authenticate,
      });
      keepAlive(socket);
      connection.start(keyOf(req));
    });
  });
};

/** The key the upgrade request carries: a header, or `?api_key=` (browsers set no headers). */
function keyOf(req: FastifyRequest): string | undefined {
  const fromHeader = presentedKey(req);
  if (fromHeader !== undefined) return fromHeader;
  const fromQuery = (req.query as { api_key?: unknown } | undefined)?.api_key;
  return typeof fromQuery === "string" && fromQuery.length > 0 ? fromQuery : undefined;
}

// Proxies drop idle connections and dead peers send no close frame; pings catch both.
function keepAlive(socket: Pingable): void {
  let alive = true;
  socket.on("pong", () => {
    alive = true;
  });
  const timer = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, HEARTBEAT_MS);
  timer.unref?.();
  socket.on("close", () => clearInterval(timer));
}

export type { ServerMessage } from "./protocol.ts";
export { QUEUE_THROTTLE_MS } from "./queue-channel.ts";
