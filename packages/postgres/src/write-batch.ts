/**
 * The rows and pending writes a `PostgresRowStore.batch` collected, to be stored by one
 * statement (`sql/batch-statements.ts`) when the batch's work is done.
 *
 * A `put` inside a batch is answered at once: its parent's link comes from the batch when the
 * parent is in it, and an id put twice in one batch is reported as existing, so `ChainSaver`
 * applies its usual same-content check. Repeated writes are merged as the single statement
 * would store them one after another (special channels keep their first position and take the
 * last value; regular ones keep the first), since one statement cannot update a row twice.
 */
import {
  type ChainLink,
  checkpointExists,
  type EncodedWrite,
  type NewCheckpointRow,
} from "@conclave/core";

interface BatchedWrite {
  threadId: string;
  ns: string;
  checkpointId: string;
  write: EncodedWrite;
}

const key = (...parts: (string | number)[]) => parts.join("\u0000");

/** One batch's collected writes, in the order they were made. */
export class WriteBatch {
  readonly rows: NewCheckpointRow[] = [];
  readonly #rowsByKey = new Map<string, NewCheckpointRow>();
  readonly #writes: BatchedWrite[] = [];
  readonly #writesByKey = new Map<string, BatchedWrite>();

  get empty(): boolean {
    return this.rows.length === 0 && this.#writes.length === 0;
  }

  /**
   * Throws CHECKPOINT_EXISTS for the first row a batch statement reported in conflict
   * (`conflicts`: 1-based positions in {@link rows}); the statement then stored nothing.
   */
  checkConflicts(conflicts: readonly number[]): void {
    const conflict = conflicts[0];
    if (conflict === undefined) return;
    const row = this.rows[conflict - 1]!;
    throw checkpointExists(row.threadId, row.id);
  }

  /** Collects `row`; for an id already in the batch, stores nothing and returns its hash. */
  addRow(row: NewCheckpointRow): { existingHash?: string } {
    const rowKey = key(row.threadId, row.ns, row.id);
    const earlier = this.#rowsByKey.get(rowKey);
    if (earlier !== undefined) return { existingHash: earlier.hash };
    this.rows.push(row);
    this.#rowsByKey.set(rowKey, row);
    return {};
  }

  /** The chain link of a row collected in this batch. */
  link(threadId: string, ns: string, id: string): ChainLink | undefined {
    return this.#rowsByKey.get(key(threadId, ns, id));
  }

  addWrites(threadId: string, ns: string, checkpointId: string, writes: EncodedWrite[]): void {
    for (const write of writes) {
      const writeKey = key(threadId, ns, checkpointId, write.taskId, write.idx);
      const earlier = this.#writesByKey.get(writeKey);
      if (earlier === undefined) {
        const batched = { threadId, ns, checkpointId, write };
        this.#writes.push(batched);
        this.#writesByKey.set(writeKey, batched);
      } else if (write.idx < 0) {
        earlier.write = write;
      }
    }
  }

  /** The statement's parameters $1-$18, column by column. */
  values(): unknown[] {
    const rows = this.rows;
    const writes = this.#writes;
    return [
      rows.map((r) => r.threadId),
      rows.map((r) => r.ns),
      rows.map((r) => r.id),
      rows.map((r) => r.parentId),
      rows.map((r) => r.ts),
      rows.map((r) => r.payload),
      rows.map((r) => r.hash),
      rows.map((r) => r.snapshot),
      rows.map((r) => r.sinceBytes),
      rows.map((r) => r.sinceCount),
      rows.map((r) => r.snapBytes),
      writes.map((w) => w.threadId),
      writes.map((w) => w.ns),
      writes.map((w) => w.checkpointId),
      writes.map((w) => w.write.taskId),
      writes.map((w) => w.write.idx),
      writes.map((w) => w.write.channel),
      writes.map((w) => w.write.value),
    ];
  }
}
