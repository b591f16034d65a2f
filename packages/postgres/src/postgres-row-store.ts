/**
 * Core's `RowStore` on a pg.Pool. Each operation is one statement (one round trip) where it
 * can be; `loadThread` and `prune` use a transaction on one pooled client; `batch` stores
 * every write of its work in one statement. Statements are named, so each connection parses
 * and plans them once.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type {
  ChainLink,
  CheckpointRow,
  EncodedWrite,
  NewCheckpointRow,
  PruneChanges,
  ReadRow,
  RowQuery,
  RowStore,
  SaverStats,
  StoredWrite,
  ThreadHead,
} from "@conclave/core";
import type pg from "pg";
import { rollbackAfter } from "./pool.ts";
import { type Statements, statements } from "./sql/statements.ts";
import { WriteBatch } from "./write-batch.ts";

const LIST_PAGE_SIZE = 128;

/**
 * Makes the writes conditional, checked in the write's own statement (so atomically with it,
 * in one round trip): `sql` holds variants of the `insert` and `putWrites` statements that take
 * `values` after their own parameters and return a boolean `held` column. A write whose `held`
 * is false stored nothing, and throws `refused()`. The platform store's fenced saver uses it to
 * check that a run is still its claim's.
 */
export interface WriteGuard {
  sql: Pick<Statements, "insert" | "putWrites" | "insertBatch">;
  values: unknown[];
  refused: () => Error;
}

/** A {@link RowStore} over a pg pool, in one schema. */
export class PostgresRowStore implements RowStore {
  /** The pool and the (quoted) schema written to, for a store that writes a held batch. */
  readonly pool: pg.Pool;
  readonly quotedSchema: string;
  readonly #sql: Statements;
  readonly #prefix: string;
  readonly #ready: () => Promise<void>;
  readonly #guard: WriteGuard | undefined;
  /** The batch the current async context is collecting into (see {@link batch}). */
  readonly #batches = new AsyncLocalStorage<WriteBatch>();

  /**
   * @param ready - Resolves once migrations ran; awaited before every operation.
   * @param guard - When given, `insert` and `putWrites` run its variants (see {@link WriteGuard}).
   */
  constructor(pool: pg.Pool, quotedSchema: string, ready: () => Promise<void>, guard?: WriteGuard) {
    this.pool = pool;
    this.quotedSchema = quotedSchema;
    this.#sql = { ...statements(quotedSchema), ...guard?.sql };
    this.#prefix = `conclave:${quotedSchema}:${guard === undefined ? "" : "guarded:"}`;
    this.#ready = ready;
    this.#guard = guard;
  }

