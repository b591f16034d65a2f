/**
 * A channel is one slot of graph state, or a hidden slot that triggers nodes. Channels here are
 * stateless specs: the stored value lives in the run's values record, and every operation maps
 * an old stored value to a new one. That keeps the values record copy-on-write, so a superstep's
 * snapshot is just the previous record and a checkpoint delta is a reference comparison.
 */

/** Marks an empty channel. The values record never holds it; an empty channel has no key. */
export const EMPTY: unique symbol = Symbol.for("conclave.empty");
export type Empty = typeof EMPTY;

export interface ChannelSpec {
  /** Short kind name, for errors and drawings. */
  readonly kind: string;
  /**
   * Applies one superstep's writes, in deterministic task order. Returns the new stored value,
   * `EMPTY` to clear, or `stored` itself when nothing changed.
   */
  update(stored: unknown, writes: readonly unknown[], name: string): unknown;
  /** What a node reads; `EMPTY` when there is nothing to read. */
  read(stored: unknown): unknown;
  /** Whether a node this channel triggers may run now. */
  isAvailable(stored: unknown): boolean;
  /** The stored value after a node it triggered has run. */
  consume?(stored: unknown): unknown;
  /** The stored value when the graph would otherwise finish (releases deferred nodes). */
  finish?(stored: unknown): unknown;
  /** Cleared at a step boundary when the step did not write it. */
  readonly ephemeral?: boolean;
}
