/**
 * The token counts of recently counted texts.
 *
 * Decision: an agent loop sends the same system prompt, tool definitions and history on every
 * turn, and the gateway counts every call's prompt for its reservation, so without a memo a
 * conversation costs tokenizer time quadratic in its length. A count is a pure function of the
 * text, so remembering it is exact. The memo is bounded in entries and in characters, and
 * forgets the least recently used text first.
 */

/** Texts shorter than this are counted again: the lookup would cost about as much. */
const MIN_CHARS = 32;

export class TokenMemo {
  readonly #counts = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #chars = 0;

  constructor(maxEntries = 4096, maxChars = 4_000_000) {
    this.#maxEntries = maxEntries;
    this.#maxChars = maxChars;
  }

  /** The count of `text`, from the memo or from `count(text)` (then remembered). */
  count(text: string, count: (text: string) => number): number {
    if (text.length < MIN_CHARS || text.length > this.#maxChars) return count(text);
    const known = this.#counts.get(text);
    if (known !== undefined) {
      // Re-inserting moves the text to the most recently used end.
      this.#counts.delete(text);
      this.#counts.set(text, known);
      return known;
    }
    const counted = count(text);
    this.#counts.set(text, counted);
    this.#chars += text.length;
    this.#evict();
    return counted;
  }

  /** How many texts it holds (for tests). */
  get size(): number {
    return this.#counts.size;
  }

  #evict(): void {
    while (this.#counts.size > this.#maxEntries || this.#chars > this.#maxChars) {
      const oldest = this.#counts.keys().next().value as string;
      this.#counts.delete(oldest);
      this.#chars -= oldest.length;
    }
  }
}
