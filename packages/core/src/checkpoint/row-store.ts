/**
 * The storage interface under {@link ChainSaver}: the few operations that differ between
 * memory, SQLite and PostgreSQL. Everything else (encoding, hashing, snapshot policy, replay,
 * verify, prune planning) lives in core, so all savers store the same bytes and behave the same.
 * Methods may return plain values (SQLite, memory) or promises (PostgreSQL).
 */
import type { ChainLink, CheckpointRow, NewCheckpointRow, ThreadHead } from "./row.ts";
import type { StoredWrite } from "./tuple.ts";

/** A value or a promise of it: synchronous stores skip the promise. */
export type Awaitable<T> = T | Promise<T>;

/** A row as `list` and `getTuple` read it. */
export type ReadRow = Pick<
  CheckpointRow,
  "ns" | "id" | "parentId" | "payload" | "hash" | "snapshot"
>;

/** A pending write ready to store. */
export interface EncodedWrite extends StoredWrite {
  /** Position in the task's writes, or a fixed negative index for special channels. */
  idx: number;
}

/** Which rows `listRows` returns, newest first (by id, then namespace). */
export interface RowQuery {
  threadId: string;
  /** Only this namespace; all namespaces when undefined. */
  ns?: string;
  /** Only this checkpoint. */
  id?: string;
  /** Only checkpoints with an id strictly lower. */
  before?: string;
  /** A hint: the caller stops after this many rows (absent when it filters further). */
  limit?: number;
}

/** What a prune changes, computed by core from the thread's rows, applied by the store. */
export interface PruneChanges {
  /** [ns, id] of the rows to delete, with their pending writes. */
  deleted: Array<[ns: string, id: string]>;
  /** Rows that become anchors: new snapshot, counters reset, the deleted parent's hash kept. */
  anchors: Array<Pick<CheckpointRow, "ns" | "id" | "snapshot" | "prevHash" | "snapBytes">>;
  /** The head record's new row count and anchor list. */
  head: Pick<ThreadHead, "rowCount" | "anchors">;
}

/** Storage figures, for benchmarks and capacity planning. */
export interface SaverStats {
  checkpoints: number;
  writes: number;
  /** UTF-8 bytes of stored payloads, snapshots and pending-write values (no index overhead). */
  bytes: number;
}

/** The storage operations a {@link ChainSaver} needs. */
export interface RowStore {
  /** The chain link of a row, for a child's `put`. */
  getLink(threadId: string, ns: string, id: string): Awaitable<ChainLink | undefined>;
  /**
   * Inserts the row and updates the thread's head record in one transaction. When a row with
   * the same thread, namespace and id exists, inserts nothing and returns its hash.
   */
  insert(row: NewCheckpointRow): Awaitable<{ existingHash?: string }>;
  /** The id of the newest checkpoint of a namespace. */
  latestId(threadId: string, ns: string): Awaitable<string | undefined>;
  /** The row named `id` and its ancestors, up to and including the first with a snapshot. */
  loadChain(threadId: string, ns: string, id: string): Awaitable<ReadRow[]>;
  /** Rows matching the query, newest first. */
  listRows(query: RowQuery): AsyncIterable<ReadRow> | Iterable<ReadRow>;
  /** A checkpoint's pending writes in the order they were first stored. */
  loadWrites(threadId: string, ns: string, id: string): Awaitable<StoredWrite[]>;
  /** Stores writes: special channels overwrite an existing key, regular ones keep the first. */
  putWrites(threadId: string, ns: string, id: string, writes: EncodedWrite[]): Awaitable<void>;
  /** Deletes the thread's rows, writes and head record. */
  deleteThread(threadId: string): Awaitable<void>;
  /** Every row of the thread and its head record, for `verify`. */
  loadThread(threadId: string): Awaitable<{ rows: CheckpointRow[]; head?: ThreadHead }>;
  /**
   * Runs `plan` on the thread's rows and head inside one transaction and applies its changes.
   * Returns the number of rows deleted.
   */
  prune(
    threadId: string,
    plan: (rows: CheckpointRow[], head: ThreadHead | undefined) => PruneChanges,
  ): Awaitable<number>;
  stats(threadId?: string): Awaitable<SaverStats>;
}

/**
 * A store whose writes (`insert`, `putWrites`) run inside `guard`, which checks a condition
 * and then calls the write. For a synchronous store the guard makes check and write atomic;
 * SQLite passes a guard that opens one IMMEDIATE transaction around both (fencing a run's
 * checkpoint writes to its current claim).
 */
export function guardRowStore(store: RowStore, guard: <T>(write: () => T) => T): RowStore {
  return {
    ...delegate(store),
    insert: (row) => guard(() => store.insert(row)),
    putWrites: (threadId, ns, id, writes) => guard(() => store.putWrites(threadId, ns, id, writes)),
  };
}

/**
 * A store whose next read of `threadId`'s newest root checkpoint answers "none" without asking
 * `store`, unless it wrote first. A platform store's fenced saver uses it when the claim that
 * gave the run its fence found the thread had no root checkpoint: the run holds the thread, so
 * nothing else writes one in between, and the read every fresh run's first step made is saved
 * (a round trip on PostgreSQL). See `FreshThreads`.
 */
export function answerEmptyOnce(store: RowStore, threadId: string): RowStore {
  let pending = true;
  return {
    ...delegate(store),
    latestId: (thread, ns) => {
      if (pending && ns === "" && thread === threadId) {
        pending = false;
        return undefined;
      }
      return store.latestId(thread, ns);
    },
    insert: (row) => {
      pending = false;
      return store.insert(row);
    },
    putWrites: (thread, ns, id, writes) => {
      pending = false;
      return store.putWrites(thread, ns, id, writes);
    },
  };
}

/** Every operation of `store`, called on it. */
function delegate(store: RowStore): RowStore {
  return {
    getLink: (threadId, ns, id) => store.getLink(threadId, ns, id),
    insert: (row) => store.insert(row),
    latestId: (threadId, ns) => store.latestId(threadId, ns),
    loadChain: (threadId, ns, id) => store.loadChain(threadId, ns, id),
    listRows: (query) => store.listRows(query),
    loadWrites: (threadId, ns, id) => store.loadWrites(threadId, ns, id),
    putWrites: (threadId, ns, id, writes) => store.putWrites(threadId, ns, id, writes),
    deleteThread: (threadId) => store.deleteThread(threadId),
    loadThread: (threadId) => store.loadThread(threadId),
    prune: (threadId, plan) => store.prune(threadId, plan),
    stats: (threadId) => store.stats(threadId),
  };
}
