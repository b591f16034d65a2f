/**
 * The in-process stream of each run's events (stream-mode chunks, then `end` or `error`), kept
 * for a while after the run ends so a client that reconnects with `Last-Event-ID` misses
 * nothing. Event ids count from 1 per run.
 */

export interface RunEvent {
  id: number;
  /** "metadata", a stream mode ("values", "updates", "messages"...), "error" or "end". */
  event: string;
  data: unknown;
}

interface Channel {
  events: RunEvent[];
  nextId: number;
  closed: boolean;
  waiters: Set<() => void>;
  expiry?: ReturnType<typeof setTimeout>;
}

export interface RunEventBusOptions {
  /** How long a finished run's events stay replayable. Default 120 s (LangGraph's TTL). */
  retainMs?: number;
  /** Most events kept per run; the oldest are dropped beyond it. Default 10,000. */
  maxEvents?: number;
}

export class RunEventBus {
  readonly #channels = new Map<string, Channel>();
  readonly #retainMs: number;
  readonly #maxEvents: number;

  constructor(options: RunEventBusOptions = {}) {
    this.#retainMs = options.retainMs ?? 120_000;
    this.#maxEvents = options.maxEvents ?? 10_000;
  }

  /** Whether anyone could read this run's events (so the worker knows to stream). */
  has(runId: string): boolean {
    return this.#channels.has(runId);
  }

  /** Opens a run's channel (idempotent); readers may subscribe before the run starts. */
  open(runId: string): void {
    if (!this.#channels.has(runId))
      this.#channels.set(runId, { events: [], nextId: 1, closed: false, waiters: new Set() });
  }

  publish(runId: string, event: string, data: unknown): void {
    const channel = this.#channels.get(runId);
    if (!channel || channel.closed) return;
    channel.events.push({ id: channel.nextId++, event, data });
    if (channel.events.length > this.#maxEvents) channel.events.shift();
    this.#wake(channel);
  }

  /**
   * The events kept for a run, without waiting: what a reader that joins now would replay.
   * Undefined when this process holds no channel for the run (it ran elsewhere, or expired).
   */
  snapshot(runId: string): RunEvent[] | undefined {
    return this.#channels.get(runId)?.events.slice();
  }

  /** Ends the run's stream; readers drain what is buffered, then stop. */
  close(runId: string): void {
    const channel = this.#channels.get(runId);
    if (!channel || channel.closed) return;
    channel.closed = true;
    this.#wake(channel);
    channel.expiry = setTimeout(() => this.#channels.delete(runId), this.#retainMs);
    channel.expiry.unref?.();
  }

  /** Events after `afterId` (0 for all kept), then live ones until the run's stream closes. */
  async *subscribe(runId: string, afterId = 0, signal?: AbortSignal): AsyncGenerator<RunEvent> {
    this.open(runId);
    const channel = this.#channels.get(runId)!;
    let last = afterId;
    while (!signal?.aborted) {
      const next = channel.events.filter((e) => e.id > last);
      for (const event of next) {
        last = event.id;
        yield event;
      }
      if (channel.closed && next.length === 0) return;
      if (next.length === 0) await this.#waitFor(channel, signal);
    }
  }

  /** Drops every channel (on shutdown). */
  clear(): void {
    for (const channel of this.#channels.values()) {
      if (channel.expiry) clearTimeout(channel.expiry);
      channel.closed = true;
      this.#wake(channel);
    }
    this.#channels.clear();
  }

  #wake(channel: Channel): void {
    const waiters = [...channel.waiters];
    channel.waiters.clear();
    for (const wake of waiters) wake();
  }

  #waitFor(channel: Channel, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener("abort", done);
        channel.waiters.delete(done);
        resolve();
      };
      channel.waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
