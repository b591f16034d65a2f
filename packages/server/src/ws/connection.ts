/**
 * One WebSocket connection (the protocol is described in `protocol.ts`).
 *
 * States:
 * - `waiting`: no key yet. Only `auth` is accepted, within AUTH_TIMEOUT_MS; anything else, or
 *   the timeout, closes the socket with 4401.
 * - `open`: authenticated. Subscriptions and chats run; a failed request sends an `error` and
 *   the socket stays open.
 * - `closed`: every subscription is stopped, and chats still running are cancelled.
 *
 * Messages are handled one at a time, in arrival order (the key check is async), so a
 * `subscribe` sent right behind `auth` is handled after it.
 */
import { type ApiKeyScope, ConclaveError } from "@conclave/core";
import type { Runtime } from "@conclave/runtime";
import type { FastifyBaseLogger, FastifyRequest } from "fastify";
import { HttpError } from "../errors.ts";
import type { Principal } from "../route.ts";
import { chatChannel } from "./chat-channel.ts";
import {
  type ClientMessage,
  parseClientMessage,
  type ServerMessage,
  type SubscribeMessage,
  subscriptionKey,
  type UnsubscribeMessage,
} from "./protocol.ts";
import { queueChannel } from "./queue-channel.ts";
import { runChannel } from "./run-channel.ts";
import type { Session, Subscription, WakeHub } from "./session.ts";
import { threadChannel } from "./thread-channel.ts";

const AUTH_TIMEOUT_MS = 10_000;
/** Most subscriptions (chats included) one connection may hold. */
const MAX_SUBSCRIPTIONS = 100;
/** A client this far behind in reading is disconnected rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const OPEN = 1;

/** The part of a `ws` socket a connection uses. */
export interface SocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: "message" | "close", listener: (data: unknown, isBinary?: boolean) => void): unknown;
}

/** What every connection of a server shares. */
export interface ConnectionContext {
  runtime: Runtime;
  hub: WakeHub;
  log: FastifyBaseLogger;
  authenticate(req: FastifyRequest, scope: ApiKeyScope): Promise<Principal>;
}

type RequestId = string | number | undefined;

const idOf = (id: RequestId) => (id === undefined ? {} : { id });

