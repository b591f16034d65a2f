/**
 * Threads on SQLite. A thread row caches the state values and interrupts of its last run, and
 * `running_run_id` names the run that holds it (the queue sets and clears it), so "is this
 * thread free?" is one primary-key read.
 */
import {
  alreadyExists,
  checkId,
  type JsonObject,
  type Thread,
  type ThreadQuery,
  type ThreadRepo,
  type ThreadRow,
  threadBusy,
  threadFromRow,
  threadNotFound,
} from "@conclave/core";
import { THREAD_COLUMNS, THREAD_SQL } from "../sql/platform-statements.ts";
import {
  type Where,
  whereEqual,
  whereMetadata,
  whereSql,
  whereTenant,
  withPage,
} from "./filters.ts";
import type { PlatformDb } from "./platform-db.ts";

/** The {@link ThreadRepo} of the SQLite platform store. */
export class SqliteThreads implements ThreadRepo {
  readonly #db: PlatformDb;

  constructor(db: PlatformDb) {
    this.#db = db;
  }

  async create(
    input: { tenant: string; threadId: string; metadata?: JsonObject },
    now: Date,
    ifExists: "raise" | "do_nothing" = "raise",
  ): Promise<Thread> {
    const tenant = checkId(input.tenant, "tenant");
    const threadId = checkId(input.threadId, "threadId");
    return this.#db.write(() => {
      const existing = this.#get(tenant, threadId);
      if (existing !== undefined) {
        if (ifExists === "do_nothing") return existing;
        throw alreadyExists("Thread", threadId);
      }
      insertThread(this.#db, tenant, threadId, input.metadata, now);
      return this.#get(tenant, threadId)!;
    });
  }

  async get(tenant: string, threadId: string): Promise<Thread | undefined> {
    return this.#get(tenant, threadId);
  }

  async update(tenant: string, threadId: string, metadata: JsonObject, now: Date): Promise<Thread> {
    return this.#db.write(() => {
      const thread = this.#get(tenant, threadId);
      if (thread === undefined) throw threadNotFound(tenant, threadId);
      const merged = { ...thread.metadata, ...metadata };
      const params = { tenant, threadId, metadata: JSON.stringify(merged), now: now.getTime() };
      this.#db.stmt(THREAD_SQL.setMetadata).run(params);
      return { ...thread, metadata: merged, updatedAt: now.toISOString() };
    });
  }

  async setState(
    tenant: string,
    threadId: string,
    state: { values: unknown; interrupts: JsonObject },
    now: Date,
  ): Promise<void> {
    const params = {
      tenant,
      threadId,
      values: JSON.stringify(state.values ?? null),
      interrupts: JSON.stringify(state.interrupts),
      interrupted: Object.keys(state.interrupts).length > 0 ? 1 : 0,
      now: now.getTime(),
    };
    const { changes } = this.#db.write(() => this.#db.stmt(THREAD_SQL.setState).run(params));
    if (changes === 0) throw threadNotFound(tenant, threadId);
  }

  async delete(tenant: string, threadId: string): Promise<boolean> {
    return this.#db.write(() => {
      const active = this.#db.stmt(THREAD_SQL.activeRun).get({ tenant, threadId }) as
        | { runId: string | null }
        | undefined;
      if (active === undefined) return false;
      if (active.runId !== null) throw threadBusy(threadId, active.runId);
      // Only ended runs are left: a pending or running one made the thread busy above.
      this.#db.stmt(THREAD_SQL.deleteRuns).run(tenant, threadId);
      this.#db.stmt(THREAD_SQL.delete).run(tenant, threadId);
      return true;
    });
  }

  async search(query: ThreadQuery): Promise<Thread[]> {
    const where = filterOf(query);
    const sql = `SELECT ${THREAD_COLUMNS} FROM conclave_threads WHERE ${whereSql(where)}
      ORDER BY created_at DESC, rowid DESC LIMIT @limit OFFSET @offset`;
    const rows = this.#db.stmt(sql).all(withPage(where, query)) as ThreadRow[];
    return rows.map(threadFromRow);
  }

  async count(query: ThreadQuery): Promise<number> {
    const where = filterOf(query);
    const sql = `SELECT COUNT(*) AS n FROM conclave_threads WHERE ${whereSql(where)}`;
    return (this.#db.stmt(sql).get(where.params) as { n: number }).n;
  }

  #get(tenant: string, threadId: string): Thread | undefined {
    const row = this.#db.stmt(THREAD_SQL.get).get(tenant, threadId) as ThreadRow | undefined;
    return row === undefined ? undefined : threadFromRow(row);
  }
}

/** Inserts an idle thread with no values (inside the caller's write). */
export function insertThread(
  db: PlatformDb,
  tenant: string,
  threadId: string,
  metadata: JsonObject | undefined,
  now: Date,
): void {
  const params = { tenant, threadId, metadata: JSON.stringify(metadata ?? {}), now: now.getTime() };
  try {
    db.stmt(THREAD_SQL.insert).run(params);
  } catch (error) {
    // Callers check their own tenant first, so a clash is another tenant's thread.
    if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE")
      throw alreadyExists("Thread", threadId);
    throw error;
  }
}

function filterOf(query: ThreadQuery): Where {
  const where = whereTenant(query.tenant);
  whereEqual(where, "status", "status", query.status);
  return whereMetadata(where, "metadata", query.metadata);
}
