/**
 * Core's `RowStore` on better-sqlite3. Everything is synchronous; statements are prepared once
 * (lazily, after the migrations ran) and reused.
 */
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
import type { Database, Statement, Transaction } from "better-sqlite3";
import { migrate } from "./migrate.ts";
import { type ListShape, listSql, SQL } from "./sql/statements.ts";

type StatementName = keyof typeof SQL;
const LIST_PAGE_SIZE = 128;

/** A checkpoint's key: thread id, namespace, checkpoint id. */
type WritesKey = [threadId: string, ns: string, id: string];

/** A {@link RowStore} over one better-sqlite3 connection. */
export class SqliteRowStore implements RowStore {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement>();
  #migrated = false;
  /** Built once: `db.transaction()` prepares its own statements and costs more than a write. */
  #putWrites: Transaction<(key: WritesKey, batch: EncodedWrite[]) => void> | undefined;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Runs the migrations on first use; later calls do nothing. */
  ready(): Database {
    if (!this.#migrated) {
      migrate(this.#db);
      this.#migrated = true;
    }
    return this.#db;
  }

  #stmt(name: StatementName): Statement {
    return this.#prepared(name, SQL[name]);
  }

  #prepared(key: string, sql: string): Statement {
    let statement = this.#statements.get(key);
    if (statement === undefined) {
      statement = this.ready().prepare(sql);
      this.#statements.set(key, statement);
    }
    return statement;
  }

  getLink(threadId: string, ns: string, id: string): ChainLink | undefined {
    return this.#stmt("link").get(threadId, ns, id) as ChainLink | undefined;
  }

  insert(row: NewCheckpointRow): { existingHash?: string } {
    // One autocommit statement: the insert trigger updates the head in the same transaction.
    const { changes } = this.#stmt("insert").run(row);
    if (changes === 1) return {};
    const existing = this.#stmt("existingHash").get(row.threadId, row.ns, row.id) as {
      hash: string;
    };
    return { existingHash: existing.hash };
  }

  latestId(threadId: string, ns: string): string | undefined {
    const row = this.#stmt("latestId").get(threadId, ns) as { id: string } | undefined;
    return row?.id;
  }

  loadChain(threadId: string, ns: string, id: string): ReadRow[] {
    return this.#stmt("chain").all({ threadId, ns, id }) as ReadRow[];
  }

  *listRows(query: RowQuery): Generator<ReadRow> {
    const shape: ListShape = {
      ns: query.ns !== undefined,
      id: query.id !== undefined,
      before: query.before !== undefined,
      cursor: false,
    };
    const pageSize = Math.min(query.limit ?? LIST_PAGE_SIZE, LIST_PAGE_SIZE);
    const params: Record<string, unknown> = { ...query, pageSize };
    for (;;) {
      const key = `list:${JSON.stringify(shape)}`;
      // Pages, not iterate(): the caller runs other statements between rows.
      const page = this.#prepared(key, listSql(shape)).all(params) as ReadRow[];
      yield* page;
      const last = page[page.length - 1];
      if (last === undefined || page.length < pageSize) return;
      shape.cursor = true;
      params.cursorId = last.id;
      params.cursorNs = last.ns;
    }
  }

  loadWrites(threadId: string, ns: string, id: string): StoredWrite[] {
    return this.#stmt("writes").all(threadId, ns, id) as StoredWrite[];
  }

  putWrites(threadId: string, ns: string, id: string, writes: EncodedWrite[]): void {
    this.#putWrites ??= this.#db.transaction((key: WritesKey, batch: EncodedWrite[]) => {
      const special = this.#stmt("putSpecialWrite");
      const regular = this.#stmt("putWrite");
      for (const w of batch) {
        (w.idx < 0 ? special : regular).run(...key, w.taskId, w.idx, w.channel, w.value);
      }
    });
    this.#putWrites([threadId, ns, id], writes);
  }

  deleteThread(threadId: string): void {
    const statements = [this.#stmt("deleteCheckpoints"), this.#stmt("deleteWrites")];
    statements.push(this.#stmt("deleteHead"));
    this.#db.transaction(() => {
      for (const statement of statements) statement.run(threadId);
    })();
  }

  loadThread(threadId: string): { rows: CheckpointRow[]; head?: ThreadHead } {
    const read = this.#db.transaction(() => {
      const rows = this.#stmt("threadRows").all(threadId) as CheckpointRow[];
      const head = this.#stmt("head").get(threadId) as ThreadHead | undefined;
      return head === undefined ? { rows } : { rows, head };
    });
    return read.deferred();
  }

  prune(
    threadId: string,
    plan: (rows: CheckpointRow[], head: ThreadHead | undefined) => PruneChanges,
  ): number {
    const apply = this.#db.transaction(() => {
      const { rows, head } = this.loadThread(threadId);
      const changes = plan(rows, head);
      for (const anchor of changes.anchors) this.#stmt("makeAnchor").run({ threadId, ...anchor });
      for (const [ns, id] of changes.deleted) {
        this.#stmt("deleteRow").run(threadId, ns, id);
        this.#stmt("deleteRowWrites").run(threadId, ns, id);
      }
      this.#stmt("updateHead").run({ threadId, ...changes.head });
      return changes.deleted.length;
    });
    // IMMEDIATE: take the write lock before reading, so a concurrent put cannot slip in between.
    return apply.immediate();
  }

  stats(threadId?: string): SaverStats {
    const params = { threadId: threadId ?? null };
    const checkpoints = this.#stmt("checkpointStats").get(params) as { n: number; bytes: number };
    const writes = this.#stmt("writeStats").get(params) as { n: number; bytes: number };
    return {
      checkpoints: checkpoints.n,
      writes: writes.n,
      bytes: checkpoints.bytes + writes.bytes,
    };
  }

  /** Every thread id with rows or a head record, sorted. */
  threads(): string[] {
    return (this.#stmt("threads").all() as Array<{ threadId: string }>).map((r) => r.threadId);
  }
}
