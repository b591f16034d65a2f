/**
 * A sliding time window of amounts (1 per request for rpm, tokens for tpm). Entries older than
 * the window fall out when read; an entry can be corrected after it was added, which is how tpm
 * swaps an admission-time estimate for the real usage.
 */

/** One amount in a window; keep it to correct the amount later. */
export interface WindowEntry {
  readonly at: number;
  amount: number;
}

/** A sliding window over the router clock. */
export class SlidingWindow {
  readonly #windowMs: number;
  #entries: WindowEntry[] = [];

  /** Creates an empty window `windowMs` long (60 000 for per-minute limits). */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Adds `amount` at time `at` and returns the entry. */
  add(at: number, amount: number): WindowEntry {
    const entry: WindowEntry = { at, amount };
    this.#entries.push(entry);
    return entry;
  }

  /** The sum of amounts added in the last window before `now`. */
  total(now: number): number {
    this.#prune(now);
    let sum = 0;
    for (const entry of this.#entries) sum += entry.amount;
    return sum;
  }

  /** The number of entries in the last window before `now`. */
  count(now: number): number {
    this.#prune(now);
    return this.#entries.length;
  }

  /**
   * When the oldest entry leaves the window, or `undefined` when empty. Only an estimate of
   * when room appears: one departure may not be enough room for a large call.
   */
  nextExpiry(now: number): number | undefined {
    this.#prune(now);
    const oldest = this.#entries[0];
    return oldest === undefined ? undefined : oldest.at + this.#windowMs;
  }

  #prune(now: number): void {
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < this.#entries.length && this.#entries[drop]!.at <= cutoff) drop++;
    if (drop > 0) this.#entries = this.#entries.slice(drop);
  }
}
