/**
 * Wake-ups across processes through LISTEN/NOTIFY, on one dedicated connection per store: LISTEN
 * belongs to a session, and a pooled connection would be handed to other queries.
 *
 * States:
 * - idle: no listeners and no connection;
 * - connecting: the first `subscribe` (or a reconnect) opens a client and runs LISTEN;
 * - listening: notifications are parsed and handed to every listener;
 * - waiting: the connection was lost (server restart, network, pg_terminate_backend); a timer
 *   reconnects with a doubling delay (50 ms up to 5 s), until a connect succeeds;
 * - back to idle when the last listener unsubscribes or the store closes.
 *
 * Notifications sent while the connection is down are lost (PostgreSQL keeps none for absent
 * listeners), so workers also claim on a timer. Errors never escape as `error` events, which
 * would crash the process; they go to `onError`.
 */
import { toError, type WakeEvent } from "@conclave/core";
import pg from "pg";

const MIN_DELAY_MS = 50;
const MAX_DELAY_MS = 5_000;

/** The LISTEN/NOTIFY side of {@link PostgresPlatformStore.subscribe}. */
export class WakeListener {
  readonly #config: pg.ClientConfig;
  readonly #channel: string;
  readonly #onError: (error: Error) => void;
  readonly #listeners = new Set<(event: WakeEvent) => void>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #delay = MIN_DELAY_MS;

  constructor(config: pg.ClientConfig, channel: string, onError: (error: Error) => void) {
    // Keepalive notices a dead peer that never closed the socket (a partition, a failover).
    this.#config = { ...config, keepAlive: true };
    this.#channel = channel;
    this.#onError = onError;
  }

  /**
   * Adds `listener` and resolves once the connection listens, so any change committed after
   * this returns is delivered. Fails (and adds nothing) when the database cannot be reached.
   */
  async subscribe(listener: (event: WakeEvent) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    try {
      await this.#ensure();
    } catch (error) {
      await this.#remove(listener);
      throw error;
    }
    return () => this.#remove(listener);
  }

  /** Drops every listener and closes the connection. */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#stop();
  }

  async #remove(listener: (event: WakeEvent) => void): Promise<void> {
    this.#listeners.delete(listener);
    if (this.#listeners.size === 0) await this.#stop();
  }

  #ensure(): Promise<void> {
    if (this.#client !== undefined) return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("the wake-up connection closed")));
    client.on("notification", (message) => this.#deliver(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.#channel}"`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    // Everyone unsubscribed while this connected: nobody needs it.
    if (this.#listeners.size === 0) return void (await client.end().catch(() => {}));
    this.#client = client;
    this.#delay = MIN_DELAY_MS;
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#onError(error);
    client.end().catch(() => {});
    this.#schedule();
  }

  #schedule(): void {
    if (this.#listeners.size === 0 || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#ensure().catch((error: unknown) => {
        this.#onError(toError(error));
        this.#delay = Math.min(this.#delay * 2, MAX_DELAY_MS);
        this.#schedule();
      });
    }, this.#delay);
  }

  async #stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await client.end().catch(() => {});
    // A connect in flight ends its own client once it sees no listeners.
    await this.#connecting?.catch(() => {});
  }

  #deliver(payload: string | undefined): void {
    let event: WakeEvent;
    try {
      event = JSON.parse(payload ?? "");
    } catch {
      return; // Not ours: someone else notified on this channel.
    }
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener must not stop the others or the connection.
      }
    }
  }
}
