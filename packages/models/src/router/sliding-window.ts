/**
 * A sliding time window of amounts (1 per request for rpm, tokens for tpm). Entries older than
 * the window fall out when the window is read or added to; an entry can be corrected after it
 * was added, which is how tpm swaps an admission-time estimate for the real usage.
 *
 * Decision (cost per call): the window used to re-sum and re-slice every entry of the last
 * minute on each read. At ~1,000 calls/min per deployment that was ~0.1 ms per routed call
 * (bench:gateway CPU profile, the largest single cost of the bare gateway). It now keeps a
 * running sum and a head, so add, read and correct are O(1) amortised.
 *
 * Decision (memory): entries live in a ring of two Float64Arrays, not one object each. Every
 * call adds two entries that stay a minute, so at a few thousand calls a second the object
 * version kept hundreds of thousands of objects alive for the garbage collector to trace and
 * promote: in a streamed-call profile, GC was the largest difference between a routed and an
 * unrouted call (~10 µs per call). An entry's handle is its sequence number.
 */

/** The handle of one added amount, to correct it later with {@link SlidingWindow.correct}. */
export type WindowEntry = number;

const INITIAL_CAPACITY = 64;

/** A sliding window over the router clock. Times passed in must not go backwards. */
export class SlidingWindow {
  readonly #windowMs: number;
  #at = new Float64Array(INITIAL_CAPACITY);
  #amount = new Float64Array(INITIAL_CAPACITY);
  /** Sequence number of the oldest live entry; entries `#head..#next-1` are in the window. */
  #head = 0;
  #next = 0;
  #sum = 0;

  /** Creates an empty window `windowMs` long (60 000 for per-minute limits). */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Adds `amount` at time `at` and returns the entry's handle. */
  add(at: number, amount: number): WindowEntry {
    this.#prune(at);
    if (this.#next - this.#head === this.#at.length) this.#grow();
    const slot = this.#next % this.#at.length;
    this.#at[slot] = at;
    this.#amount[slot] = amount;
    this.#sum += amount;
    return this.#next++;
  }

  /** Replaces an entry's amount (an estimate by the real value); expired entries are ignored. */
  correct(entry: WindowEntry, amount: number): void {
    if (entry < this.#head || entry >= this.#next) return;
    const slot = entry % this.#at.length;
    this.#sum += amount - this.#amount[slot]!;
    this.#amount[slot] = amount;
  }

  /** The sum of amounts added in the last window before `now`. */
  total(now: number): number {
    this.#prune(now);
    return this.#sum;
  }

  /** The number of entries in the last window before `now`. */
  count(now: number): number {
    this.#prune(now);
    return this.#next - this.#head;
  }

  /**
   * When the oldest entry leaves the window, or `undefined` when empty. Only an estimate of
   * when room appears: one departure may not be enough room for a large call.
   */
  nextExpiry(now: number): number | undefined {
    this.#prune(now);
    if (this.#head === this.#next) return undefined;
    return this.#at[this.#head % this.#at.length]! + this.#windowMs;
  }

  #prune(now: number): void {
    const cutoff = now - this.#windowMs;
    const capacity = this.#at.length;
    while (this.#head < this.#next) {
      const slot = this.#head % capacity;
      if (this.#at[slot]! > cutoff) return;
      this.#sum -= this.#amount[slot]!;
      this.#head++;
    }
    // Re-anchor: an empty window sums to exactly zero, whatever rounding came before.
    this.#sum = 0;
  }

  /** Doubles the ring, keeping each live entry at its sequence number's new slot. */
  #grow(): void {
    const capacity = this.#at.length;
    const at = new Float64Array(capacity * 2);
    const amount = new Float64Array(capacity * 2);
    for (let seq = this.#head; seq < this.#next; seq++) {
      at[seq % (capacity * 2)] = this.#at[seq % capacity]!;
      amount[seq % (capacity * 2)] = this.#amount[seq % capacity]!;
    }
    this.#at = at;
    this.#amount = amount;
  }
}
