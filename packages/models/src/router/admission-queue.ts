/**
 * The waiting line of one alias, and the router-wide change signal waiters sleep on.
 *
 * A ticket's life: entered (on arrival, ordered by priority, then arrival) -> head (no ticket
 * ahead of it; only the head may try to admit, so a higher-priority call is always admitted
 * before earlier lower-priority ones) -> left (admitted, failed, timed out or cancelled). Every
 * call passes through the line, even when it is empty, so arrivals cannot jump the queue.
 */

/** A place in an alias's line. */
export interface Ticket {
  readonly priority: number;
  readonly seq: number;
  readonly enteredAt: number;
}

/** A priority line of tickets: higher priority first, FIFO within a priority. */
export class AdmissionQueue {
  readonly #tickets: Ticket[] = [];
  #seq = 0;

  /** Calls waiting (or about to try admission). */
  get size(): number {
    return this.#tickets.length;
  }

  /** Adds a ticket behind every ticket of equal or higher priority. */
  enter(priority: number, now: number): Ticket {
    const ticket: Ticket = { priority, seq: this.#seq++, enteredAt: now };
    const index = this.#tickets.findIndex((t) => t.priority < priority);
    if (index < 0) this.#tickets.push(ticket);
    else this.#tickets.splice(index, 0, ticket);
    return ticket;
  }

  /** Whether `ticket` is first in line. */
  isHead(ticket: Ticket): boolean {
    return this.#tickets[0] === ticket;
  }

  /** Removes `ticket`; removing twice is harmless. */
  leave(ticket: Ticket): void {
    const index = this.#tickets.indexOf(ticket);
    if (index >= 0) this.#tickets.splice(index, 1);
  }
}

/**
 * A broadcast "something changed" signal: `next()` resolves at the following `notify()`.
 * Waiters re-check their condition after each wake, so spurious wakes are harmless.
 */
export class ChangeSignal {
  #resolve: (() => void) | undefined;
  #next: Promise<void> | undefined;

  /** A promise for the next notification. */
  next(): Promise<void> {
    this.#next ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#next;
  }

  /** Wakes everyone waiting on `next()`. */
  notify(): void {
    const resolve = this.#resolve;
    this.#next = undefined;
    this.#resolve = undefined;
    resolve?.();
  }
}
