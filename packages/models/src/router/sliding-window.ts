/**
 * A sliding time window of amounts (1 per request for rpm, tokens for tpm). Entries older than
 * the window fall out when the window is read or added to; an entry can be corrected after it
 * was added, which is how tpm swaps an admission-time estimate for the real usage.
 *
 * Decision (cost per call): the window used to re-sum and re-slice every entry of the last
 * minute on each read. At ~1,000 calls/min per deployment that was ~0.1 ms per routed call
 * (bench:gateway CPU profile, the largest single cost of the bare gateway). It now keeps a
 * running sum and a head index, so add, read and correct are O(1) amortised; expired entries
 * are dropped from the array in batches.
 */

/** One amount in a window; keep it to correct the amount later with {@link SlidingWindow.correct}. */
export interface WindowEntry {
  readonly at: number;
  readonly amount: number;
}

interface Entry {
  readonly at: number;
  amount: number;
  /** Still inside the window, so its amount is part of the running sum. */
  live: boolean;
}

/** Expired entries kept before the array is compacted (compaction copies the live ones). */
const COMPACT_AFTER = 1024;

/** A sliding window over the router clock. Times passed in must not go backwards. */
export class SlidingWindow {
  readonly #windowMs: number;
  #entries: Entry[] = [];
  #head = 0;
  #sum = 0;

  /** Creates an empty window `windowMs` long (60 000 for per-minute limits). */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Adds `amount` at time `at` and returns the entry. */
  add(at: number, amount: number): WindowEntry {
    this.#prune(at);
    const entry: Entry = { at, amount, live: true };
    this.#entries.push(entry);
    this.#sum += amount;
    return entry;
  }

  /** Replaces an entry's amount (an estimate by the real value); expired entries just change. */
  correct(entry: WindowEntry, amount: number): void {
    const own = entry as Entry;
    if (own.live) this.#sum += amount - own.amount;
    own.amount = amount;
  }

  /** The sum of amounts added in the last window before `now`. */
  total(now: number): number {
    this.#prune(now);
    return this.#sum;
  }

  /** The number of entries in the last window before `now`. */
  count(now: number): number {
    this.#prune(now);
    return this.#entries.length - this.#head;
  }

  /**
   * When the oldest entry leaves the window, or `undefined` when empty. Only an estimate of
   * when room appears: one departure may not be enough room for a large call.
   */
  nextExpiry(now: number): number | undefined {
    this.#prune(now);
    const oldest = this.#entries[this.#head];
    return oldest === undefined ? undefined : oldest.at + this.#windowMs;
  }

  #prune(now: number): void {
    const cutoff = now - this.#windowMs;
    const entries = this.#entries;
    let head = this.#head;
    while (head < entries.length && entries[head]!.at <= cutoff) {
      const entry = entries[head++]!;
      entry.live = false;
      this.#sum -= entry.amount;
    }
    if (head === entries.length) {
      entries.length = 0;
      head = 0;
      // Re-anchor: an empty window sums to exactly zero, whatever rounding came before.
      this.#sum = 0;
    } else if (head >= COMPACT_AFTER && head * 2 >= entries.length) {
      this.#entries = entries.slice(head);
      head = 0;
    }
    this.#head = head;
  }
}
