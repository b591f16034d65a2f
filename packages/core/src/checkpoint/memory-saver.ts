/**
 * The in-memory saver, for tests and short-lived programs. It stores the same encoded rows as
 * the SQL savers (so state is isolated from later mutation, byte counts are real, and
 * `verify`/`prune` behave identically); it does not survive the process.
 */
import { ChainSaver, type ChainSaverOptions } from "./chain-saver.ts";
import type { ChainLink, CheckpointRow, NewCheckpointRow, ThreadHead } from "./row.ts";
import { rowKey } from "./row.ts";
import {
  type EncodedWrite,
  guardRowStore,
  type PruneChanges,
  type ReadRow,
  type RowQuery,
  type RowStore,
  type SaverStats,
} from "./row-store.ts";
import type { StoredWrite } from "./tuple.ts";

interface ThreadData {
  rows: Map<string, CheckpointRow>;
  /** Newest checkpoint id per namespace. */
  latest: Map<string, string>;
  /** Pending writes per checkpoint (`rowKey`), keyed by task and index, in first-write order. */
  writes: Map<string, Map<string, StoredWrite>>;
  head?: ThreadHead;
}

/** A {@link RowStore} in JavaScript maps. */
class MemoryRowStore implements RowStore {
  readonly #threads = new Map<string, ThreadData>();
  #seq = 0;

  #thread(threadId: string): ThreadData | undefined {
    return this.#threads.get(threadId);
  }

  getLink(threadId: string, ns: string, id: string): ChainLink | undefined {
    return this.#thread(threadId)?.rows.get(rowKey(ns, id));
  }

  insert(row: NewCheckpointRow): { existingHash?: string } {
    let thread = this.#thread(row.threadId);
    if (thread === undefined) {
      thread = { rows: new Map(), latest: new Map(), writes: new Map() };
      this.#threads.set(row.threadId, thread);
    }
    const key = rowKey(row.ns, row.id);
    const existing = thread.rows.get(key);
    if (existing !== undefined) return { existingHash: existing.hash };
    thread.rows.set(key, { ...row, seq: ++this.#seq });
    const latest = thread.latest.get(row.ns);
    if (latest === undefined || row.id > latest) thread.latest.set(row.ns, row.id);
    thread.head = {
      threadId: row.threadId,
      headNs: row.ns,
      headId: row.id,
      headHash: row.hash,
      rowCount: (thread.head?.rowCount ?? 0) + 1,
      anchors: thread.head?.anchors ?? null,
    };
    return {};
  }

  latestId(threadId: string, ns: string): string | undefined {
    return this.#thread(threadId)?.latest.get(ns);
  }

  loadChain(threadId: string, ns: string, id: string): ReadRow[] {
    const rows = this.#thread(threadId)?.rows;
    const chain: ReadRow[] = [];
    let row = rows?.get(rowKey(ns, id));
    while (row !== undefined) {
      chain.push(row);
      if (row.snapshot !== null || row.parentId === null) break;
      row = rows!.get(rowKey(ns, row.parentId));
    }
    return chain;
  }

  listRows(query: RowQuery): ReadRow[] {
    const rows = [...(this.#thread(query.threadId)?.rows.values() ?? [])].filter(
      (row) =>
        (query.ns === undefined || row.ns === query.ns) &&
        (query.id === undefined || row.id === query.id) &&
        (query.before === undefined || row.id < query.before),
    );
    return rows.sort((a, b) => (a.id !== b.id ? (a.id < b.id ? 1 : -1) : a.ns < b.ns ? -1 : 1));
  }

  loadWrites(threadId: string, ns: string, id: string): StoredWrite[] {
    const writes = this.#thread(threadId)?.writes.get(rowKey(ns, id));
    return writes === undefined ? [] : [...writes.values()];
  }

  putWrites(threadId: string, ns: string, id: string, writes: EncodedWrite[]): void {
    let thread = this.#thread(threadId);
    if (thread === undefined) {
      thread = { rows: new Map(), latest: new Map(), writes: new Map() };
      this.#threads.set(threadId, thread);
    }
    const key = rowKey(ns, id);
    const stored = thread.writes.get(key) ?? new Map<string, StoredWrite>();
    thread.writes.set(key, stored);
    for (const { taskId, idx, channel, value } of writes) {
      const writeKey = `${taskId}\u0000${idx}`;
      // Map.set keeps an existing key's position: overwrites stay in first-write order.
      if (idx < 0 || !stored.has(writeKey)) stored.set(writeKey, { taskId, channel, value });
    }
  }

  deleteThread(threadId: string): void {
    this.#threads.delete(threadId);
  }

  loadThread(threadId: string): { rows: CheckpointRow[]; head?: ThreadHead } {
    const thread = this.#thread(threadId);
    if (thread === undefined) return { rows: [] };
    const rows = [...thread.rows.values()];
    return thread.head === undefined ? { rows } : { rows, head: thread.head };
  }

  prune(
    threadId: string,
    plan: (rows: CheckpointRow[], head: ThreadHead | undefined) => PruneChanges,
  ): number {
    const thread = this.#thread(threadId);
    const changes = plan([...(thread?.rows.values() ?? [])], thread?.head);
    if (thread === undefined) return 0;
    for (const anchor of changes.anchors) {
      const row = thread.rows.get(rowKey(anchor.ns, anchor.id))!;
      Object.assign(row, anchor, { sinceBytes: 0, sinceCount: 0 });
    }
    for (const [ns, id] of changes.deleted) {
      thread.rows.delete(rowKey(ns, id));
      thread.writes.delete(rowKey(ns, id));
    }
    if (thread.head !== undefined) Object.assign(thread.head, changes.head);
    return changes.deleted.length;
  }

  stats(threadId?: string): SaverStats {
    const threads = threadId === undefined ? [...this.#threads.values()] : [this.#thread(threadId)];
    const stats: SaverStats = { checkpoints: 0, writes: 0, bytes: 0 };
    for (const thread of threads) {
      if (thread === undefined) continue;
      for (const row of thread.rows.values()) {
        stats.checkpoints++;
        stats.bytes += Buffer.byteLength(row.payload) + Buffer.byteLength(row.snapshot ?? "");
      }
      for (const writes of thread.writes.values()) {
        for (const write of writes.values()) {
          stats.writes++;
          stats.bytes += Buffer.byteLength(write.value);
        }
      }
    }
    return stats;
  }
}

/**
 * An in-memory `CheckpointSaver` (LangGraph's name). Not durable, one process.
 * @example
 * const saver = new MemorySaver();
 * const graph = builder.compile({ checkpointer: saver });
 */
export class MemorySaver extends ChainSaver {
  readonly #options: ChainSaverOptions;

  constructor(options: ChainSaverOptions = {}) {
    super(new MemoryRowStore(), { durable: false, multiProcess: false }, options);
    this.#options = options;
  }

  /**
   * A saver over the same rows whose writes first call `check`, which throws to refuse them.
   * The store is synchronous, so nothing runs between the check and the write.
   */
  guarded(check: () => void): ChainSaver {
    const guard = <T>(write: () => T): T => {
      check();
      return write();
    };
    return new ChainSaver(guardRowStore(this.store, guard), this.capabilities, this.#options);
  }
}