  async #query<R extends pg.QueryResultRow>(
    name: keyof Statements,
    values: unknown[],
    client: pg.Pool | pg.PoolClient = this.pool,
  ): Promise<R[]> {
    await this.#ready();
    const result = await client.query<R>({
      name: this.#prefix + name,
      text: this.#sql[name],
      values,
    });
    return result.rows;
  }

  async getLink(threadId: string, ns: string, id: string): Promise<ChainLink | undefined> {
    const batched = this.#batches.getStore()?.link(threadId, ns, id);
    if (batched !== undefined) return batched;
    return (await this.#query<ChainLink & pg.QueryResultRow>("link", [threadId, ns, id]))[0];
  }

  /**
   * Runs `work`, collecting the rows and writes it stores, then stores them all in one
   * statement (one round trip, one commit); if `work` throws, nothing it wrote is stored, as in
   * a rolled-back transaction. A nested batch joins the open one. Reads inside a batch see only
   * what is committed, except a put's parent link, which the batch answers.
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    if (this.#batches.getStore() !== undefined) return work();
    const { result, batch } = await this.hold(work);
    if (batch !== undefined) await this.storeBatch(batch);
    return result;
  }

  /** Runs `work` as {@link batch} does, but hands its writes back unstored (none: undefined). */
  async hold<T>(work: () => Promise<T>): Promise<{ result: T; batch: WriteBatch | undefined }> {
    const batch = new WriteBatch();
    const result = await this.#batches.run(batch, work);
    return { result, batch: batch.empty ? undefined : batch };
  }

  /** Stores a batch {@link hold} handed back, as `batch` would have. */
  async storeBatch(batch: WriteBatch): Promise<void> {
    const [result] = await this.#write<{ conflicts: number[] }>("insertBatch", batch.values());
    batch.checkConflicts(result?.conflicts ?? []);
  }

  /** Runs a write statement, with the guard's parameters and check when there is one. */
  async #write<R extends pg.QueryResultRow>(
    name: "insert" | "putWrites" | "insertBatch",
    values: unknown[],
  ) {
    const guard = this.#guard;
    if (guard === undefined) return this.#query<R>(name, values);
    const rows = await this.#query<R & { held: boolean }>(name, [...values, ...guard.values]);
    if (rows[0]?.held !== true) throw guard.refused();
    return rows;
  }

  async insert(row: NewCheckpointRow): Promise<{ existingHash?: string }> {
    const batch = this.#batches.getStore();
    if (batch !== undefined) return batch.addRow(row);
    const [result] = await this.#write<{ existing: string | null }>("insert", [
      row.threadId,
      row.ns,
      row.id,
      row.parentId,
      row.ts,
      row.payload,
      row.hash,
      row.snapshot,
      row.sinceBytes,
      row.sinceCount,
      row.snapBytes,
    ]);
    return result?.existing == null ? {} : { existingHash: result.existing };
  }

  async latestId(threadId: string, ns: string): Promise<string | undefined> {
    return (await this.#query<{ id: string }>("latestId", [threadId, ns]))[0]?.id;
  }

  async loadChain(threadId: string, ns: string, id: string): Promise<ReadRow[]> {
    return this.#query<ReadRow & pg.QueryResultRow>("chain", [threadId, ns, id]);
  }

  async *listRows(query: RowQuery): AsyncGenerator<ReadRow> {
    let cursor: ReadRow | undefined;
    const pageSize = Math.min(query.limit ?? LIST_PAGE_SIZE, LIST_PAGE_SIZE);
    for (;;) {
      const page = await this.#query<ReadRow & pg.QueryResultRow>("list", [
        query.threadId,
        query.ns ?? null,
        query.id ?? null,
        query.before ?? null,
        cursor?.id ?? null,
        cursor?.ns ?? null,
        pageSize,
      ]);
      yield* page;
      cursor = page[page.length - 1];
      if (cursor === undefined || page.length < pageSize) return;
    }
  }

  async loadWrites(threadId: string, ns: string, id: string): Promise<StoredWrite[]> {
    return this.#query<StoredWrite & pg.QueryResultRow>("writes", [threadId, ns, id]);
  }

  async putWrites(threadId: string, ns: string, id: string, writes: EncodedWrite[]) {
    const batch = this.#batches.getStore();
    if (batch !== undefined) return batch.addWrites(threadId, ns, id, writes);
    await this.#write("putWrites", [
      threadId,
      ns,
      id,
      writes.map((w) => w.taskId),
      writes.map((w) => w.idx),
      writes.map((w) => w.channel),
      writes.map((w) => w.value),
    ]);
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.#query("deleteThread", [threadId]);
  }

  async loadThread(threadId: string): Promise<{ rows: CheckpointRow[]; head?: ThreadHead }> {
    return this.#transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", (client) =>
      this.#readThread(threadId, client),
    );
  }

  async #readThread(threadId: string, client: pg.PoolClient) {
    const rows = await this.#query<CheckpointRow & pg.QueryResultRow>(
      "threadRows",
      [threadId],
      client,
    );
    const [head] = await this.#query<ThreadHead & pg.QueryResultRow>("head", [threadId], client);
    return head === undefined ? { rows } : { rows, head };
  }

  async prune(
    threadId: string,
    plan: (rows: CheckpointRow[], head: ThreadHead | undefined) => PruneChanges,
  ): Promise<number> {
    return this.#transaction("BEGIN", async (client) => {
      // Locking the head row makes concurrent puts to this thread wait for the prune.
      await this.#query("lockHead", [threadId], client);
      const { rows, head } = await this.#readThread(threadId, client);
      const changes = plan(rows, head);
      for (const a of changes.anchors) {
        await this.#query(
          "makeAnchor",
          [threadId, a.ns, a.id, a.snapshot, a.prevHash, a.snapBytes],
          client,
        );
      }
      const deleted = changes.deleted;
      await this.#query(
        "deleteRows",
        [threadId, deleted.map((d) => d[0]), deleted.map((d) => d[1])],
        client,
      );
      await this.#query(
        "updateHead",
        [threadId, changes.head.rowCount, changes.head.anchors],
        client,
      );
      return deleted.length;
    });
  }

  async #transaction<T>(begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.#ready();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      broken = await rollbackAfter(client, error);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async stats(threadId?: string): Promise<SaverStats> {
    const [row] = await this.#query<SaverStats & pg.QueryResultRow>("stats", [threadId ?? null]);
    return row ?? { checkpoints: 0, writes: 0, bytes: 0 };
  }

  /** Every thread id with rows or a head record, sorted. */
  async threads(): Promise<string[]> {
    return (await this.#query<{ threadId: string }>("threads", [])).map((r) => r.threadId);
  }
}
