/**
 * The `queue` channel: the tenant's queue status, sent at once and then whenever its counts
 * change, at most every 250 ms.
 *
 * States of a refresh: idle -> scheduled (a wake-up arrived; the timer waits until 250 ms after
 * the last read) -> reading -> idle. A wake-up while reading schedules one more read, so the
 * last change is never lost. The store sends no wake-up when a worker claims a run, so while
 * runnable runs are waiting the channel reads again every second, to see them start.
 */
import type { QueueStatus } from "@conclave/core";
import type { Session, Subscription } from "./session.ts";

/** Least time between two reads of the queue status. */
export const QUEUE_THROTTLE_MS = 250;
/** Re-read interval while runnable runs wait for a worker. */
const BACKLOG_REFRESH_MS = 1_000;

// Ages grow every millisecond; a change worth sending is a change of the counts.
function countsOf(status: QueueStatus): string {
  const { oldestWaitingMs: _age, ...counts } = status;
  return JSON.stringify(counts);
}

/** Subscribes to the queue status of the session's tenant. */
export function queueChannel(session: Session): Subscription {
  return new QueueChannel(session);
}

class QueueChannel implements Subscription {
  readonly key = "queue";
  readonly ack = { channel: "queue" };
  readonly #session: Session;
  /** The counts last sent, to send only changes. */
  #last: string | undefined;
  #lastRead = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reading = false;
  #again = false;
  #stopped = false;
  #off: (() => void) | undefined;

  constructor(session: Session) {
    this.#session = session;
  }

  start(): void {
    const tenant = this.#session.principal.tenant;
    this.#off = this.#session.hub.on((event) => {
      if (event.tenant === tenant) this.#schedule();
    });
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    this.#off?.();
    clearTimeout(this.#timer);
  }

  /** Reads soon: no sooner than the throttle allows, and never two reads at once. */
  #schedule(delay = Math.max(0, this.#lastRead + QUEUE_THROTTLE_MS - Date.now())): void {
    if (this.#stopped || this.#timer !== undefined) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#timer = setTimeout(() => void this.#read(), delay);
  }

  async #read(): Promise<void> {
    this.#timer = undefined;
    this.#reading = true;
    this.#lastRead = Date.now();
    let backlog = false;
    try {
      const status = await this.#session.runtime.queueStatus(this.#session.principal.tenant);
      this.#sendIfChanged(status);
      backlog = status.pending - status.delayed > 0;
    } catch (error) {
      this.#session.log.warn({ err: error }, "queue channel could not read the queue status");
    } finally {
      this.#reading = false;
      if (this.#again) {
        this.#again = false;
        this.#schedule();
      } else if (backlog) this.#schedule(BACKLOG_REFRESH_MS);
    }
  }

  #sendIfChanged(status: QueueStatus): void {
    const counts = countsOf(status);
    if (this.#stopped || counts === this.#last) return;
    this.#last = counts;
    this.#session.send({ type: "event", channel: "queue", event: "status", data: status });
  }
}
