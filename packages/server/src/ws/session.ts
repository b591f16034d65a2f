/**
 * What a channel gets from its connection, and what it gives back. A channel is created by
 * an async factory that checks the request (tenant, scope, existence) and throws when it is
 * refused; the connection then acknowledges it and calls `start`, so the acknowledgement
 * always precedes the channel's first event.
 */
import type { ApiKeyScope, PlatformStore, WakeEvent } from "@conclave/core";
import type { Runtime } from "@conclave/runtime";
import type { FastifyBaseLogger } from "fastify";
import { HttpError } from "../errors.ts";
import type { Principal } from "../route.ts";
import type { ServerMessage } from "./protocol.ts";

/** An authenticated connection as channels see it. */
export interface Session {
  runtime: Runtime;
  principal: Principal;
  hub: WakeHub;
  log: FastifyBaseLogger;
  send(message: ServerMessage): void;
}

/** Why a subscription stops: the client asked, or the socket closed. */
export type StopReason = "unsubscribe" | "close";

/** A running channel on one connection. */
export interface Subscription {
  /** Unique per connection: `run:<id>`, `thread:<id>`, `queue`, `chat:<run id>`. */
  readonly key: string;
  /** Fields the `subscribed` acknowledgement carries (channel and ids). */
  readonly ack: Record<string, unknown>;
  start(): void;
  stop(reason: StopReason): void;
}

/** Whether the principal holds `scope` (admin holds every scope). Pure. */
export function hasScope(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes("admin") || principal.scopes.includes(scope);
}

/** Throws the 403 the HTTP API would give for a missing scope. */
export function requireScope(principal: Principal, scope: ApiKeyScope): void {
  if (hasScope(principal, scope)) return;
  throw new HttpError(
    403,
    "FORBIDDEN",
    `This API key lacks the "${scope}" scope this request needs; its scopes: ${principal.scopes.join(", ")}.`,
  );
}

// One store wake-up subscription is shared by every connection of a server and fanned out in
// process: thread and queue channels need wake-ups (`run.pending`, `run.finished`), and one
// subscription keeps a PostgreSQL store to its single LISTEN connection however many sockets
// are open, with one place to stop it on shutdown.

export type WakeListener = (event: WakeEvent) => void;

/** Fans wake-ups out to listeners; `on` returns the function that removes the listener. */
export interface WakeHub {
  on(listener: WakeListener): () => void;
  /** Settles once the store knows this hub waits for finishes (see {@link createWakeHub}). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** How long a declaration that the hub waits for every finish lasts; renewed at half of it. */
export const WATCH_ALL_MS = 60_000;

/**
 * Subscribes to the store's wake-ups and returns the hub over them. While it has listeners it
 * declares that it waits for every run's end (`watchFinish("*")`), renewed before it lapses,
 * so a store that announces finishes only to declared waiters announces them here.
 */
export async function createWakeHub(
  store: PlatformStore,
  log: Pick<FastifyBaseLogger, "warn">,
): Promise<WakeHub> {
  const listeners = new Set<WakeListener>();
  const unsubscribe = await store.subscribe((event) => {
    for (const listener of listeners) listener(event);
  });
  let renewal: ReturnType<typeof setInterval> | undefined;
  let declared: Promise<void> = Promise.resolve();
  const watchAll = () => {
    const now = Date.now();
    const until = new Date(now + WATCH_ALL_MS);
    declared = (store.watchFinish?.("*", until, new Date(now)) ?? Promise.resolve()).catch(
      (error: unknown) => {
        log.warn({ err: error }, "could not declare the wait for finished runs; retrying");
      },
    );
  };
  const stopWatching = () => {
    clearInterval(renewal);
    renewal = undefined;
  };
  return {
    on(listener) {
      listeners.add(listener);
      if (renewal === undefined && store.watchFinish) {
        watchAll();
        renewal = setInterval(watchAll, WATCH_ALL_MS / 2);
        renewal.unref?.();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stopWatching();
      };
    },
    ready: () => declared,
    async close() {
      listeners.clear();
      stopWatching();
      await unsubscribe();
    },
  };
}
