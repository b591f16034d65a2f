/**
 * Group commit for audit appends over a network database. Each tenant's chain has one head
 * row, and every append holds that row's lock for a few round trips; writing each `append`
 * call in its own transaction would cap a busy tenant at one transaction per lock hold. The
 * queue instead writes everything that arrived while the previous write was in flight as one
 * batch, in call order.
 *
 * States: `idle` (nothing in flight; an `enqueue` starts a write at once) -> `writing` (one
 * batch in flight; new calls wait in `pending`) -> back to `idle` when `pending` is empty.
 *
 * Each call stays atomic: its events are committed together or not at all. When the database
 * rejected a batch (`isRejection`: the transaction certainly rolled back, e.g. a constraint
 * failed), the calls are retried one by one, so only the failing call fails. Any other error
 * (a lost connection, whose commit may or may not have happened) fails the whole group rather
 * than risk writing events twice.
 */
import type { AuditEvent } from "./types.ts";
import type { PreparedAuditEvent } from "./validate.ts";

interface Pending {
  events: PreparedAuditEvent[];
  resolve: (events: AuditEvent[]) => void;
  reject: (error: unknown) => void;
}

/** Writes one batch in one transaction and returns the stored events in batch order. */
export type AuditBatchWriter = (events: PreparedAuditEvent[]) => Promise<AuditEvent[]>;

/** Options of {@link AuditAppendQueue}. */
export interface AuditAppendQueueOptions {
  /** Calls are grouped until a batch holds this many events (default 5000). */
  maxEvents?: number;
  /** Whether an error proves the batch rolled back, so its calls may be retried one by one. */
  isRejection?: (error: unknown) => boolean;
}

/**
 * Serialises an adapter's appends into group commits; see the module comment.
 * @example
 * const queue = new AuditAppendQueue((batch) => this.#writeInOneTransaction(batch));
 * return queue.enqueue(prepare(events));
 */
export class AuditAppendQueue {
  readonly #write: AuditBatchWriter;
  readonly #maxEvents: number;
  readonly #isRejection: (error: unknown) => boolean;
  #pending: Pending[] = [];
  #writing = false;

  constructor(write: AuditBatchWriter, options: AuditAppendQueueOptions = {}) {
    this.#write = write;
    this.#maxEvents = options.maxEvents ?? 5000;
    this.#isRejection = options.isRejection ?? (() => false);
  }

  /** Queues one call's events; resolves with them once committed. */
  enqueue(events: PreparedAuditEvent[]): Promise<AuditEvent[]> {
    if (events.length === 0) return Promise.resolve([]);
    const promise = new Promise<AuditEvent[]>((resolve, reject) => {
      this.#pending.push({ events, resolve, reject });
    });
    if (!this.#writing) void this.#drain();
    return promise;
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#pending.length > 0) await this.#writeGroup(this.#takeGroup());
    } finally {
      this.#writing = false;
    }
  }

  #takeGroup(): Pending[] {
    let size = 0;
    let n = 0;
    while (
      n < this.#pending.length &&
      (n === 0 || size + this.#pending[n]!.events.length <= this.#maxEvents)
    ) {
      size += this.#pending[n]!.events.length;
      n++;
    }
    return this.#pending.splice(0, n);
  }

  async #writeGroup(group: Pending[]): Promise<void> {
    try {
      const stored = await this.#write(group.flatMap((call) => call.events));
      let offset = 0;
      for (const call of group) {
        call.resolve(stored.slice(offset, offset + call.events.length));
        offset += call.events.length;
      }
    } catch (error) {
      if (group.length === 1 || !this.#isRejection(error)) {
        for (const call of group) call.reject(error);
        return;
      }
      // Nothing of the group was committed: retry alone, so only the failing call fails.
      for (const call of group) await this.#writeGroup([call]);
    }
  }
}