export class Connection {
  readonly #socket: SocketLike;
  readonly #ctx: ConnectionContext;
  readonly #tenantHeader: unknown;
  readonly #subscriptions = new Map<string, Subscription>();
  #state: "waiting" | "open" | "closed" = "waiting";
  #session: Session | undefined;
  #queue: Promise<void> = Promise.resolve();
  #authTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(socket: SocketLike, req: FastifyRequest, ctx: ConnectionContext) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.#tenantHeader = req.headers["x-tenant-id"];
  }

  /** Starts handling the socket: authenticates the key it came with, or waits for `auth`. */
  start(key: string | undefined): void {
    this.#socket.on("message", (data, isBinary) =>
      this.#enqueue(() => this.#onFrame(data, isBinary === true)),
    );
    this.#socket.on("close", () => this.close());
    if (key !== undefined) {
      this.#enqueue(() => this.#authenticate(key));
      return;
    }
    this.#authTimer = setTimeout(
      () =>
        this.#refuse(
          401,
          "UNAUTHENTICATED",
          'No API key within 10 s: send { "type": "auth", "key": ... } first.',
        ),
      AUTH_TIMEOUT_MS,
    );
  }

  /** Sends a message unless the socket is gone; a client too far behind is disconnected. */
  send(message: ServerMessage): void {
    if (this.#state === "closed" || this.#socket.readyState !== OPEN) return;
    if (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#socket.close(1008, "client too slow: over 16 MiB unread");
      this.close();
      return;
    }
    this.#socket.send(JSON.stringify(message));
  }

  /** Stops every subscription (cancelling running chats). Idempotent. */
  close(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    clearTimeout(this.#authTimer);
    for (const subscription of this.#subscriptions.values()) subscription.stop("close");
    this.#subscriptions.clear();
  }

  #enqueue(task: () => Promise<void> | void): void {
    this.#queue = this.#queue.then(task).catch((error) => {
      this.#ctx.log.error({ err: error }, "websocket message handling failed");
    });
  }

  async #onFrame(data: unknown, isBinary: boolean): Promise<void> {
    if (this.#state === "closed") return;
    let message: ClientMessage;
    try {
      if (isBinary)
        throw new HttpError(400, "BAD_MESSAGE", "Binary frames are not accepted; send JSON text.");
      message = parseClientMessage(String(data));
    } catch (error) {
      if (this.#state === "waiting")
        return this.#refuse(401, "UNAUTHENTICATED", (error as Error).message);
      return this.#fail(undefined, error);
    }
    try {
      await this.#handle(message);
    } catch (error) {
      this.#fail(message.id, error);
    }
  }

  async #handle(message: ClientMessage): Promise<void> {
    if (message.type === "auth") {
      if (this.#state === "open")
        throw new HttpError(
          400,
          "ALREADY_AUTHENTICATED",
          "This connection is already authenticated; open another one to use another key.",
        );
      return this.#authenticate(message.key);
    }
    if (this.#state === "waiting") {
      return this.#refuse(
        401,
        "UNAUTHENTICATED",
        `Authenticate before "${message.type}": send { "type": "auth", "key": ... } first, or connect with a key.`,
      );
    }
    if (message.type === "ping") return this.send({ type: "pong", ...idOf(message.id) });
    if (message.type === "subscribe") return this.#subscribe(message);
    if (message.type === "unsubscribe") return this.#unsubscribe(message);
    const session = this.#session!;
    return this.#add(message.id, (done) => chatChannel(session, message, done), false);
  }

  async #authenticate(key: string): Promise<void> {
    clearTimeout(this.#authTimer);
    let principal: Principal;
    try {
      principal = await this.#principalOf(key);
    } catch (error) {
      if (!(error instanceof ConclaveError))
        this.#ctx.log.error({ err: error }, "websocket authentication failed");
      const status = error instanceof HttpError ? error.status : 500;
      return this.#refuse(status, codeOf(error), messageOf(error));
    }
    if (this.#state === "closed") return;
    this.#state = "open";
    const { runtime, hub, log } = this.#ctx;
    this.#session = { runtime, hub, log, principal, send: (m) => this.send(m) };
    this.send({ type: "authenticated", tenant: principal.tenant, scopes: principal.scopes });
  }

  // The authenticator reads headers, so every way of sending the key goes through them.
  async #principalOf(key: string): Promise<Principal> {
    const req = {
      headers: { authorization: `Bearer ${key}`, "x-tenant-id": this.#tenantHeader },
    } as unknown as FastifyRequest;
    try {
      return await this.#ctx.authenticate(req, "runs:read");
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 403)) throw error;
      return this.#ctx.authenticate(req, "runs:write");
    }
  }

  #subscribe(message: SubscribeMessage): Promise<void> {
    const key = subscriptionKey(message);
    if (this.#subscriptions.has(key))
      throw new HttpError(
        409,
        "ALREADY_SUBSCRIBED",
        `This connection is already subscribed to ${key}.`,
      );
    const session = this.#session!;
    return this.#add(message.id, (done) => {
      if (message.channel === "run") return runChannel(session, message, done);
      if (message.channel === "thread") return threadChannel(session, message);
      return Promise.resolve(queueChannel(session));
    });
  }

  /** Creates a subscription, registers it, acknowledges it (unless `ack` is false), starts it. */
  async #add(
    id: RequestId,
    create: (done: () => void) => Promise<Subscription>,
    ack = true,
  ): Promise<void> {
    if (this.#subscriptions.size >= MAX_SUBSCRIPTIONS)
      throw new HttpError(
        429,
        "TOO_MANY_SUBSCRIPTIONS",
        `A connection holds at most ${MAX_SUBSCRIPTIONS} subscriptions; unsubscribe from some first.`,
      );
    let created: Subscription | undefined;
    const done = () => {
      if (created && this.#subscriptions.get(created.key) === created)
        this.#subscriptions.delete(created.key);
    };
    const subscription = await create(done);
    created = subscription;
    if (this.#state === "closed") return subscription.stop("close");
    this.#subscriptions.set(subscription.key, subscription);
    if (ack) this.send({ type: "subscribed", ...idOf(id), ...subscription.ack });
    subscription.start();
  }

  #unsubscribe(message: UnsubscribeMessage): void {
    const key = subscriptionKey(message);
    const subscription = this.#subscriptions.get(key);
    if (!subscription)
      throw new HttpError(404, "NOT_SUBSCRIBED", `This connection has no subscription ${key}.`);
    this.#subscriptions.delete(key);
    subscription.stop("unsubscribe");
    this.send({ type: "unsubscribed", ...idOf(message.id), ...subscription.ack });
  }

  #fail(id: RequestId, error: unknown): void {
    if (!(error instanceof ConclaveError))
      this.#ctx.log.error({ err: error }, "websocket request failed");
    this.send({ type: "error", ...idOf(id), code: codeOf(error), message: messageOf(error) });
  }

  /** Authentication failed: says why, then closes with 4000 + the HTTP status. */
  #refuse(status: number, code: string, message: string): void {
    this.send({ type: "error", code, message });
    this.#socket.close(4000 + status, code);
    this.close();
  }
}

function codeOf(error: unknown): string {
  return error instanceof ConclaveError ? error.code.toUpperCase() : "INTERNAL";
}

function messageOf(error: unknown): string {
  return error instanceof ConclaveError ? error.message : "Internal error; the server logged it.";
}
