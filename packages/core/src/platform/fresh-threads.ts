/**
 * Claimed runs whose thread had no root checkpoint when the claim took it, until their fenced
 * saver is made: that saver's store answers the run's first read of the thread's newest
 * checkpoint with "none" itself (`answerEmptyOnce`).
 *
 * Bounded: a run claimed and never executed (a crash, a cancel) is forgotten among the oldest.
 */
const MAX_FRESH = 10_000;

export class FreshThreads {
  readonly #threads = new Map<string, string>();

  /** Notes that run `runId`'s thread `threadId` had no root checkpoint at its claim. */
  note(runId: string, threadId: string): void {
    this.#threads.set(runId, threadId);
    if (this.#threads.size > MAX_FRESH) {
      const oldest = this.#threads.keys().next().value;
      if (oldest !== undefined) this.#threads.delete(oldest);
    }
  }

  /** The thread noted for `runId`, once (its fenced saver is being made). */
  take(runId: string): string | undefined {
    const threadId = this.#threads.get(runId);
    this.#threads.delete(runId);
    return threadId;
  }
}
