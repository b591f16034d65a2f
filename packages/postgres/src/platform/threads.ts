/**
 * Threads in PostgreSQL. The thread row is also the queue's lock for the thread's runs (see
 * `platform-queue-statements.ts`), so a delete locks it before checking for active runs.
 */
import {
  alreadyExists,
  checkId,
  type JsonObject,
  pageOf,
  type Thread,
  type ThreadQuery,
  type ThreadRepo,
  type ThreadRow,
  threadBusy,
  threadFromRow,
  threadNotFound,
} from "@conclave/core";
import { THREAD_FIELDS, valuesOf } from "../sql/platform-columns.ts";
import { THREAD_ID_INDEX } from "./enqueue.ts";
import { isPgError, PG_ERROR, type PlatformDb } from "./platform-db.ts";

/** A new, idle thread row. */
function newThreadRow(
  input: { tenant: string; threadId: string; metadata?: JsonObject },
  now: Date,
): ThreadRow {
  const at = now.getTime();
  return {
    tenant: checkId(input.tenant, "tenant"),
    threadId: checkId(input.threadId, "threadId"),
    status: "idle",
    metadata: JSON.stringify(input.metadata ?? {}),
    values: null,
    interrupts: "{}",
    createdAt: at,
    updatedAt: at,
  };
}

function filters(query: ThreadQuery): unknown[] {
  return [
    query.tenant,
    query.status ?? null,
    query.metadata === undefined ? null : JSON.stringify(query.metadata),
  ];
}

/** The {@link ThreadRepo} of {@link PostgresPlatformStore}. */
export class PostgresThreads implements ThreadRepo {
  readonly #db: PlatformDb;

  constructor(db: PlatformDb) {
    this.#db = db;
  }

  async create(
    thread: { tenant: string; threadId: string; metadata?: JsonObject },
    now: Date,
    ifExists: "raise" | "do_nothing" = "raise",
  ): Promise<Thread> {
    const row = newThreadRow(thread, now);
    let created: ThreadRow | undefined;
    try {
      [created] = await this.#db.rows<ThreadRow>("threadInsert", valuesOf(row, THREAD_FIELDS));
    } catch (error) {
      // The tenant's own duplicate is skipped by ON CONFLICT; this is another tenant's id.
      if (isPgError(error, PG_ERROR.uniqueViolation, THREAD_ID_INDEX))
        throw alreadyExists("Thread", row.threadId);
      throw error;
    }
    if (created !== undefined) return threadFromRow(created);
    const existing =
      ifExists === "do_nothing" ? await this.get(row.tenant, row.threadId) : undefined;
    if (existing === undefined) throw alreadyExists("Thread", row.threadId);
    return existing;
  }

  async get(tenant: string, threadId: string): Promise<Thread | undefined> {
    const [row] = await this.#db.rows<ThreadRow>("threadGet", [tenant, threadId]);
    return row === undefined ? undefined : threadFromRow(row);
  }

  /** Merges in JS (as the codec writes JSON), under the row lock. */
  async update(tenant: string, threadId: string, metadata: JsonObject, now: Date): Promise<Thread> {
    return this.#db.transaction(async (client) => {
      const [row] = await this.#db.rows<ThreadRow>("threadLock", [tenant, threadId], client);
      if (row === undefined) throw threadNotFound(tenant, threadId);
      const merged = { ...JSON.parse(row.metadata), ...metadata };
      const [updated] = await this.#db.rows<ThreadRow>(
        "threadSetMetadata",
        [tenant, threadId, JSON.stringify(merged), now.getTime()],
        client,
      );
      return threadFromRow(updated!);
    });
  }

  async setState(
    tenant: string,
    threadId: string,
    state: { values: unknown; interrupts: JsonObject },
    now: Date,
  ): Promise<void> {
    const status = Object.keys(state.interrupts).length > 0 ? "interrupted" : "idle";
    const { rowCount } = await this.#db.query("threadSetState", [
      tenant,
      threadId,
      state.values === undefined ? null : JSON.stringify(state.values),
      JSON.stringify(state.interrupts),
      status,
      now.getTime(),
    ]);
    if (rowCount === 0) throw threadNotFound(tenant, threadId);
  }

  /** Locks the thread, so no run can be enqueued on it while it is checked and deleted. */
  async delete(tenant: string, threadId: string): Promise<boolean> {
    return this.#db.transaction(async (client) => {
      const [row] = await this.#db.rows<{ activeRuns: number }>(
        "threadLock",
        [tenant, threadId],
        client,
      );
      if (row === undefined) return false;
      if (row.activeRuns > 0) {
        const [active] = await this.#db.rows<{ runId: string }>(
          "threadActiveRun",
          [tenant, threadId],
          client,
        );
        throw threadBusy(threadId, active?.runId ?? "unknown");
      }
      await this.#db.query("threadDelete", [tenant, threadId], client);
      return true;
    });
  }

  /** Newest first. */
  async search(query: ThreadQuery): Promise<Thread[]> {
    const { limit, offset } = pageOf(query);
    const rows = await this.#db.rows<ThreadRow>("threadSearch", [...filters(query), limit, offset]);
    return rows.map(threadFromRow);
  }

  async count(query: ThreadQuery): Promise<number> {
    const [row] = await this.#db.rows<{ n: number }>("threadCount", filters(query));
    return row?.n ?? 0;
  }
}
